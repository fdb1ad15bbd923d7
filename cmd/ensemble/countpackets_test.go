package main

import (
	"sync"
	"sync/atomic"

	"github.com/ensemble-sfu/ensemble/signalling/client"
)

// countPackets counts into n, on a goroutine of wg, the packets rt receives
// until it ends.
func countPackets(wg *sync.WaitGroup, rt *client.RemoteTrack, n *atomic.Int64) {
	wg.Go(func() {
		for {
			if _, err := rt.ReadRTP(); err != nil {
				return
			}
			n.Add(1)
		}
	})
}
