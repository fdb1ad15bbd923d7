package sfu

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/internal/netsim"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Test simulcast layer bitrates (payload), lowest first.
var simRates = [3]int{100_000, 300_000, 800_000}

// newShapedClientAPI is newClientAPI whose sockets receive through link.
func newShapedClientAPI(t *testing.T, link *netsim.Link) *webrtc.API {
	t.Helper()
	return newShapedClientAPIWith(t, link)
}

// newShapedClientAPIWith is newShapedClientAPI with more interceptors,
// registered before Pion's own (so that they sit below them).
func newShapedClientAPIWith(t *testing.T, link *netsim.Link, first ...interceptor.Factory) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	for _, f := range first {
		reg.Add(f)
	}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		t.Fatal(err)
	}
	n, err := netsim.NewNet(link)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close) // after the client's own cleanup, registered later
	var s webrtc.SettingEngine
	s.SetNet(n)
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetIncludeLoopbackCandidate(true)
	s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	s.SetICEMulticastDNSMode(0)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(s), webrtc.WithInterceptorRegistry(reg))
}

// simPublisher sends one VP8 track in three RID layers at simRates, 30 frames
// a second, each frame's payload tagged with its layer. A layer sends a key
// frame every 2 s and on PLI; layers the server disables (PublisherLayers) are
// not sent, as the Go client and browsers do.
type simPublisher struct {
	c        *testClient
	info     vocab.TrackInfo
	keyReq   [3]atomic.Bool
	disabled [3]atomic.Bool
	sent     [3]atomic.Int64
	seenEvs  int
}

func (c *testClient) publishSimulcastRated(clientID string, source vocab.Source) *simPublisher {
	c.t.Helper()
	info, err := c.p.AddTrack(clientID, TrackRequest{
		Kind: vocab.KindVideo, Source: source, Width: 1280, Height: 720,
		Layers: []vocab.LayerInfo{
			{RID: "q", Quality: vocab.QualityLow, Width: 320, Height: 180},
			{RID: "h", Quality: vocab.QualityMedium, Width: 640, Height: 360},
			{RID: "f", Quality: vocab.QualityHigh, Width: 1280, Height: 720},
		},
	})
	if err != nil {
		c.t.Fatal(err)
	}
	sp := &simPublisher{c: c, info: info}
	rids := []string{"q", "h", "f"}
	var layers []*webrtc.TrackLocalStaticRTP
	var sender *webrtc.RTPSender
	for _, rid := range rids {
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
	for i, rid := range rids {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			for {
				pkts, _, err := sender.ReadSimulcastRTCP(rid)
				if err != nil {
					return
				}
				for _, p := range pkts {
					switch p.(type) {
					case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
						sp.keyReq[i].Store(true)
					}
				}
			}
		}()
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		sp.run(sender, layers, rids)
	}()
	return sp
}

func (sp *simPublisher) obeyDynacast() {
	evs := sp.c.log.all()
	for ; sp.seenEvs < len(evs); sp.seenEvs++ {
		ev, ok := evs[sp.seenEvs].(PublisherLayers)
		if !ok || ev.TrackSID != sp.info.SID {
			continue
		}
		for _, l := range ev.Layers {
			q := int(qualityIndex(l.Quality))
			was := sp.disabled[q].Swap(!l.Enabled)
			if was && l.Enabled {
				sp.keyReq[q].Store(true) // a restarted layer starts with a key frame
			}
		}
	}
}

func qualityIndex(q vocab.Quality) int {
	switch q {
	case vocab.QualityLow:
		return 0
	case vocab.QualityMedium:
		return 1
	}
	return 2
}

func (sp *simPublisher) run(sender *webrtc.RTPSender, layers []*webrtc.TrackLocalStaticRTP, rids []string) {
	c := sp.c
	tick := time.NewTicker(33 * time.Millisecond)
	defer tick.Stop()
	var seq [3]uint16
	var pic [3]uint16
	var sinceKey [3]int
	var mid string
	var midID, ridID uint8
	buf := make([]byte, 1200)
	for n := 0; ; n++ {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
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
		sp.obeyDynacast()
		for i, tr := range layers {
			if sp.disabled[i].Load() {
				continue
			}
			key := sinceKey[i] >= 60 || sp.keyReq[i].Swap(false) || n == 0
			if key {
				sinceKey[i] = 0
			}
			sinceKey[i]++
			frameBytes := simRates[i] / 8 / 30
			if key {
				frameBytes *= 2
			}
			for off := 0; off < frameBytes; {
				size := min(1000, frameBytes-off)
				first := off == 0
				off += size
				payload := buf[:0]
				desc := byte(0x80) // X
				if first {
					desc |= 0x10 // S
				}
				payload = append(payload, desc, 0x80, 0x80|byte(pic[i]>>8), byte(pic[i]))
				if first {
					if key {
						payload = append(payload, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00)
					} else {
						payload = append(payload, 0x11, 0x02, 0x00)
					}
				}
				for len(payload) < size {
					payload = append(payload, byte(i))
				}
				pkt := &rtp.Packet{
					Header: rtp.Header{Version: 2, Marker: off >= frameBytes, SequenceNumber: seq[i],
						Timestamp: uint32(n) * 3000},
					Payload: payload,
				}
				seq[i]++
				_ = pkt.Header.SetExtension(midID, []byte(mid))
				_ = pkt.Header.SetExtension(ridID, []byte(rids[i]))
				if tr.WriteRTP(pkt) == nil {
					sp.sent[i].Add(1)
				}
			}
			pic[i] = (pic[i] + 1) & 0x7fff
		}
	}
}

// layerWatch checks what a subscriber receives of a simPublisher's track:
// the layer of each packet (from its payload tag), that every layer change
// starts on a key frame, that sequence numbers and picture IDs continue.
type layerWatch struct {
	mu          sync.Mutex
	layer       int // -1 before the first packet
	since       time.Time
	changes     []layerChange
	badSwitches int // layer changes not on a key frame
	badDetail   []string
	started     bool
	highest     uint16
	received    int
	missing     map[uint16]bool
	lastPic     int
	picJumps    int // frames whose picture ID does not follow the previous one
	padding     int
	media       int // packets with a payload
	// gap: a sequence number was skipped since the last media packet. The
	// skip may sit before padding packets (a probe after a lost frame), so
	// "contiguous" alone would take the next media packet for the one after
	// the padding's predecessor.
	gap bool
}

type layerChange struct {
	at    time.Time
	layer int
}

func newLayerWatch() *layerWatch {
	return &layerWatch{layer: -1, missing: map[uint16]bool{}, lastPic: -1}
}

func (w *layerWatch) onPacket(p *rtp.Packet, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	contiguous := w.started && p.SequenceNumber == w.highest+1
	if w.started && !contiguous && int16(p.SequenceNumber-w.highest) > 0 {
		w.gap = true
	}
	if w.started && int16(p.SequenceNumber-w.highest) <= 0 {
		// A late or repaired packet: it fills a gap, it does not change
		// what the receiver decodes now.
		w.seq(p.SequenceNumber)
		return
	}
	if len(p.Payload) == 0 {
		w.padding++
		w.seq(p.SequenceNumber)
		return
	}
	w.seq(p.SequenceNumber)
	w.media++
	if len(p.Payload) < 5 {
		return
	}
	afterGap := w.gap
	w.gap = false
	if afterGap {
		// After a loss the receiver waits for a key frame anyway: only a
		// change between consecutive packets tells about the forwarder.
		w.lastPic = -1
		if !(p.Payload[0]&0x10 != 0 && p.Payload[4]&0x01 == 0) {
			w.layer = int(p.Payload[len(p.Payload)-1])
			return
		}
	}
	layer := int(p.Payload[len(p.Payload)-1])
	start := p.Payload[0]&0x10 != 0
	key := start && p.Payload[4]&0x01 == 0
	if start {
		pic := int(p.Payload[2]&0x7f)<<8 | int(p.Payload[3])
		if w.lastPic >= 0 && pic != (w.lastPic+1)&0x7fff {
			w.picJumps++
		}
		w.lastPic = pic
	}
	if layer != w.layer {
		if !key {
			w.badSwitches++
			if len(w.badDetail) < 5 {
				w.badDetail = append(w.badDetail, fmt.Sprintf("seq %d: layer %d -> %d, start=%v, %d bytes, after %d missing",
					p.SequenceNumber, w.layer, layer, start, len(p.Payload), len(w.missing)))
			}
		}
		w.layer = layer
		w.changes = append(w.changes, layerChange{now, layer})
	}
}

// seq tracks gaps: a sequence number skipped is missing until it arrives.
func (w *layerWatch) seq(s uint16) {
	w.received++
	if !w.started {
		w.started, w.highest = true, s
		return
	}
	if d := int16(s - w.highest); d > 0 {
		for x := w.highest + 1; x != s; x++ {
			w.missing[x] = true
		}
		w.highest = s
	} else {
		delete(w.missing, s)
	}
}

func (w *layerWatch) current() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.layer
}

// counts returns the media and padding packets received so far.
func (w *layerWatch) counts() (media, padding int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.media, w.padding
}

func (w *layerWatch) snapshot() (missing, badSwitches, picJumps, received int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.missing), w.badSwitches, w.picJumps, w.received
}

// watchLayers makes c record the layers of every video it receives, by track SID.
func (c *testClient) watchLayers() map[string]*layerWatch {
	watches := map[string]*layerWatch{}
	var mu sync.Mutex
	c.sub.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		rt := &receivedTrack{streamID: remote.StreamID(), kind: remote.Kind()}
		w := newLayerWatch()
		mu.Lock()
		watches[remote.ID()] = w
		mu.Unlock()
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
				w.onPacket(pkt, time.Now())
			}
		}()
	})
	c.watchMu = &mu
	return watches
}

// watch returns the layerWatch of a track once it is received.
func (c *testClient) watch(watches map[string]*layerWatch, trackSID string) *layerWatch {
	c.t.Helper()
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		c.watchMu.Lock()
		w := watches[trackSID]
		c.watchMu.Unlock()
		if w != nil {
			return w
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("%s never received track %s", c.name, trackSID)
	return nil
}

// rampTimeout bounds a wait for the bandwidth estimator to climb to the high layer, and
// reactTimeout one for it to follow a change of the link. On a quiet machine they take
// 1–4 s and the tests log them (BENCHMARKS.md); the bounds only catch "never": on a
// starved machine the estimator reads late feedback as congestion and is slower
// (issue 13), which is not what these tests check.
const (
	rampTimeout  = 30 * time.Second
	reactTimeout = 30 * time.Second
)

// waitLayer waits until w receives layer, and returns how long it took.
func waitLayer(t *testing.T, w *layerWatch, layer int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if w.current() == layer {
			return time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("layer %d not received within %v (current %d)", layer, within, w.current())
	return 0
}

// lastLayerEvent returns the last SubscriptionLayer the client got for trackSID.
func (c *testClient) lastLayerEvent(trackSID string) (SubscriptionLayer, bool) {
	var last SubscriptionLayer
	found := false
	for _, ev := range c.log.all() {
		if e, ok := ev.(SubscriptionLayer); ok && e.TrackSID == trackSID {
			last, found = e, true
		}
	}
	return last, found
}

// waitLayerEvent waits until the last SubscriptionLayer for trackSID matches.
func (c *testClient) waitLayerEvent(trackSID, what string, match func(SubscriptionLayer) bool) SubscriptionLayer {
	c.t.Helper()
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		if ev, ok := c.lastLayerEvent(trackSID); ok && match(ev) {
			return ev
		}
		time.Sleep(20 * time.Millisecond)
	}
	ev, _ := c.lastLayerEvent(trackSID)
	c.t.Fatalf("%s: no layer event %s for %s; last %+v", c.name, what, trackSID, ev)
	return ev
}

// logBandwidth logs the engine's bandwidth figures every 500 ms until stopped.
func logBandwidth(t *testing.T, e *Engine) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for _, b := range e.BandwidthStats() {
				if len(b.Tracks) > 0 {
					t.Logf("%s: estimate %d sending %d source %s probing %v tracks %+v", b.Identity, b.EstimateBps, b.SendingBps, b.Source, b.Probing, b.Tracks)
				}
			}
		}
	}()
	return func() { close(stop); <-done }
}

// waitLower waits until w receives a layer below layer.
func waitLower(t *testing.T, w *layerWatch, layer int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if c := w.current(); c >= 0 && c < layer {
			return time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no layer below %d within %v (current %d)", layer, within, w.current())
	return 0
}

// onHighLayer opens a room where alice publishes a rated simulcast camera
// and bob receives it, and waits until bob gets the high layer.
func onHighLayer(t *testing.T, e *Engine, name string) (a, b *testClient, sp *simPublisher, w *layerWatch) {
	t.Helper()
	room, _ := e.GetOrCreateRoom(name)
	a = joinClient(t, room, "alice")
	b = joinClient(t, room, "bob")
	watches := b.watchLayers()
	sp = a.publishSimulcastRated("cam", vocab.SourceCamera)
	a.negotiatePublisher(false)
	w = b.watch(watches, sp.info.SID)
	waitLayer(t, w, 2, rampTimeout)
	return a, b, sp, w
}

// The watcher judges a layer change only between consecutive packets: a lost
// key frame followed by probing padding is a loss, not a switch off a key frame.
func TestLayerWatchTakesAGapBeforePaddingAsALoss(t *testing.T) {
	frame := func(seq uint16, layer byte, key bool) *rtp.Packet {
		vp8 := byte(0x11) // P bit set: a delta frame
		if key {
			vp8 = 0x10
		}
		return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq}, Payload: []byte{0x90, 0x80, 0x80, byte(seq), vp8, layer}}
	}
	padding := func(seq uint16) *rtp.Packet { return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq}} }
	now := time.Now()

	w := newLayerWatch()
	w.onPacket(frame(1, 1, true), now)
	// seq 2, layer 0's key frame, is lost; a probe's padding follows it.
	w.onPacket(padding(3), now)
	w.onPacket(padding(4), now)
	w.onPacket(frame(5, 0, false), now)
	if _, bad, _, _ := w.snapshot(); bad != 0 {
		t.Errorf("a loss before padding counted as %d bad switches: %v", bad, w.badDetail)
	}

	w = newLayerWatch()
	w.onPacket(frame(1, 1, true), now)
	w.onPacket(padding(2), now)
	w.onPacket(frame(3, 0, false), now)
	if _, bad, _, _ := w.snapshot(); bad != 1 {
		t.Errorf("a switch off a key frame after padding counted as %d bad switches, want 1", bad)
	}
}
