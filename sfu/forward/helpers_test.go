package forward

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

var (
	vp8Codec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
		PayloadType:        96,
	}
	opusCodec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2},
		PayloadType:        111,
	}
	// The publisher's extension ids, as a browser would negotiate them.
	pubExts = []webrtc.RTPHeaderExtensionParameter{
		{URI: sdp.AudioLevelURI, ID: 1},
		{URI: AbsCaptureTimeURI, ID: 2},
		{URI: sdp.SDESMidURI, ID: 3},
		{URI: sdp.SDESRTPStreamIDURI, ID: 4},
		{URI: sdp.TransportCCURI, ID: 5},
		{URI: VideoOrientationURI, ID: 13},
	}
	// The subscriber's, deliberately different.
	subExts = []webrtc.RTPHeaderExtensionParameter{
		{URI: sdp.ABSSendTimeURI, ID: 3},
		{URI: sdp.AudioLevelURI, ID: 7},
		{URI: AbsCaptureTimeURI, ID: 9},
		{URI: sdp.SDESMidURI, ID: 10},
		{URI: sdp.TransportCCURI, ID: 11},
		{URI: VideoOrientationURI, ID: 4},
	}
)

// sentRTP is one packet a fakeWriter received.
type sentRTP struct {
	hdr     rtp.Header
	payload []byte
}

// fakeWriter is a webrtc.TrackLocalWriter that records packets, or only
// counts them when discard is set (for benchmarks).
type fakeWriter struct {
	mu      sync.Mutex
	discard bool
	n       int
	pkts    []sentRTP
}

func (w *fakeWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	if w.discard {
		w.n++
		return len(payload) + 12, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n++
	c := h.Clone()
	w.pkts = append(w.pkts, sentRTP{hdr: c, payload: append([]byte(nil), payload...)})
	return len(payload) + 12, nil
}

func (w *fakeWriter) Write(b []byte) (int, error) { return len(b), nil }

func (w *fakeWriter) take() []sentRTP {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.pkts
	w.pkts = nil
	return p
}

// fakeContext is the webrtc.TrackLocalContext Pion would pass to Bind.
type fakeContext struct {
	codecs  []webrtc.RTPCodecParameters
	exts    []webrtc.RTPHeaderExtensionParameter
	ssrc    webrtc.SSRC
	rtxSSRC webrtc.SSRC
	writer  webrtc.TrackLocalWriter
}

func (c *fakeContext) CodecParameters() []webrtc.RTPCodecParameters           { return c.codecs }
func (c *fakeContext) HeaderExtensions() []webrtc.RTPHeaderExtensionParameter { return c.exts }
func (c *fakeContext) SSRC() webrtc.SSRC                                      { return c.ssrc }
func (c *fakeContext) SSRCRetransmission() webrtc.SSRC                        { return c.rtxSSRC }
func (c *fakeContext) SSRCForwardErrorCorrection() webrtc.SSRC                { return 0 }
func (c *fakeContext) WriteStream() webrtc.TrackLocalWriter                   { return c.writer }
func (c *fakeContext) ID() string                                             { return "ctx" }
func (c *fakeContext) RTCPReader() interceptor.RTCPReader                     { return nil }

var _ webrtc.TrackLocalContext = (*fakeContext)(nil)

// subscriberCodecs are the codecs of a subscriber PeerConnection: payload
// types differ from the publisher's, with RTX for video.
func subscriberCodecs() []webrtc.RTPCodecParameters {
	return []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, PayloadType: 109},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, PayloadType: 100},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=100"}, PayloadType: 101},
	}
}

// bindDown creates a DownTrack on up bound to a fake subscriber writing to w.
func bindDown(t testing.TB, up *UpTrack, w *fakeWriter, ssrc, rtxSSRC uint32) *DownTrack {
	t.Helper()
	d := NewDownTrack(up, DownTrackConfig{TrackID: "TR_x", StreamID: "PA_x"})
	_, err := d.Bind(&fakeContext{codecs: subscriberCodecs(), exts: subExts, ssrc: webrtc.SSRC(ssrc),
		rtxSSRC: webrtc.SSRC(rtxSSRC), writer: w})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// attachLayer installs a layer fed by calling its handle method directly (no
// reader goroutine).
func attachLayer(u *UpTrack, q vocab.Quality, ssrc uint32) *layer {
	l := newLayer(u, nil, q, q.String(), ssrc, newExtIDs(pubExts))
	u.mu.Lock()
	u.slots[q].Store(l)
	u.layers = append(u.layers, l)
	u.mu.Unlock()
	return l
}

// pktSpec describes a packet to feed.
type pktSpec struct {
	seq      uint16
	ts       uint32
	payload  []byte
	marker   bool
	level    int // audio level extension value; -1 = none
	captured []byte
}

func marshal(t testing.TB, ssrc uint32, pt uint8, s pktSpec) []byte {
	t.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: s.seq, Timestamp: s.ts,
		SSRC: ssrc, Marker: s.marker}, Payload: s.payload}
	if s.level >= 0 {
		_ = p.SetExtension(1, []byte{byte(s.level)})
	}
	if s.captured != nil {
		_ = p.SetExtension(2, s.captured)
	}
	_ = p.SetExtension(3, []byte("mid0"))
	_ = p.SetExtension(4, []byte("h"))
	_ = p.SetExtension(5, []byte{0, 42})
	raw, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// clock hands out increasing arrival times, 20 ms apart by default.
type clock struct{ t time.Time }

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) next(d time.Duration) time.Time {
	c.t = c.t.Add(d)
	return c.t
}

// VP8 payloads: a key frame start, a delta frame start, and a continuation.
func vp8Key(pic uint16) []byte {
	return []byte{0x90, 0x80, 0x80 | byte(pic>>8), byte(pic), 0x00, 1, 2, 3}
}
func vp8Delta(pic uint16) []byte {
	return []byte{0x90, 0x80, 0x80 | byte(pic>>8), byte(pic), 0x01, 1, 2, 3}
}

func webrtc264() webrtc.RTPCodecParameters {
	return webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"},
		PayloadType: 102,
	}
}

func (d *DownTrack) rtxSSRCForTest() uint32 {
	if b := d.bind.Load(); b != nil {
		return b.rtxSSRC
	}
	return 0
}

// handleRTCP hands d the compound packet made of pkts, as its RTCP reader
// would.
func handleRTCP(t testing.TB, d *DownTrack, pkts []rtcp.Packet, now time.Time) {
	t.Helper()
	raw, err := rtcp.Marshal(pkts)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.handleRTCP(raw, now); err != nil {
		t.Fatal(err)
	}
}
