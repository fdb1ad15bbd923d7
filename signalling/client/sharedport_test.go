package client_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Fifty clients in one process (a bridge's fifty calls) share one UDP socket,
// through Pion's ICE UDP mux, when the server gives each connection a port of its
// own (udp_port_range): the mux tells the hundred connections apart by the server's
// port. Every connection's media uses that one local port, and audio published by
// the clients of a room reaches another client of the room through it.
func TestFiftyClientsInOneProcessShareOneUDPPort(t *testing.T) {
	const clients, perRoom = 50, 5
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv := servertest.Start(t, servertest.WithEngineConfig(func(c *sfu.Config) {
		c.UDPPortMin, c.UDPPortMax = 43000, 43499 // two ports per participant
	}))
	sock, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	mux := webrtc.NewICEUDPMux(nil, sock)
	defer mux.Close()
	port := uint16(sock.LocalAddr().(*net.UDPAddr).Port)
	shared := client.WithSettingEngine(func(se *webrtc.SettingEngine) { se.SetICEUDPMux(mux) })

	var wg sync.WaitGroup
	defer wg.Wait()
	stop := make(chan struct{})
	defer close(stop)
	var legs []*client.Client
	for i := range clients {
		room := fmt.Sprintf("shared-%d", i/perRoom)
		listener := i%perRoom == 0 // the first of each room receives the others
		c, err := client.Join(ctx, srv.URL, srv.Token(room, fmt.Sprintf("leg-%d", i)), shared, client.WithAutoSubscribe(listener))
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		defer c.Close()
		legs = append(legs, c)
		if listener {
			continue
		}
		mic, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
		if err != nil {
			t.Fatalf("client %d: publish: %v", i, err)
		}
		wg.Go(func() { // Opus silence, 20 ms frames
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					_ = mic.WriteSample(0, media.Sample{Data: []byte{0xf8, 0xff, 0xfe}, Duration: 20 * time.Millisecond})
				}
			}
		})
	}
	for i := 0; i < clients; i += perRoom {
		ev := waitEvent(t, legs[i], fmt.Sprintf("client %d hears its room", i), func(client.TrackSubscribed) bool { return true })
		if _, err := ev.Track.ReadPacket(); err != nil {
			t.Fatalf("client %d: no packet through the shared port: %v", i, err)
		}
		ev.Track.Discard()
	}
	for i, c := range legs {
		pcs := []*webrtc.PeerConnection{client.SubscriberPCForTest(c)}
		if i%perRoom != 0 { // the listeners publish nothing: their publisher connection stays idle
			pcs = append(pcs, client.PublisherPCForTest(c))
		}
		for _, pc := range pcs {
			got, ok := waitConnectedPort(ctx, pc)
			if !ok {
				t.Fatalf("client %d: a connection never connected", i)
			}
			if got != port {
				t.Errorf("client %d: connection on local port %d, not the shared %d", i, got, port)
			}
		}
	}
}

func waitConnectedPort(ctx context.Context, pc *webrtc.PeerConnection) (uint16, bool) {
	for {
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
		select {
		case <-ctx.Done():
			return 0, false
		case <-time.After(50 * time.Millisecond):
		}
	}
}
