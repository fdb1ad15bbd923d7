package loadtest

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// srtpTagLen is the authentication tag at the end of every SRTP packet a light
// subscriber receives: it offers only SRTP_AEAD_AES_128_GCM (16-byte tag), so
// that the payload size is known without decrypting.
const srtpTagLen = 16

// feedbackEvery is how often a light subscriber sends transport-wide congestion
// control feedback: what Pion's own TWCC interceptor does by default, and about
// what browsers do.
const feedbackEvery = 100 * time.Millisecond

// lightStream is one received track of a light subscriber.
type lightStream struct {
	ssrc      uint32
	captureID uint8 // abs-capture-time extension id; 0 when not negotiated
	video     bool
	stats     *StreamStats
	started   atomic.Bool // a packet arrived
	pliSent   bool        // read and written by the feedback loop only
}

// lightReceiver is a light subscriber's media path. Its sockets hand it every SRTP
// media datagram before Pion sees it (lightConn); it reads the RTP header, which
// SRTP leaves in the clear, for the stream statistics and the transport-wide
// sequence number, and drops the datagram without decrypting it. Pion keeps
// ICE, DTLS and SRTCP; the transport-wide congestion control feedback that Pion's
// interceptor would build from the decrypted packets the receiver builds itself,
// or the server's estimator would never let the top simulcast layer through.
type lightReceiver struct {
	start     time.Time
	twccID    atomic.Uint32                  // transport-wide sequence number extension id; 0 until known
	streams   atomic.Pointer[[]*lightStream] // replaced whole when a track is added
	addMu     sync.Mutex                     // serialises add
	firstSeen func(time.Time)                // called once per stream, on its first packet

	mu       sync.Mutex // guards recorder
	recorder *twcc.Recorder
	writer   atomic.Pointer[rtcpWriterBox]

	senderSSRC uint32
	media      atomic.Uint64 // SRTP media datagrams taken from Pion
	malformed  atomic.Uint64 // of which the header did not parse
	unknown    atomic.Uint64 // of which the SSRC is no track's (RTX, or not yet announced)
}

type rtcpWriterBox struct{ w interceptor.RTCPWriter }

func newLightReceiver(firstSeen func(time.Time)) *lightReceiver {
	ssrc := rand.Uint32()
	r := &lightReceiver{start: time.Now(), firstSeen: firstSeen, senderSSRC: ssrc, recorder: twcc.NewRecorder(ssrc)}
	r.streams.Store(&[]*lightStream{})
	return r
}

// add starts measuring a track; twccID is the transport-wide sequence number
// extension the connection negotiated (0 if none).
func (r *lightReceiver) add(s *lightStream, twccID uint8) {
	r.addMu.Lock()
	defer r.addMu.Unlock()
	if twccID != 0 {
		r.twccID.Store(uint32(twccID))
	}
	old := *r.streams.Load()
	next := make([]*lightStream, 0, len(old)+1)
	next = append(append(next, old...), s)
	r.streams.Store(&next)
}

func (r *lightReceiver) stream(ssrc uint32) *lightStream {
	for _, s := range *r.streams.Load() {
		if s.ssrc == ssrc {
			return s
		}
	}
	return nil
}

// onDatagram is called by the subscriber's sockets for every datagram received,
// at its arrival. It reports whether it took the datagram (SRTP media), which is
// then not handed to Pion. It allocates nothing.
func (r *lightReceiver) onDatagram(b []byte, now time.Time) bool {
	if !isSRTPMedia(b) {
		return false
	}
	r.media.Add(1)
	ssrc := uint32(b[8])<<24 | uint32(b[9])<<16 | uint32(b[10])<<8 | uint32(b[11])
	s := r.stream(ssrc)
	var captureID uint8
	if s != nil {
		captureID = s.captureID
	}
	var h rtpHeader
	if err := parseRTPHeader(b, uint8(r.twccID.Load()), captureID, &h); err != nil {
		r.malformed.Add(1)
		return true
	}
	if h.hasTWCC {
		r.mu.Lock()
		r.recorder.Record(h.ssrc, h.twccSeq, now.Sub(r.start).Microseconds())
		r.mu.Unlock()
	}
	if s == nil {
		r.unknown.Add(1)
		return true
	}
	info := PacketInfo{
		Arrival:        now,
		SequenceNumber: h.seq,
		Timestamp:      h.timestamp,
		Marker:         h.marker,
	}
	// The padding's length is in the payload's last byte, encrypted. A packet
	// with the P bit is taken for padding alone: the server's bandwidth probes
	// are such packets, media is not padded, and a full subscriber counts no
	// payload for a probe either.
	if !h.padding {
		info.PayloadBytes = max(len(b)-h.headerLen-srtpTagLen, 0)
	}
	if h.hasCapture {
		info.CaptureTime = rtp.AbsCaptureTimeExtension{Timestamp: h.captureNTP}.CaptureTime()
	}
	s.stats.OnPacket(info)
	if !s.started.Load() && s.started.CompareAndSwap(false, true) && r.firstSeen != nil {
		r.firstSeen(now)
	}
	return true
}

// sendFeedback sends the transport-wide congestion control feedback of the
// packets received since the last call (feedbackClock calls it every
// feedbackEvery), and a PLI for each video stream that has just started (so that
// it starts on a key frame, as a browser asks). Nothing is sent before Pion bound
// the subscriber connection's RTCP writer (rtcpWriterTap).
func (r *lightReceiver) sendFeedback() error {
	box := r.writer.Load()
	if box == nil {
		return nil
	}
	r.mu.Lock()
	pkts := r.recorder.BuildFeedbackPacket()
	r.mu.Unlock()
	for _, s := range *r.streams.Load() {
		if s.video && !s.pliSent && s.started.Load() {
			s.pliSent = true
			pkts = append(pkts, &rtcp.PictureLossIndication{SenderSSRC: r.senderSSRC, MediaSSRC: s.ssrc})
		}
	}
	if len(pkts) == 0 {
		return nil
	}
	_, err := box.w.Write(pkts, nil)
	return err
}

// rtcpWriterTap is an interceptor factory that hands a light receiver the RTCP
// writer of the connection its tracks arrive on (the client makes a publisher and
// a subscriber connection from the same options; only the subscriber one binds
// remote streams). Writing through it encrypts with the connection's SRTCP
// context, as PeerConnection.WriteRTCP does.
type rtcpWriterTap struct{ r *lightReceiver }

// NewInterceptor implements interceptor.Factory.
func (f rtcpWriterTap) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &rtcpWriterTapInterceptor{r: f.r}, nil
}

type rtcpWriterTapInterceptor struct {
	interceptor.NoOp
	r  *lightReceiver
	mu sync.Mutex
	w  interceptor.RTCPWriter
}

// BindRTCPWriter keeps the connection's writer.
func (t *rtcpWriterTapInterceptor) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	t.mu.Lock()
	t.w = w
	t.mu.Unlock()
	return w
}

// BindRemoteStream marks this connection as the one media arrives on.
func (t *rtcpWriterTapInterceptor) BindRemoteStream(_ *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	t.mu.Lock()
	w := t.w
	t.mu.Unlock()
	if w != nil && t.r.writer.Load() == nil {
		t.r.writer.Store(&rtcpWriterBox{w: w})
	}
	return reader
}
