package forward

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

func newVideoUp(plis *atomic.Int32, pliSSRCs *[]uint32) *UpTrack {
	return NewUpTrack(UpTrackConfig{TrackSID: "TR_v", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec,
		SendPLI: func(ssrc uint32) {
			if plis != nil {
				plis.Add(1)
			}
			if pliSSRCs != nil {
				*pliSSRCs = append(*pliSSRCs, ssrc)
			}
		}})
}

func checkContinuous(t *testing.T, pkts []sentRTP) {
	t.Helper()
	for i := 1; i < len(pkts); i++ {
		if got, want := pkts[i].hdr.SequenceNumber, pkts[i-1].hdr.SequenceNumber+1; got != want {
			t.Fatalf("packet %d: seq %d, want %d", i, got, want)
		}
		if int32(pkts[i].hdr.Timestamp-pkts[i-1].hdr.Timestamp) < 0 {
			t.Fatalf("packet %d: timestamp went back", i)
		}
	}
}

func TestForwardRewritesHeaderAndRemapsExtensions(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeAudio, Codec: opusCodec})
	l := attachLayer(up, vocab.QualityHigh, 1111)
	w := &fakeWriter{}
	bindDown(t, up, w, 2222, 0)
	c := newClock()
	capture := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	l.handle(marshal(t, 1111, 111, pktSpec{seq: 10, ts: 960, payload: []byte{0xfc, 1}, level: 0x80 | 30, captured: capture}), c.next(20*time.Millisecond))

	pkts := w.take()
	if len(pkts) != 1 {
		t.Fatalf("%d packets written, want 1", len(pkts))
	}
	h := pkts[0].hdr
	if h.SSRC != 2222 || h.PayloadType != 109 {
		t.Fatalf("ssrc %d pt %d, want 2222 109", h.SSRC, h.PayloadType)
	}
	if v := h.GetExtension(7); !bytes.Equal(v, []byte{0x80 | 30}) {
		t.Errorf("audio level under the subscriber's id 7: %v", v)
	}
	if v := h.GetExtension(9); !bytes.Equal(v, capture) {
		t.Errorf("abs-capture-time under id 9: %v", v)
	}
	if v := h.GetExtension(3); len(v) != 3 {
		t.Errorf("abs-send-time under id 3: %v (want 3 bytes, regenerated)", v)
	}
	ids := h.GetExtensionIDs()
	if len(ids) != 3 {
		t.Errorf("extension ids %v: want exactly 7, 9 and 3 (no mid, rid, TWCC of the publisher)", ids)
	}
	if !bytes.Equal(pkts[0].payload, []byte{0xfc, 1}) {
		t.Errorf("payload changed: %v", pkts[0].payload)
	}
}

func TestAudioLevelCallback(t *testing.T) {
	var got []uint8
	var voice []bool
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeAudio, Codec: opusCodec, AudioLevelExtID: 1,
		OnAudioLevel: func(level uint8, v bool) { got = append(got, level); voice = append(voice, v) }})
	l := attachLayer(up, vocab.QualityHigh, 1)
	c := newClock()
	l.handle(marshal(t, 1, 111, pktSpec{seq: 1, payload: []byte{1}, level: 0x80 | 25}), c.next(0))
	l.handle(marshal(t, 1, 111, pktSpec{seq: 2, payload: []byte{1}, level: 127}), c.next(0))
	l.handle(marshal(t, 1, 111, pktSpec{seq: 3, payload: []byte{1}, level: -1}), c.next(0))
	if len(got) != 2 || got[0] != 25 || !voice[0] || got[1] != 127 || voice[1] {
		t.Fatalf("levels %v voice %v", got, voice)
	}
}

func TestSimulcastSwitchesOnlyAtKeyframeOfTarget(t *testing.T) {
	var ssrcs []uint32
	up := newVideoUp(nil, &ssrcs)
	low := attachLayer(up, vocab.QualityLow, 100)
	high := attachLayer(up, vocab.QualityHigh, 300)
	w := &fakeWriter{}
	d := bindDown(t, up, w, 5000, 0)
	c := newClock()
	seqL, seqH := uint16(1000), uint16(50000)
	send := func(l *layer, seq *uint16, payload []byte) {
		t.Helper()
		ssrc := uint32(100)
		if l == high {
			ssrc = 300
		}
		l.handle(marshal(t, ssrc, 96, pktSpec{seq: *seq, ts: uint32(*seq) * 3000, payload: payload, level: -1}), c.next(10*time.Millisecond))
		*seq++
	}
	// Default target is high: once high is flowing, low packets are ignored
	// and high's key frame starts the stream.
	send(high, &seqH, vp8Delta(7))
	send(low, &seqL, vp8Key(1))
	if n := len(w.take()); n != 0 {
		t.Fatalf("%d packets forwarded before the target layer's key frame", n)
	}
	send(high, &seqH, vp8Key(8))
	for i := 0; i < 5; i++ {
		send(high, &seqH, vp8Delta(9+uint16(i)))
		send(low, &seqL, vp8Delta(2+uint16(i)))
	}
	first := w.take()
	if len(first) != 6 {
		t.Fatalf("forwarded %d packets, want 6 (high only)", len(first))
	}

	ssrcs = nil
	d.SetTargetQuality(vocab.QualityLow)
	if len(ssrcs) != 1 || ssrcs[0] != 100 {
		t.Fatalf("PLI sent to %v, want [100] (the new target layer)", ssrcs)
	}
	// Until low sends a key frame, high keeps flowing.
	send(high, &seqH, vp8Delta(14))
	send(low, &seqL, vp8Delta(10))
	send(low, &seqL, vp8Key(11))
	send(high, &seqH, vp8Delta(21))
	send(low, &seqL, vp8Delta(12))
	second := w.take()
	if len(second) != 3 {
		t.Fatalf("forwarded %d packets around the switch, want 3", len(second))
	}
	all := append(first, second...)
	checkContinuous(t, all)
	for i := 1; i < len(all); i++ {
		p0, _ := picID(all[i-1].payload)
		p1, _ := picID(all[i].payload)
		if p1 != p0+1 {
			t.Fatalf("picture id %d after %d", p1, p0)
		}
	}
	if s := d.Stats(); s.Quality != vocab.QualityLow || s.LayerSwitches != 2 {
		t.Fatalf("stats %+v: want quality low after 2 switches", s)
	}
}

// picID reads the 15-bit picture id of a rewritten VP8 payload.
func picID(p []byte) (uint16, bool) {
	if len(p) < 4 || p[1]&0x80 == 0 || p[2]&0x80 == 0 {
		return 0, false
	}
	return uint16(p[2]&0x7f)<<8 | uint16(p[3]), true
}

func TestPauseResumeContinuesSequenceAndJumpsTimestamp(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeAudio, Codec: opusCodec})
	l := attachLayer(up, vocab.QualityHigh, 1)
	w := &fakeWriter{}
	d := bindDown(t, up, w, 2, 0)
	c := newClock()
	seq, ts := uint16(65530), uint32(4294960000)
	send := func() {
		l.handle(marshal(t, 1, 111, pktSpec{seq: seq, ts: ts, payload: []byte{1}, level: -1}), c.next(20*time.Millisecond))
		seq++
		ts += 960
	}
	for range 5 {
		send()
	}
	d.SetPaused(true)
	for range 50 { // one second
		send()
	}
	d.SetPaused(false)
	for range 10 {
		send()
	}
	pkts := w.take()
	if len(pkts) != 15 {
		t.Fatalf("%d packets, want 15", len(pkts))
	}
	checkContinuous(t, pkts)
	jump := pkts[5].hdr.Timestamp - pkts[4].hdr.Timestamp
	if want := uint32(51 * 960); jump != want { // 51 packet intervals of 20 ms elapsed
		t.Fatalf("timestamp jump on resume %d, want %d", jump, want)
	}
}

func TestMutedTrackSendsNothingAndResumesWithoutGap(t *testing.T) {
	var plis atomic.Int32
	up := newVideoUp(&plis, nil)
	l := attachLayer(up, vocab.QualityHigh, 1)
	w := &fakeWriter{}
	bindDown(t, up, w, 2, 0)
	c := newClock()
	seq := uint16(1)
	send := func(p []byte) {
		l.handle(marshal(t, 1, 96, pktSpec{seq: seq, ts: uint32(seq) * 3000, payload: p, level: -1}), c.next(33*time.Millisecond))
		seq++
	}
	send(vp8Key(1))
	send(vp8Delta(2))
	up.SetMuted(true)
	send(vp8Delta(3))
	send(vp8Key(4))
	l.lastPLI.Store(0) // forget the PLI of Bind, sent less than 500 ms ago
	before := plis.Load()
	up.SetMuted(false)
	if plis.Load() == before {
		t.Error("no key frame requested on unmute")
	}
	send(vp8Delta(5)) // not decodable without what was skipped: dropped
	send(vp8Key(6))
	send(vp8Delta(7))
	pkts := w.take()
	if len(pkts) != 4 {
		t.Fatalf("%d packets, want 4", len(pkts))
	}
	checkContinuous(t, pkts)
}

func TestPublisherReconnectContinuesStream(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeAudio, Codec: opusCodec})
	l1 := attachLayer(up, vocab.QualityHigh, 1)
	w := &fakeWriter{}
	bindDown(t, up, w, 9, 0)
	c := newClock()
	for i := range 10 {
		l1.handle(marshal(t, 1, 111, pktSpec{seq: uint16(100 + i), ts: uint32(i * 960), payload: []byte{1}, level: -1}), c.next(20*time.Millisecond))
	}
	// The publisher comes back with a new SSRC and new numbering, 2 s later.
	l2 := attachLayer(up, vocab.QualityHigh, 2)
	c.next(2 * time.Second)
	for i := range 10 {
		l2.handle(marshal(t, 2, 111, pktSpec{seq: uint16(30000 + i), ts: uint32(7777 + i*960), payload: []byte{1}, level: -1}), c.next(20*time.Millisecond))
	}
	// A late packet of the old stream must not be forwarded.
	l1.handle(marshal(t, 1, 111, pktSpec{seq: 110, ts: 9600, payload: []byte{1}, level: -1}), c.next(0))
	pkts := w.take()
	if len(pkts) != 20 {
		t.Fatalf("%d packets, want 20", len(pkts))
	}
	checkContinuous(t, pkts)
	for _, p := range pkts {
		if p.hdr.SSRC != 9 {
			t.Fatalf("ssrc %d, want 9", p.hdr.SSRC)
		}
	}
	if jump := pkts[10].hdr.Timestamp - pkts[9].hdr.Timestamp; jump < 48000*2 || jump > 48000*2+2000 {
		t.Fatalf("timestamp jump %d, want about 2 s (96000)", jump)
	}
}

func TestPaddingOnlyPacketsLeaveNoGap(t *testing.T) {
	up := newVideoUp(nil, nil)
	l := attachLayer(up, vocab.QualityHigh, 1)
	w := &fakeWriter{}
	bindDown(t, up, w, 2, 0)
	c := newClock()
	l.handle(marshal(t, 1, 96, pktSpec{seq: 1, payload: vp8Key(1), level: -1}), c.next(0))
	l.handle(marshal(t, 1, 96, pktSpec{seq: 2, payload: nil, level: -1}), c.next(0))
	l.handle(marshal(t, 1, 96, pktSpec{seq: 3, payload: vp8Delta(2), level: -1}), c.next(0))
	pkts := w.take()
	if len(pkts) != 2 {
		t.Fatalf("%d packets, want 2", len(pkts))
	}
	checkContinuous(t, pkts)
}

func TestNACKIsAnsweredFromCache(t *testing.T) {
	for _, useRTX := range []bool{true, false} {
		name := "primary SSRC"
		if useRTX {
			name = "RTX"
		}
		t.Run(name, func(t *testing.T) {
			up := newVideoUp(nil, nil)
			l := attachLayer(up, vocab.QualityHigh, 1)
			w := &fakeWriter{}
			rtx := uint32(0)
			if useRTX {
				rtx = 77
			}
			d := bindDown(t, up, w, 55, rtx)
			c := newClock()
			l.handle(marshal(t, 1, 96, pktSpec{seq: 500, ts: 1, payload: vp8Key(3), level: -1}), c.next(0))
			l.handle(marshal(t, 1, 96, pktSpec{seq: 501, ts: 1, payload: vp8Delta(3), marker: true, level: -1}), c.next(0))
			sent := w.take()
			lost := sent[1]

			now := c.next(time.Millisecond)
			handleRTCP(t, d, []rtcp.Packet{&rtcp.TransportLayerNack{MediaSSRC: 55,
				Nacks: []rtcp.NackPair{{PacketID: lost.hdr.SequenceNumber, LostPackets: 0b10}}}}, now)
			re := w.take()
			if len(re) != 1 {
				t.Fatalf("%d retransmissions, want 1", len(re))
			}
			r := re[0]
			payload := r.payload
			if useRTX {
				if r.hdr.SSRC != 77 || r.hdr.PayloadType != 101 {
					t.Fatalf("RTX packet ssrc %d pt %d, want 77 101", r.hdr.SSRC, r.hdr.PayloadType)
				}
				if osn := uint16(payload[0])<<8 | uint16(payload[1]); osn != lost.hdr.SequenceNumber {
					t.Fatalf("OSN %d, want %d", osn, lost.hdr.SequenceNumber)
				}
				payload = payload[2:]
			} else if r.hdr.SSRC != 55 || r.hdr.SequenceNumber != lost.hdr.SequenceNumber {
				t.Fatalf("retransmission ssrc %d seq %d", r.hdr.SSRC, r.hdr.SequenceNumber)
			}
			if !bytes.Equal(payload, lost.payload) || r.hdr.Timestamp != lost.hdr.Timestamp || !r.hdr.Marker {
				t.Fatal("retransmitted packet differs from the original")
			}
			// Asked again at once: not resent; the unknown seq counts as a miss.
			handleRTCP(t, d, []rtcp.Packet{&rtcp.TransportLayerNack{MediaSSRC: 55,
				Nacks: []rtcp.NackPair{{PacketID: lost.hdr.SequenceNumber}}}}, now)
			if n := len(w.take()); n != 0 {
				t.Fatalf("%d packets resent within rtxMinInterval", n)
			}
			s := d.Stats()
			if s.NACKs != 3 || s.Retransmits != 1 || s.RetransmitMisses != 1 {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

// A packet NACKed over and over is retransmitted maxRetransmits times, not
// for as long as it is cached: a receiver that never takes the copies (or a
// link that drops them all) must not turn the forwarder into a storm.
func TestRetransmissionsOfOnePacketAreBounded(t *testing.T) {
	up := newVideoUp(nil, nil)
	l := attachLayer(up, vocab.QualityHigh, 1)
	w := &fakeWriter{}
	d := bindDown(t, up, w, 55, 77)
	c := newClock()
	l.handle(marshal(t, 1, 96, pktSpec{seq: 500, ts: 1, payload: vp8Key(3), marker: true, level: -1}), c.next(0))
	lost := w.take()[0]
	resent := 0
	for range 3 * maxRetransmits {
		handleRTCP(t, d, []rtcp.Packet{&rtcp.TransportLayerNack{MediaSSRC: 55,
			Nacks: []rtcp.NackPair{{PacketID: lost.hdr.SequenceNumber}}}}, c.next(2*rtxMinInterval))
		resent += len(w.take())
	}
	if resent != maxRetransmits {
		t.Fatalf("%d retransmissions of one packet NACKed %d times, want %d", resent, 3*maxRetransmits, maxRetransmits)
	}
}

func TestPLIIsForwardedRateLimited(t *testing.T) {
	var plis atomic.Int32
	up := newVideoUp(&plis, nil)
	l := attachLayer(up, vocab.QualityHigh, 1)
	w := &fakeWriter{}
	d := bindDown(t, up, w, 55, 0)
	c := newClock()
	l.handle(marshal(t, 1, 96, pktSpec{seq: 1, payload: vp8Key(1), level: -1}), c.next(0))
	plis.Store(0)
	l.lastPLI.Store(0)
	pli := []rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: 55}}
	t0 := c.next(time.Second)
	handleRTCP(t, d, pli, t0)
	handleRTCP(t, d, pli, t0.Add(100*time.Millisecond))
	handleRTCP(t, d, []rtcp.Packet{&rtcp.FullIntraRequest{MediaSSRC: 55}}, t0.Add(400*time.Millisecond))
	if n := plis.Load(); n != 1 {
		t.Fatalf("%d PLIs upstream within 500 ms, want 1", n)
	}
	handleRTCP(t, d, pli, t0.Add(600*time.Millisecond))
	if n := plis.Load(); n != 2 {
		t.Fatalf("%d PLIs upstream after 600 ms, want 2", n)
	}
	if s := d.Stats(); s.PLIs != 4 {
		t.Fatalf("PLIs received %d, want 4", s.PLIs)
	}
}

func TestReceiverReportGivesLossAndRTT(t *testing.T) {
	up := newVideoUp(nil, nil)
	w := &fakeWriter{}
	d := bindDown(t, up, w, 55, 0)
	now := time.Now()
	sentSR := now.Add(-130 * time.Millisecond)
	lsr := ntpMiddle32(sentSR)
	dlsr := uint32(50 * 65536 / 1000) // held 50 ms by the receiver
	handleRTCP(t, d, []rtcp.Packet{&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{
		SSRC: 55, FractionLost: 64, TotalLost: 12, Jitter: 900, LastSenderReport: lsr, Delay: dlsr}}}}, now)
	s := d.Stats()
	if s.FractionLost != 0.25 || s.PacketsLost != 12 || s.Jitter != 10*time.Millisecond {
		t.Fatalf("stats %+v", s)
	}
	if s.RTT < 78*time.Millisecond || s.RTT > 82*time.Millisecond {
		t.Fatalf("RTT %v, want 80ms", s.RTT)
	}
}

func TestUpStatsCountLossAndPackets(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeAudio, Codec: opusCodec})
	l := attachLayer(up, vocab.QualityHigh, 1)
	c := newClock()
	for _, seq := range []uint16{65534, 65535, 2, 3, 1} { // 0 and 1 lost, 1 arrives late
		l.handle(marshal(t, 1, 111, pktSpec{seq: seq, payload: []byte{1}, level: -1}), c.next(20*time.Millisecond))
	}
	l.handle([]byte{1, 2, 3}, c.next(0))
	s := up.Stats()
	if s.Packets != 5 || s.PacketsLost != 1 || s.Malformed != 1 || s.Layers != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestBindRefusesMissingCodec(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_h", Kind: webrtc.RTPCodecTypeVideo, Codec: webrtc264()})
	d := NewDownTrack(up, DownTrackConfig{TrackID: "TR_h"})
	_, err := d.Bind(&fakeContext{codecs: subscriberCodecs(), writer: &fakeWriter{}})
	if err == nil {
		t.Fatal("Bind accepted a subscriber without the publisher's codec")
	}
}

func TestHotPathDoesNotAllocate(t *testing.T) {
	up := newVideoUp(nil, nil)
	l := attachLayer(up, vocab.QualityHigh, 1)
	for range 10 {
		w := &fakeWriter{discard: true}
		bindDown(t, up, w, 2, 3)
	}
	c := newClock()
	raw := marshal(t, 1, 96, pktSpec{seq: 1, payload: append(vp8Key(1), make([]byte, 1000)...), level: 10})
	l.handle(raw, c.next(0))
	seq := uint16(1)
	allocs := testing.AllocsPerRun(1000, func() {
		seq++
		raw[2], raw[3] = byte(seq>>8), byte(seq)
		l.handle(raw, c.next(time.Millisecond))
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per packet fanned out to 10 subscribers, want 0", allocs)
	}
}
