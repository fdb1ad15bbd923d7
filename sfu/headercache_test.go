package sfu

import (
	"encoding/binary"
	"testing"

	"github.com/ensemble-sfu/ensemble/sfu/twccext"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// publisherStream binds a video stream to the interceptors of a publisher
// connection, as the engine builds them (withCache false: without the header
// cache), reading the packets next returns.
func publisherStream(tb testing.TB, withCache bool, next func() []byte) interceptor.RTPReader {
	tb.Helper()
	m, err := newMediaEngine()
	if err != nil {
		tb.Fatal(err)
	}
	reg, err := newInterceptors(m, nil, nil, twccext.Factory{})
	if err != nil {
		tb.Fatal(err)
	}
	if !withCache {
		// The cache steps aside when it is bound, as with a Pion whose
		// header key it does not know.
		saved := rtpHeaderKey
		rtpHeaderKey = nil
		tb.Cleanup(func() { rtpHeaderKey = saved })
	}
	i, err := reg.Build("publisher")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = i.Close() })
	// Starts the interceptors' loops (the TWCC feedback's takes every
	// packet's arrival from the reader).
	i.BindRTCPWriter(interceptor.RTCPWriterFunc(func([]rtcp.Packet, interceptor.Attributes) (int, error) { return 0, nil }))
	info := &interceptor.StreamInfo{SSRC: 11, MimeType: "video/VP8", ClockRate: 90000,
		RTCPFeedback:        []interceptor.RTCPFeedback{{Type: "nack"}, {Type: "transport-cc"}},
		RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{URI: sdp.TransportCCURI, ID: 3}}}
	return i.BindRemoteStream(info, interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		return copy(b, next()), a, nil
	}))
}

// videoPackets returns packets with a transport-wide number, one after the
// other, in one buffer (allocating nothing, so that what a read allocates is
// counted alone).
func videoPackets(tb testing.TB) func() []byte {
	h := rtp.Header{Version: 2, PayloadType: 96, SSRC: 11}
	if err := h.SetExtension(3, []byte{0, 0}); err != nil {
		tb.Fatal(err)
	}
	buf := make([]byte, 1200)
	n, err := h.MarshalTo(buf)
	if err != nil {
		tb.Fatal(err)
	}
	pkt := buf[:n+900]
	// The one-byte extension's payload follows the 12-byte header, the
	// extension's own 4-byte header and the element's ID byte.
	const twccAt = 12 + 4 + 1
	seq := uint16(0)
	return func() []byte {
		seq++
		binary.BigEndian.PutUint16(pkt[2:], seq)
		binary.BigEndian.PutUint32(pkt[4:], uint32(seq)*3000)
		binary.BigEndian.PutUint16(pkt[twccAt:], seq)
		return pkt
	}
}

// Every reader of a publisher's stream finds the packet's own header parsed,
// and reading a packet allocates nothing of the cache's making.
func TestPublisherStreamsReuseOneParsedHeader(t *testing.T) {
	r := publisherStream(t, true, videoPackets(t))
	buf := make([]byte, 1500)
	var first *rtp.Header
	for want := uint16(1); want <= 5; want++ {
		n, a, err := r.Read(buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := a.GetRTPHeader(buf[:n])
		if err != nil {
			t.Fatal(err)
		}
		if h.SequenceNumber != want || h.SSRC != 11 {
			t.Fatalf("packet %d: header says sequence %d, SSRC %d", want, h.SequenceNumber, h.SSRC)
		}
		if first == nil {
			first = h
		} else if h != first {
			t.Fatal("a new header for each packet: the cache is not in front of the interceptors")
		}
	}
	with := testing.AllocsPerRun(500, func() { _, _, _ = r.Read(buf, nil) })
	without := publisherStream(t, false, videoPackets(t))
	before := testing.AllocsPerRun(500, func() { _, _, _ = without.Read(buf, nil) })
	t.Logf("allocations per packet read: %.1f without the cache, %.1f with", before, with)
	if with != 0 {
		t.Errorf("%.1f allocations per packet read, want 0", with)
	}
}

// A packet too short to parse passes on to the interceptors after the cache,
// which refuse it as before; the next good packet is read as usual.
func TestHeaderCacheLeavesBadPacketsToTheInterceptors(t *testing.T) {
	good := videoPackets(t)
	pkts := [][]byte{{0x80, 0x60, 0}, good()}
	r := publisherStream(t, true, func() []byte { p := pkts[0]; pkts = pkts[1:]; return p })
	buf := make([]byte, 1500)
	if _, _, err := r.Read(buf, nil); err == nil {
		t.Fatal("a 3-byte packet read without an error")
	}
	n, a, err := r.Read(buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := a.GetRTPHeader(buf[:n]); err != nil || h.SequenceNumber != 1 {
		t.Fatalf("the good packet after it: %+v, %v", h, err)
	}
}
