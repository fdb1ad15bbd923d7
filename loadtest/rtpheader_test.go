package loadtest

import (
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"
)

const (
	testCaptureID = 2
	testTWCCID    = 3
)

// srtpPacket marshals an RTP packet the way the server sends one to a subscriber
// (one-byte header extensions, then the payload) and appends an SRTP tag's worth
// of bytes, as the light receiver sees it on the wire.
func srtpPacket(t testing.TB, seq, twccSeq uint16, capture time.Time, payload int, twoByte bool) []byte {
	t.Helper()
	h := rtp.Header{Version: 2, Marker: seq%3 == 0, PayloadType: 96, SequenceNumber: seq,
		Timestamp: 90000 + uint32(seq)*3000, SSRC: 0x11223344, CSRC: []uint32{7}}
	if twoByte {
		h.Extension, h.ExtensionProfile = true, rtp.ExtensionProfileTwoByte
	}
	tcc, err := (&rtp.TransportCCExtension{TransportSequence: twccSeq}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.SetExtension(testTWCCID, tcc); err != nil {
		t.Fatal(err)
	}
	if !capture.IsZero() {
		act, err := rtp.NewAbsCaptureTimeExtension(capture).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := h.SetExtension(testCaptureID, act); err != nil {
			t.Fatal(err)
		}
	}
	b, err := (&rtp.Packet{Header: h, Payload: make([]byte, payload)}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return append(b, make([]byte, srtpTagLen)...)
}

func TestParseRTPHeaderReadsWhatTheServerSends(t *testing.T) {
	capture := time.Date(2026, 12, 1, 4, 0, 0, 123456000, time.UTC)
	for _, twoByte := range []bool{false, true} {
		b := srtpPacket(t, 4242, 777, capture, 1000, twoByte)
		var h rtpHeader
		if err := parseRTPHeader(b, testTWCCID, testCaptureID, &h); err != nil {
			t.Fatalf("two-byte %v: %v", twoByte, err)
		}
		var want rtp.Packet
		if err := want.Unmarshal(b[:len(b)-srtpTagLen]); err != nil {
			t.Fatal(err)
		}
		got := rtp.AbsCaptureTimeExtension{Timestamp: h.captureNTP}.CaptureTime()
		switch {
		case h.seq != 4242 || h.timestamp != want.Timestamp || h.ssrc != 0x11223344 || h.marker != want.Marker:
			t.Errorf("two-byte %v: fixed header %+v, want %+v", twoByte, h, want.Header)
		case h.headerLen != want.Header.MarshalSize():
			t.Errorf("two-byte %v: header length %d, want %d", twoByte, h.headerLen, want.Header.MarshalSize())
		case !h.hasTWCC || h.twccSeq != 777:
			t.Errorf("two-byte %v: transport-wide sequence %d (%v), want 777", twoByte, h.twccSeq, h.hasTWCC)
		case !h.hasCapture || got.Sub(capture).Abs() > time.Microsecond:
			t.Errorf("two-byte %v: capture time %v (%v), want %v", twoByte, got, h.hasCapture, capture)
		}
	}
}

func TestParseRTPHeaderRefusesBadInput(t *testing.T) {
	good := srtpPacket(t, 1, 1, time.Time{}, 0, false)
	for name, tc := range map[string]struct {
		b    []byte
		want error
	}{
		"short":              {good[:11], errRTPShort},
		"version 1":          {append([]byte{0x50}, good[1:]...), errRTPVersion},
		"CSRC past the end":  {append([]byte{0x8f}, good[1:20]...), errRTPCSRC},
		"no extension words": {good[:17], errRTPExtension},
		"extension too long": {append(append([]byte{}, good[:16]...), 0xBE, 0xDE, 0x00, 0x09, 0x30), errRTPExtension},
		"element too long": {[]byte{0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
			0xBE, 0xDE, 0x00, 0x01, 0x35, 0, 0, 0}, errRTPElement},
	} {
		var h rtpHeader
		if err := parseRTPHeader(tc.b, testTWCCID, testCaptureID, &h); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
}

func TestIsSRTPMediaSeparatesTheProtocols(t *testing.T) {
	rtpPkt := srtpPacket(t, 1, 1, time.Time{}, 10, false)
	for name, tc := range map[string]struct {
		b    []byte
		want bool
	}{
		"RTP":                   {rtpPkt, true},
		"RTP, marker, PT 96":    {append([]byte{0x80, 0xe0}, rtpPkt[2:]...), true},
		"STUN binding":          {append([]byte{0x00, 0x01}, rtpPkt[2:]...), false},
		"DTLS record":           {append([]byte{0x16, 0xfe}, rtpPkt[2:]...), false},
		"RTCP receiver report":  {append([]byte{0x81, 201}, rtpPkt[2:]...), false},
		"RTCP transport FB":     {append([]byte{0x8f, 205}, rtpPkt[2:]...), false},
		"shorter than a header": {rtpPkt[:11], false},
	} {
		if got := isSRTPMedia(tc.b); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

func TestParseRTPHeaderAllocatesNothing(t *testing.T) {
	b := srtpPacket(t, 9, 9, time.Now(), 1100, false)
	var h rtpHeader
	if n := testing.AllocsPerRun(1000, func() { _ = parseRTPHeader(b, testTWCCID, testCaptureID, &h) }); n != 0 {
		t.Fatalf("%.1f allocations per header", n)
	}
	if n := testing.AllocsPerRun(1000, func() { _ = parseRTPHeader(b[:5], testTWCCID, testCaptureID, &h) }); n != 0 {
		t.Fatalf("%.1f allocations per refused header", n)
	}
}

// FuzzRTPHeader checks the header-only parser against Pion's rtp.Header.Unmarshal
// on any datagram: it never panics, refuses what Pion refuses and reads the same
// fields and extension elements from what it accepts.
func FuzzRTPHeader(f *testing.F) {
	f.Add(srtpPacket(f, 1, 2, time.Unix(1700000000, 0), 20, false), uint8(testTWCCID), uint8(testCaptureID))
	f.Add(srtpPacket(f, 65535, 0, time.Time{}, 0, true), uint8(testTWCCID), uint8(testCaptureID))
	f.Fuzz(func(t *testing.T, b []byte, twccID, captureID uint8) {
		var h rtpHeader
		err := parseRTPHeader(b, twccID, captureID, &h)
		if len(b) < 12 || b[0]>>6 != 2 {
			if err == nil {
				t.Fatal("accepted a datagram that is no version-2 RTP header")
			}
			return
		}
		ext := b[0]&0x10 != 0
		csrcEnd := 12 + int(b[0]&0x0f)*4
		if ext && len(b) >= csrcEnd+4 {
			// Pion reads only profile 0x1000 as two-byte elements; RFC 8285 allows
			// 0x1000-0x100F. Those with application bits are not compared.
			if p := uint16(b[csrcEnd])<<8 | uint16(b[csrcEnd+1]); p > 0x1000 && p <= 0x100F {
				return
			}
		}
		var ph rtp.Header
		n, perr := ph.Unmarshal(b)
		if (err == nil) != (perr == nil) {
			t.Fatalf("parser %v, Pion %v", err, perr)
		}
		if err != nil {
			return
		}
		if h.seq != ph.SequenceNumber || h.timestamp != ph.Timestamp || h.ssrc != ph.SSRC ||
			h.marker != ph.Marker || h.padding != ph.Padding || h.headerLen != n {
			t.Fatalf("parser %+v, Pion %+v (length %d)", h, ph, n)
		}
		if twccID != 0 && twccID != captureID {
			raw := ph.GetExtension(twccID)
			want := len(raw) >= 2
			if h.hasTWCC != want || want && h.twccSeq != uint16(raw[0])<<8|uint16(raw[1]) {
				t.Fatalf("transport-wide sequence %d (%v), Pion's element %x", h.twccSeq, h.hasTWCC, raw)
			}
		}
		if captureID != 0 && twccID != captureID {
			var act rtp.AbsCaptureTimeExtension
			raw := ph.GetExtension(captureID)
			want := raw != nil && act.Unmarshal(raw) == nil
			if h.hasCapture != want || want && h.captureNTP != act.Timestamp {
				t.Fatalf("capture time %x (%v), Pion's element %x", h.captureNTP, h.hasCapture, raw)
			}
		}
	})
}
