package client_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// A G.711 publisher (a SIP bridge's call leg: PCMU and telephone-event only)
// sends PCMU RTP with an RFC 4733 DTMF event in its numbering; a subscriber that
// offers PCMU receives the track as PCMU, and the event crosses as an event.
func TestPCMUAndTelephoneEventCross(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	leg, sub := pair(t, ctx, "pcmu", client.WithCodecs(webrtc.MimeTypePCMU, webrtc.MimeTypePCMA, client.MimeTypeTelephoneEvent))
	track, err := leg.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone, MimeType: webrtc.MimeTypePCMU})
	if err != nil {
		t.Fatal(err)
	}
	if got := track.Codec(); got.MimeType != webrtc.MimeTypePCMU || got.PayloadType != 0 {
		t.Fatalf("published codec %+v", got)
	}

	// Event "5", end of event, volume 10 dBm0, 800 ticks (100 ms): RFC 4733 2.3.
	dtmf := []byte{5, 0x80 | 10, 0x03, 0x20}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		silence := bytes.Repeat([]byte{0xff}, 160) // 20 ms of PCMU silence
		seq, ts := uint16(1000), uint32(50000)
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			seq++
			p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts}, Payload: silence}
			if i%10 == 9 { // every tenth packet is a DTMF event, numbered with the media
				p.Payload, p.Marker = dtmf, true
				err = track.WriteTelephoneEvent(p)
			} else {
				err = track.WriteRTP(0, p)
				ts += 160
			}
			if err != nil {
				t.Errorf("write: %v", err)
				return
			}
		}
	}()
	defer func() { cancel(); wg.Wait() }()

	rt := subscribed(t, sub, track.SID())
	if got := rt.Codec(); got.MimeType != webrtc.MimeTypePCMU || got.ClockRate != 8000 {
		t.Fatalf("received codec %+v, want PCMU/8000", got)
	}
	var media, events int
	for media == 0 || events == 0 {
		p, err := rt.ReadPacket()
		if err != nil {
			t.Fatalf("after %d media packets and %d events: %v", media, events, err)
		}
		switch {
		case rt.IsTelephoneEvent(p.Packet):
			events++
			if !bytes.Equal(p.Payload, dtmf) {
				t.Errorf("event payload %x, want %x", p.Payload, dtmf)
			}
		case p.PayloadType == uint8(rt.Codec().PayloadType):
			media++
			if len(p.Payload) != 160 {
				t.Errorf("PCMU payload of %d bytes, want 160", len(p.Payload))
			}
		default:
			t.Errorf("packet with payload type %d", p.PayloadType)
		}
	}
}

// The other audio codecs cross as RTP: G.711 A-law and G.722 as they are; Opus in
// RED as RED to a subscriber that takes RED, and as its primary Opus frames to
// one that does not.
func TestAudioCodecsCrossAsRTP(t *testing.T) {
	opusFrame := []byte{0xfc, 1, 2, 3}
	red := append([]byte{111}, opusFrame...) // RFC 2198: one block, the primary (F=0, PT 111)
	tests := []struct {
		name          string
		pubCodecs     []string
		subCodecs     []string // nil: the default
		mime          string
		clockRate     uint32
		payload, want []byte
		receivedAs    string
	}{
		{"PCMA", []string{webrtc.MimeTypePCMA}, nil, webrtc.MimeTypePCMA, 8000, bytes.Repeat([]byte{0xd5}, 160), nil, webrtc.MimeTypePCMA},
		{"G722", []string{webrtc.MimeTypeG722}, nil, webrtc.MimeTypeG722, 8000, bytes.Repeat([]byte{0x55}, 160), nil, webrtc.MimeTypeG722},
		{"RED to RED", []string{webrtc.MimeTypeOpus, client.MimeTypeRED}, []string{webrtc.MimeTypeOpus, client.MimeTypeRED},
			client.MimeTypeRED, 48000, red, nil, client.MimeTypeRED},
		{"RED to Opus", []string{webrtc.MimeTypeOpus, client.MimeTypeRED}, nil, client.MimeTypeRED, 48000, red, opusFrame, webrtc.MimeTypeOpus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var subOpts []client.Option
			if tt.subCodecs != nil {
				subOpts = append(subOpts, client.WithCodecs(tt.subCodecs...))
			}
			pub, sub := pairWith(t, ctx, "audio", []client.Option{client.WithCodecs(tt.pubCodecs...)}, subOpts)
			track, err := pub.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone, MimeType: tt.mime})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				seq, ts := uint16(1), uint32(0)
				for {
					select {
					case <-ctx.Done():
						return
					case <-tick.C:
					}
					if err := track.WriteRTP(0, &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts}, Payload: tt.payload}); err != nil {
						t.Errorf("write: %v", err)
						return
					}
					seq, ts = seq+1, ts+tt.clockRate/50
				}
			}()
			defer func() { cancel(); wg.Wait() }()

			rt := subscribed(t, sub, track.SID())
			if got := rt.Codec(); got.MimeType != tt.receivedAs {
				t.Fatalf("received as %s, want %s", got.MimeType, tt.receivedAs)
			}
			want := tt.want
			if want == nil {
				want = tt.payload
			}
			p, err := rt.ReadPacket()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(p.Payload, want) {
				t.Errorf("payload %x, want %x", p.Payload, want)
			}
		})
	}
}
