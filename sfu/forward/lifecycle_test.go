package forward

import (
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

// chanReader is an rtpReader fed through a channel, honouring read deadlines
// like Pion's streams.
type chanReader struct {
	pkts     chan []byte
	mu       sync.Mutex
	deadline chan struct{}
}

func newChanReader() *chanReader {
	return &chanReader{pkts: make(chan []byte, 64), deadline: make(chan struct{})}
}

func (r *chanReader) Read(b []byte) (int, interceptor.Attributes, error) {
	r.mu.Lock()
	dl := r.deadline
	r.mu.Unlock()
	select {
	case p := <-r.pkts:
		return copy(b, p), nil, nil
	case <-dl:
		return 0, nil, os.ErrDeadlineExceeded
	}
}

func (r *chanReader) SetReadDeadline(time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.deadline:
	default:
		close(r.deadline)
	}
	return nil
}

func TestLayerReadersStopOnReplaceAndClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeAudio, Codec: opusCodec})
	w := &fakeWriter{}
	d := bindDown(t, up, w, 9, 0)
	r1 := newChanReader()
	l1 := up.addLayer(r1, "", 1, pubExts, rtcpSource{})
	for i := range 5 {
		r1.pkts <- marshal(t, 1, 111, pktSpec{seq: uint16(i), ts: uint32(i) * 960, payload: []byte{1}, level: -1})
	}
	waitFor(t, func() bool { return up.Stats().Packets == 5 })

	// A reconnect: the new stream replaces the old, whose reader ends.
	r2 := newChanReader()
	up.addLayer(r2, "", 2, pubExts, rtcpSource{})
	select {
	case <-l1.done:
	case <-time.After(5 * time.Second):
		t.Fatal("replaced layer's reader still running")
	}
	for i := range 5 {
		r2.pkts <- marshal(t, 2, 111, pktSpec{seq: uint16(5000 + i), ts: uint32(i) * 960, payload: []byte{1}, level: -1})
	}
	waitFor(t, func() bool { return d.Stats().Packets == 10 })
	checkContinuous(t, w.take())

	up.Close()
	up.Close() // idempotent
	d.Close()
	if up.addLayer(newChanReader(), "", 3, nil, rtcpSource{}) != nil {
		t.Fatal("layer added to a closed track")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDownTrackCloseWithoutConnectionDoesNotHang(t *testing.T) {
	defer goleak.VerifyNone(t)
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_v", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec})
	defer up.Close()
	pc := newLoopbackPC(t, roleSFUSubscriber)
	defer func() { _ = pc.Close() }()
	d := NewDownTrack(up, DownTrackConfig{TrackID: "TR_v", StreamID: "PA_p"})
	sender, err := pc.AddTrack(d)
	if err != nil {
		t.Fatal(err)
	}
	d.Start(sender)
	done := make(chan struct{})
	go func() {
		d.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close of a never connected DownTrack hangs")
	}
	if _, err := d.Bind(&fakeContext{codecs: subscriberCodecs(), writer: &fakeWriter{}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Bind after Close: %v, want ErrClosed", err)
	}
	if len(up.DownTracks()) != 0 {
		t.Fatal("closed DownTrack still in the fan-out")
	}
}
