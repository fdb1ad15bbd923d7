package main

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
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

// playUntilTestEnds plays each track's clips and drains c's events until the
// test ends, then closes c.
func playUntilTestEnds(t *testing.T, c *client.Client, plays map[*client.LocalTrack][]*clip.Clip) {
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for track, clips := range plays {
		wg.Go(func() { _ = clienttest.PlayClip(ctx, track, clips...) })
	}
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-c.Events():
			}
		}
	})
	t.Cleanup(func() {
		stop()
		_ = c.Close()
		wg.Wait()
	})
}
