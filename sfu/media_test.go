package sfu

import (
	"fmt"
	"testing"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Each participant publishes audio and video and receives every other
// participant's tracks, with continuous sequence numbers, through the SFU's
// own write path (package srtpout: the subscribers decrypt what it
// encrypted) or through Pion's.
func TestParticipantsExchangeMedia(t *testing.T) {
	for _, tc := range []struct {
		n    int
		pion bool
	}{{2, false}, {3, false}, {2, true}} {
		n := tc.n
		name := fmt.Sprintf("%d participants", n)
		if tc.pion {
			name += ", Pion's write path"
		}
		t.Run(name, func(t *testing.T) {
			e := newTestEngine(t, func(c *Config) { c.PionWritePath = tc.pion })
			room, err := e.GetOrCreateRoom("media")
			if err != nil {
				t.Fatal(err)
			}
			clients := make([]*testClient, n)
			for i := range clients {
				c := joinClient(t, room, fmt.Sprintf("user%d", i))
				c.publish("mic", vocab.KindAudio)
				c.publish("cam", vocab.KindVideo)
				c.negotiatePublisher(false)
				clients[i] = c
			}
			for _, c := range clients {
				// The publisher hears of its own tracks with its client ids.
				for _, id := range []string{"mic", "cam"} {
					c.waitEvent("own TrackPublished "+id, func(ev Event) bool {
						tp, ok := ev.(TrackPublished)
						return ok && tp.ClientID == id && tp.ParticipantSID == c.p.SID()
					})
				}
			}
			for _, c := range clients {
				for _, other := range clients {
					if other == c {
						continue
					}
					got := c.waitPackets(other.p.SID(), 2, 30)
					for _, rt := range got {
						checkContinuity(t, c.name+" receiving "+other.name+" "+rt.kind.String(), rt)
					}
				}
				// Never its own tracks.
				if got := c.packetsFrom(c.p.SID()); got != 0 {
					t.Errorf("%s received %d packets of its own tracks", c.name, got)
				}
			}
			st := e.Stats()
			if st.Rooms != 1 || st.Participants != n || st.PublishedTracks != 2*n || st.Subscriptions != 2*n*(n-1) {
				t.Errorf("stats counts = %+v", st)
			}
			if st.PacketsIn == 0 || st.PacketsOut == 0 || st.BytesOut == 0 {
				t.Errorf("stats media = %+v", st)
			}
			// Every packet on the wire is counted: the key-frame requests
			// to the publishers at least went out as RTCP; no padding, since
			// the estimates leave nothing to probe for.
			if st.RTCPCompoundsOut == 0 || st.RTCPPacketsOut < st.RTCPCompoundsOut || st.PaddingPackets != 0 {
				t.Errorf("stats beside media = %+v", st)
			}
			// Once a subscriber's DTLS is up its packets leave through the
			// own path; the few before went through Pion (which dropped
			// them until its SRTP was ready).
			if tc.pion && st.OwnPathPackets != 0 {
				t.Errorf("%d packets through the own write path when configured away", st.OwnPathPackets)
			}
			if !tc.pion && st.OwnPathPackets < st.PacketsOut/2 {
				t.Errorf("only %d of %d packets out through the own write path", st.OwnPathPackets, st.PacketsOut)
			}
			// Whichever path wrote them, they left by the shared socket
			// (ICE and DTLS too): every datagram counted, none refused, in
			// no more messages than datagrams and no more calls than messages.
			if st.UDPDatagramsSent < st.PacketsOut+st.RTCPCompoundsOut || st.UDPSendErrors != 0 ||
				st.UDPMessagesSent == 0 || st.UDPMessagesSent > st.UDPDatagramsSent || st.UDPSendCalls > st.UDPMessagesSent {
				t.Errorf("UDP sends = %+v", st)
			}
		})
	}
}
