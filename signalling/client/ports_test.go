package client

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/webrtc/v4"
)

// Fifty clients in one process (a bridge's fifty calls) all connect their media,
// each connection on its own port, all within the range the bridge configured.
func TestFiftyClientsInOneProcessKeepToAPortRange(t *testing.T) {
	const (
		clients   = 50
		low, high = 41000, 41499
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := servertest.Start(t)
	inRange := WithSettingEngine(func(se *webrtc.SettingEngine) {
		if err := se.SetEphemeralUDPPortRange(low, high); err != nil {
			t.Error(err)
		}
	})
	var legs []*Client
	for i := range clients {
		room := fmt.Sprintf("ports-%d", i/10) // ten calls per room
		c, err := Join(ctx, srv.URL, srv.Token(room, fmt.Sprintf("leg-%d", i)), inRange, WithAutoSubscribe(false))
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		defer c.Close()
		if _, err := c.PublishTrack(ctx, TrackOptions{Source: vocab.SourceMicrophone}); err != nil {
			t.Fatalf("client %d: publish: %v", i, err)
		}
		legs = append(legs, c)
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	used := map[uint16]int{}
	for i, c := range legs {
		for {
			if port, ok := connectedPort(c.pub); ok {
				if port < low || port > high {
					t.Errorf("client %d sends from port %d, outside %d-%d", i, port, low, high)
				}
				if j, ok := used[port]; ok {
					t.Errorf("clients %d and %d share port %d", j, i, port)
				}
				used[port] = i
				break
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				t.Fatalf("client %d: media never connected", i)
			}
		}
	}
}

// connectedPort is the local port of pc's nominated, working candidate pair.
func connectedPort(pc *webrtc.PeerConnection) (uint16, bool) {
	stats := pc.GetStats()
	for _, s := range stats {
		pair, ok := s.(webrtc.ICECandidatePairStats)
		if !ok || !pair.Nominated || pair.State != webrtc.StatsICECandidatePairStateSucceeded {
			continue
		}
		if local, ok := stats[pair.LocalCandidateID].(webrtc.ICECandidateStats); ok {
			return uint16(local.Port), true
		}
	}
	return 0, false
}
