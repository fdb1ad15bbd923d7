package sfu

import (
	"fmt"
	"testing"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Each participant publishes audio and video and receives every other
// participant's tracks, with continuous sequence numbers.
func TestParticipantsExchangeMedia(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d participants", n), func(t *testing.T) {
			e := newTestEngine(t)
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
		})
	}
}
