package sfu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// testTimeout bounds every wait of a test.
const testTimeout = 10 * time.Second

func newTestEngine(t *testing.T, mutate ...func(*Config)) *Engine {
	t.Helper()
	cfg := Config{
		BindIP: "127.0.0.1", UDPPort: 0, TCPPort: 0,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	e, err := NewEngine(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// eventLog is an EventSink that never blocks: it appends and wakes waiters.
type eventLog struct {
	mu     sync.Mutex
	events []Event
	notify chan struct{}
}

func newEventLog() *eventLog { return &eventLog{notify: make(chan struct{}, 1)} }

func (l *eventLog) Send(ev Event) {
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
	select {
	case l.notify <- struct{}{}:
	default:
	}
}

func (l *eventLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.events...)
}

// testClient plays a client with real Pion peer connections: it publishes on
// its publisher connection and answers the server's subscriber offers.
type testClient struct {
	t    *testing.T
	name string
	p    *Participant
	log  *eventLog

	pub, sub *webrtc.PeerConnection

	mu        sync.Mutex
	pending   []webrtc.ICECandidateInit // subscriber candidates before the first offer
	received  map[string]*receivedTrack // by track id (= track SID)
	processed int                       // events handled by the loop
	errs      []error

	watchMu *sync.Mutex // guards the map of watchLayers, when used

	// holdOffers makes the client ignore subscriber offers, like a client whose
	// connection to the server dropped.
	holdOffers atomic.Bool

	stop     chan struct{}
	loopDone chan struct{} // closed when loop returned
	wg       sync.WaitGroup
}

type receivedTrack struct {
	streamID string
	kind     webrtc.RTPCodecType
	mime     string
	ssrc     uint32
	packets  atomic.Int64

	mu      sync.Mutex
	first   int64          // first extended sequence number
	highest int64          // highest extended sequence number
	seen    map[int64]bool // extended sequence numbers received
	maxJump int64          // largest step forward between consecutive packets
	back    int            // packets older than the highest (reordered or repaired)
}

// continuity reports the sequence numbers never received between the first
// and the highest, and the largest forward step. A forwarder that rewrites
// sequence numbers correctly leaves missing at the loss of the network (none
// on loopback, a few under heavy load) and maxJump at 1 (or a few with loss);
// a broken rewrite shows as a large jump.
func (rt *receivedTrack) continuity() (missing, maxJump int64) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.highest - rt.first + 1 - int64(len(rt.seen)), rt.maxJump
}

func (rt *receivedTrack) record(seq uint16) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.seen == nil {
		rt.seen = map[int64]bool{}
		rt.first, rt.highest = int64(seq), int64(seq)
		rt.seen[int64(seq)] = true
		return
	}
	// Extend to the cycle closest to the highest seen.
	ext := rt.highest + int64(int16(seq-uint16(rt.highest)))
	if ext > rt.highest {
		rt.maxJump = max(rt.maxJump, ext-rt.highest)
		rt.highest = ext
	} else {
		rt.back++
	}
	if ext >= rt.first {
		rt.seen[ext] = true
	}
}

func newClientAPI(networks ...webrtc.NetworkType) *webrtc.API {
	if len(networks) == 0 {
		networks = []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
	}
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		panic(err)
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		panic(err)
	}
	// Pion's default interceptors, as a real client has: NACKs and receiver
	// reports toward the server, NACK answers and sender reports from it.
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		panic(err)
	}
	var s webrtc.SettingEngine
	s.SetNetworkTypes(networks)
	s.SetIncludeLoopbackCandidate(true)
	s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	s.SetICEMulticastDNSMode(0)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(s), webrtc.WithInterceptorRegistry(reg))
}

// joinClient joins room as identity with full permissions and auto-subscribe.
func joinClient(t *testing.T, room *Room, identity string, mutate ...func(*JoinParams)) *testClient {
	t.Helper()
	return joinClientAPI(t, room, identity, newClientAPI(), mutate...)
}

func joinClientAPI(t *testing.T, room *Room, identity string, api *webrtc.API, mutate ...func(*JoinParams)) *testClient {
	t.Helper()
	c := &testClient{t: t, name: identity, log: newEventLog(), received: map[string]*receivedTrack{}, stop: make(chan struct{}), loopDone: make(chan struct{})}
	var err error
	if c.pub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		t.Fatal(err)
	}
	if c.sub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		t.Fatal(err)
	}
	c.sub.OnTrack(c.onTrack)
	params := JoinParams{
		Identity:      identity,
		Name:          identity,
		AutoSubscribe: true,
		Permissions: vocab.Permissions{
			CanPublish: true, CanSubscribe: true, CanPublishData: true, CanUpdateMetadata: true,
			Sources: []vocab.Source{vocab.SourceCamera, vocab.SourceMicrophone, vocab.SourceScreenShare},
		},
		Sink: c.log,
	}
	for _, m := range mutate {
		m(&params)
	}
	c.pub.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil && c.p != nil {
			_ = c.p.AddICECandidate(ICECandidate{Target: vocab.TargetPublisher, Candidate: cand.ToJSON()})
		}
	})
	c.sub.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil {
			if err := c.p.AddICECandidate(ICECandidate{Target: vocab.TargetSubscriber, Candidate: cand.ToJSON()}); err != nil {
				c.fail(fmt.Errorf("subscriber candidate: %w", err))
			}
		}
	})
	c.p, err = room.Join(params)
	if err != nil {
		t.Fatalf("join %s: %v", identity, err)
	}
	c.wg.Add(1)
	go c.loop()
	t.Cleanup(c.close)
	return c
}

// handled reports whether the loop has handled n events that match.
func (c *testClient) handled(n int, match func(Event) bool) bool {
	c.mu.Lock()
	processed := c.processed
	c.mu.Unlock()
	seen := 0
	for _, ev := range c.log.all()[:processed] {
		if match(ev) {
			seen++
		}
	}
	return seen >= n
}

func (c *testClient) fail(err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

// loop answers subscriber offers and adds the server's candidates, in order.
func (c *testClient) loop() {
	defer c.wg.Done()
	defer close(c.loopDone)
	for {
		c.mu.Lock()
		i := c.processed
		c.mu.Unlock()
		evs := c.log.all()
		for ; i < len(evs); i++ {
			c.handle(evs[i])
			c.mu.Lock()
			c.processed = i + 1
			c.mu.Unlock()
		}
		select {
		case <-c.stop:
			return
		case <-c.log.notify:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *testClient) handle(ev Event) {
	switch ev := ev.(type) {
	case SubscriberOffer:
		if c.holdOffers.Load() {
			return
		}
		if err := c.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: ev.SDP}); err != nil {
			c.fail(fmt.Errorf("set subscriber offer: %w", err))
			return
		}
		c.mu.Lock()
		pending := c.pending
		c.pending = nil
		c.mu.Unlock()
		for _, cand := range pending {
			_ = c.sub.AddICECandidate(cand)
		}
		answer, err := c.sub.CreateAnswer(nil)
		if err != nil {
			c.fail(err)
			return
		}
		if err := c.sub.SetLocalDescription(answer); err != nil {
			c.fail(err)
			return
		}
		if err := c.p.HandleAnswer(answer.SDP); err != nil && !errors.Is(err, ErrParticipantClosed) {
			c.fail(fmt.Errorf("handle answer: %w", err))
		}
	case ICECandidateEvent:
		if ev.Target != vocab.TargetSubscriber {
			c.fail(fmt.Errorf("unexpected %s candidate", ev.Target))
			return
		}
		if c.sub.RemoteDescription() == nil {
			c.mu.Lock()
			c.pending = append(c.pending, ev.Candidate)
			c.mu.Unlock()
			return
		}
		if err := c.sub.AddICECandidate(ev.Candidate); err != nil {
			c.fail(fmt.Errorf("add subscriber candidate: %w", err))
		}
	}
}

func (c *testClient) onTrack(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	rt := &receivedTrack{streamID: remote.StreamID(), kind: remote.Kind(), mime: remote.Codec().MimeType, ssrc: uint32(remote.SSRC())}
	c.mu.Lock()
	c.received[remote.ID()] = rt
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			pkt, _, err := remote.ReadRTP()
			if err != nil {
				return
			}
			rt.record(pkt.SequenceNumber)
			rt.packets.Add(1)
		}
	}()
}

// publish adds a synthetic track and starts sending it until the client closes.
func (c *testClient) publish(clientID string, kind vocab.Kind) vocab.TrackInfo {
	c.t.Helper()
	return c.publishWith(clientID, kind, c.p.AddTrack)
}

// publishWith is publish declaring the track with add (a relay's
// AddRelayedTrack for an owner).
func (c *testClient) publishWith(clientID string, kind vocab.Kind, add func(string, TrackRequest) (vocab.TrackInfo, error)) vocab.TrackInfo {
	c.t.Helper()
	req := TrackRequest{Name: clientID, Kind: kind, Source: vocab.SourceMicrophone}
	mime := webrtc.MimeTypeOpus
	if kind == vocab.KindVideo {
		req.Source, mime = vocab.SourceCamera, webrtc.MimeTypeVP8
		req.Width, req.Height = 320, 240
	}
	info, err := add(clientID, req)
	if err != nil {
		c.t.Fatalf("%s AddTrack: %v", c.name, err)
	}
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: mime}, clientID, "stream-"+c.name)
	if err != nil {
		c.t.Fatal(err)
	}
	sender, err := c.pub.AddTrack(track)
	if err != nil {
		c.t.Fatal(err)
	}
	c.wg.Add(2)
	go func() { // RTCP must be read for the interceptors to work
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
		c.sendSamples(track, kind)
	}()
	return info
}

func (c *testClient) sendSamples(track *webrtc.TrackLocalStaticSample, kind vocab.Kind) {
	interval := 20 * time.Millisecond
	if kind == vocab.KindVideo {
		interval = 33 * time.Millisecond
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		var data []byte
		if kind == vocab.KindVideo {
			data = vp8Frame(n%10 == 0)
		} else {
			data = []byte{0xfc, 0xff, 0xfe, byte(n)}
		}
		// Errors (not bound yet, closing) are not the test's subject.
		_ = track.WriteSample(media.Sample{Data: data, Duration: interval})
	}
}

// vp8Frame is a tiny VP8 frame: a key frame (320x240) or an inter frame.
func vp8Frame(key bool) []byte {
	f := make([]byte, 600)
	if key {
		copy(f, []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00})
	} else {
		copy(f, []byte{0x11, 0x02, 0x00})
	}
	for i := 10; i < len(f); i++ {
		f[i] = byte(i)
	}
	return f
}

// negotiatePublisher sends a publisher offer (optionally restarting ICE).
func (c *testClient) negotiatePublisher(iceRestart bool) {
	c.t.Helper()
	offer, err := c.pub.CreateOffer(&webrtc.OfferOptions{ICERestart: iceRestart})
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.pub.SetLocalDescription(offer); err != nil {
		c.t.Fatal(err)
	}
	answer, err := c.p.HandleOffer(offer.SDP)
	if err != nil {
		c.t.Fatalf("%s HandleOffer: %v", c.name, err)
	}
	if err := c.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		c.t.Fatalf("%s set answer: %v", c.name, err)
	}
}

// waitEvent waits for an event matching match and returns it.
func (c *testClient) waitEvent(what string, match func(Event) bool) Event {
	c.t.Helper()
	deadline := time.After(testTimeout)
	for {
		for _, ev := range c.log.all() {
			if match(ev) {
				return ev
			}
		}
		select {
		case <-deadline:
			c.t.Fatalf("%s: timed out waiting for %s; events: %s", c.name, what, describe(c.log.all()))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func describe(evs []Event) string {
	s := ""
	for _, ev := range evs {
		s += fmt.Sprintf("%T ", ev)
	}
	return s
}

// waitPackets waits until the client received at least n packets on each of
// the tracks of the publisher with SID pubSID, expecting count tracks.
func (c *testClient) waitPackets(pubSID string, count int, n int64) []*receivedTrack {
	c.t.Helper()
	deadline := time.After(testTimeout)
	for {
		var got []*receivedTrack
		c.mu.Lock()
		for _, rt := range c.received {
			if rt.streamID == pubSID && rt.packets.Load() >= n {
				got = append(got, rt)
			}
		}
		errs := c.errs
		c.mu.Unlock()
		if len(errs) > 0 {
			c.t.Fatalf("%s client errors: %v", c.name, errs)
		}
		if len(got) >= count {
			return got
		}
		select {
		case <-deadline:
			c.t.Fatalf("%s: timed out waiting for %d tracks with %d packets from %s (have %d)", c.name, count, n, pubSID, len(got))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (c *testClient) packetsFrom(pubSID string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, rt := range c.received {
		if rt.streamID == pubSID {
			n += rt.packets.Load()
		}
	}
	return n
}

func (c *testClient) close() {
	select {
	case <-c.stop:
		return
	default:
	}
	close(c.stop)
	// The loop first: it may be answering an offer, and an answer starts ICE
	// gathering, which creates the connection's ICE agent. Closed while the
	// loop runs, a connection could get its agent after its close, and the
	// agent's goroutines (its task loop, its mDNS sockets) outlived the test:
	// goleak found them once at the end of the package.
	<-c.loopDone
	_ = c.pub.GracefulClose()
	_ = c.sub.GracefulClose()
	c.wg.Wait() // the readers end with their connections
	if c.p != nil {
		c.p.Close(vocab.ReasonClientLeft)
	}
}

// checkContinuity fails the test when a received stream has a sequence jump
// only a broken rewrite would cause, or lost more than a few percent.
func checkContinuity(t *testing.T, what string, rt *receivedTrack) {
	t.Helper()
	missing, jump := rt.continuity()
	rt.mu.Lock()
	late := rt.back
	rt.mu.Unlock()
	n := rt.packets.Load()
	t.Logf("%s: %d packets, %d missing, largest step %d, %d late", what, n, missing, jump, late)
	if jump > 3 || missing*50 > n {
		t.Errorf("%s: %d packets, %d sequence numbers missing, largest step %d", what, n, missing, jump)
	}
}
