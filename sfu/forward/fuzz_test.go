package forward

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// FuzzHandlePacket feeds arbitrary bytes, as packets from a publisher, through
// an UpTrack's hot path to a bound DownTrack: nothing may panic, and every
// packet written must carry the subscriber's SSRC and payload type and
// marshal back into a valid RTP packet. The input is split into packets by a
// one-byte length prefix; the first byte chooses the codec.
func FuzzHandlePacket(f *testing.F) {
	valid := func(seq uint16, payload []byte) []byte {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, SSRC: 1}, Payload: payload}
		_ = p.SetExtension(1, []byte{0x90})
		raw, _ := p.Marshal()
		return append([]byte{byte(len(raw))}, raw...)
	}
	seed := []byte{0}
	seed = append(seed, valid(1, vp8Key(1))...)
	seed = append(seed, valid(2, vp8Delta(2))...)
	f.Add(seed)
	f.Add(append([]byte{1}, valid(9, []byte{0x7c, 0x85, 0x88})...))
	f.Add([]byte{2, 4, 0x80, 0x60, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		codecs := []webrtc.RTPCodecParameters{vp8Codec, webrtc264(), opusCodec}
		codec := codecs[int(data[0])%len(codecs)]
		kind := webrtc.RTPCodecTypeVideo
		if codec.MimeType == webrtc.MimeTypeOpus {
			kind = webrtc.RTPCodecTypeAudio
		}
		up := NewUpTrack(UpTrackConfig{TrackSID: "TR_f", Kind: kind, Codec: codec, AudioLevelExtID: 1, CacheSize: 16,
			OnAudioLevel: func(uint8, bool) {}})
		l := attachLayer(up, vocab.QualityHigh, 1)
		w := &fakeWriter{}
		d := NewDownTrack(up, DownTrackConfig{TrackID: "TR_f"})
		subCodecs := append(subscriberCodecs(), webrtc264())
		if _, err := d.Bind(&fakeContext{codecs: subCodecs, exts: subExts, ssrc: 2, rtxSSRC: 3, writer: w}); err != nil {
			t.Fatal(err)
		}
		now := time.Unix(0, 0)
		data = data[1:]
		for len(data) > 0 {
			n := int(data[0])
			data = data[1:]
			if n > len(data) {
				n = len(data)
			}
			l.handle(data[:n], now)
			data = data[n:]
			now = now.Add(10 * time.Millisecond)
		}
		for _, p := range w.take() {
			if p.hdr.SSRC != 2 {
				t.Fatalf("written with ssrc %d", p.hdr.SSRC)
			}
			pkt := rtp.Packet{Header: p.hdr, Payload: p.payload}
			raw, err := pkt.Marshal()
			if err != nil {
				t.Fatalf("written packet does not marshal: %v", err)
			}
			var back rtp.Packet
			if err := back.Unmarshal(raw); err != nil {
				t.Fatalf("written packet does not parse: %v", err)
			}
		}
	})
}
