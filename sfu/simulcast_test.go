package sfu

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// publishSimulcast sends one video track in three RID layers (q, h, f).
func (c *testClient) publishSimulcast(clientID string) vocab.TrackInfo {
	c.t.Helper()
	info, err := c.p.AddTrack(clientID, TrackRequest{
		Kind: vocab.KindVideo, Source: vocab.SourceCamera, Width: 640, Height: 480,
		Layers: []vocab.LayerInfo{
			{RID: "q", Quality: vocab.QualityLow, Width: 160, Height: 120},
			{RID: "h", Quality: vocab.QualityMedium, Width: 320, Height: 240},
			{RID: "f", Quality: vocab.QualityHigh, Width: 640, Height: 480},
		},
	})
	if err != nil {
		c.t.Fatal(err)
	}
	var layers []*webrtc.TrackLocalStaticRTP
	var sender *webrtc.RTPSender
	for _, rid := range []string{"q", "h", "f"} {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8},
			clientID, "stream-"+c.name, webrtc.WithRTPStreamID(rid))
		if err != nil {
			c.t.Fatal(err)
		}
		if sender == nil {
			if sender, err = c.pub.AddTrack(tr); err != nil {
				c.t.Fatal(err)
			}
		} else if err := sender.AddEncoding(tr); err != nil {
			c.t.Fatal(err)
		}
		layers = append(layers, tr)
	}
	c.wg.Add(2)
	go func() {
		defer c.wg.Done()
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	go func() {
		defer c.wg.Done()
		tick := time.NewTicker(33 * time.Millisecond)
		defer tick.Stop()
		seq := make([]uint16, len(layers))
		var mid string
		var midID, ridID uint8
		rids := []string{"q", "h", "f"}
		for n := 0; ; n++ {
			select {
			case <-c.stop:
				return
			case <-tick.C:
			}
			// Pion does not write the simulcast extensions itself: add them
			// once negotiation has fixed their ids and the mid.
			if mid == "" {
				for _, tr := range c.pub.GetTransceivers() {
					if tr.Sender() == sender {
						mid = tr.Mid()
					}
				}
				for _, ext := range sender.GetParameters().HeaderExtensions {
					switch ext.URI {
					case sdp.SDESMidURI:
						midID = uint8(ext.ID)
					case sdp.SDESRTPStreamIDURI:
						ridID = uint8(ext.ID)
					}
				}
				if mid == "" || midID == 0 || ridID == 0 {
					mid = ""
					continue
				}
			}
			for i, tr := range layers {
				frame := vp8Frame(n%10 == 0)
				pkt := &rtp.Packet{
					Header:  rtp.Header{Version: 2, Marker: true, SequenceNumber: seq[i], Timestamp: uint32(n) * 3000},
					Payload: append([]byte{0x10}, frame[:200*(i+1)]...),
				}
				seq[i]++
				_ = pkt.Header.SetExtension(midID, []byte(mid))
				_ = pkt.Header.SetExtension(ridID, []byte(rids[i]))
				_ = tr.WriteRTP(pkt)
			}
		}
	}()
	return info
}

// A simulcast track arrives as three layers of one UpTrack; a subscriber gets
// one stream and can switch layers with continuous sequence numbers.
func TestSimulcastLayersAndSwitch(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("simulcast")
	a := joinClient(t, room, "alice")
	b := joinClient(t, room, "bob")
	cam := a.publishSimulcast("cam")
	a.negotiatePublisher(false)
	b.waitEvent("TrackPublished", isEvent(func(tp TrackPublished) bool {
		return tp.Track.SID == cam.SID && tp.Track.Simulcast && len(tp.Track.Layers) == 3
	}))
	got := b.waitPackets(a.p.SID(), 1, 30)
	if len(got) != 1 {
		t.Fatalf("subscriber got %d streams for one simulcast track", len(got))
	}
	waitFor(t, "three layers", func() bool {
		_, t := room.findTrack(cam.SID)
		return t.up.Load().Stats().Layers == 3
	})
	if err := b.p.UpdateSubscription(cam.SID, SubscriptionSettings{Quality: new(vocab.QualityLow)}); err != nil {
		t.Fatal(err)
	}
	before := got[0].packets.Load()
	b.waitPackets(a.p.SID(), 1, before+60)
	if err := b.p.UpdateSubscription(cam.SID, SubscriptionSettings{Width: 320, Height: 240}); err != nil {
		t.Fatal(err)
	}
	before = got[0].packets.Load()
	b.waitPackets(a.p.SID(), 1, before+60)
	checkContinuity(t, "across layer switches", got[0])
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	for _, s := range b.p.subs {
		if st := s.down.Stats(); st.LayerSwitches < 2 {
			t.Errorf("layer switches = %d, want >= 2", st.LayerSwitches)
		}
	}
}
