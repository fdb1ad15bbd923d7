package writepath

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu/internal/sendbwe"
	"github.com/ensemble-sfu/ensemble/sfu/srtpout"
	"github.com/ensemble-sfu/ensemble/sfu/twccext"
	"github.com/ensemble-sfu/ensemble/sfu/udpbatch"
	"github.com/pion/dtls/v3"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/transport/v5/udp"
	"github.com/pion/webrtc/v4"
)

// variant is one way of building the SFU side.
type variant struct {
	name      string
	batched   bool // udpbatch.Conn (sendmmsg) under the mux, as sfu.Engine
	pionBatch bool // pion/transport's udp.BatchConn instead (sfu.Engine until issue 13)
	pionTWCC  bool // Pion's TWCC header-extension interceptor instead of twccext
	aes256GCM bool // Pion's default SRTP preference instead of AES-128-GCM first
	gcc       bool // Pion's send-side estimator (cc + gcc), as on sfu's subscriber connections until issue 13 item 3
	sendbwe   bool // the estimator of package sendbwe, as on sfu's subscriber connections now
	own       bool // with sendbwe, media through sfu/srtpout once DTLS is up, as sfu.Engine now
	counts    []int
}

// BenchmarkWritePath writes one 1200-byte VP8 packet to every subscriber per
// iteration. ns/subscriber is the cost of one packet to one subscriber,
// including the receiving PeerConnection's SRTP decryption (it runs in the same
// process) and the kernel's loopback delivery.
func BenchmarkWritePath(b *testing.B) {
	variants := []variant{
		{name: "batched", batched: true, counts: []int{1, 10, 50, 150}},
		{name: "batched-gcc", batched: true, gcc: true, counts: []int{1, 10, 150}},
		{name: "batched-sendbwe", batched: true, sendbwe: true, counts: []int{1, 10, 150}},
		{name: "own", batched: true, sendbwe: true, own: true, counts: []int{1, 10, 150}},
		{name: "pionbatchconn", pionBatch: true, counts: []int{1, 10, 50, 150}},
		{name: "pionbatchconn-gcc", pionBatch: true, gcc: true, counts: []int{1, 10, 150}},
		{name: "unbatched", counts: []int{1, 10, 50}},
		{name: "batched-piontwcc", batched: true, pionTWCC: true, counts: []int{1, 10, 50}},
		{name: "batched-aes256", batched: true, aes256GCM: true, counts: []int{1, 10, 50}},
	}
	for _, v := range variants {
		for _, n := range v.counts {
			b.Run(fmt.Sprintf("%s/subscribers=%d", v.name, n), func(b *testing.B) { benchmarkWritePath(b, v, n) })
		}
	}
}

func benchmarkWritePath(b *testing.B, v variant, subscribers int) {
	sfuSide, err := newSFUSide(v)
	if err != nil {
		b.Fatal(err)
	}
	defer sfuSide.close()
	tracks := make([]*captureTrack, subscribers)
	var pcs []*webrtc.PeerConnection
	defer func() {
		for _, pc := range pcs {
			_ = pc.Close()
		}
	}()
	keys := make([]*srtpout.Keys, subscribers)
	for i := range tracks {
		api := sfuSide.api
		if v.own {
			keys[i] = &srtpout.Keys{}
			api = sfuSide.apiFor(keys[i])
		}
		out, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			b.Fatal(err)
		}
		tracks[i] = &captureTrack{bound: make(chan struct{})}
		if v.own {
			tracks[i].pc, tracks[i].keys = out, keys[i]
		}
		sink, err := newSink()
		if err != nil {
			b.Fatal(err)
		}
		pcs = append(pcs, out, sink)
		if _, err := out.AddTrack(tracks[i]); err != nil {
			b.Fatal(err)
		}
		if err := connect(out, sink); err != nil {
			b.Fatal(err)
		}
	}
	for i, t := range tracks {
		select {
		case <-t.bound:
		case <-time.After(10 * time.Second):
			b.Fatalf("subscriber %d: track not bound", i)
		}
	}
	payload := make([]byte, 1200)
	payload[0] = 0x10 // VP8 descriptor: start of partition
	hdrs := make([]rtp.Header, subscribers)
	for i := range hdrs {
		hdrs[i] = rtp.Header{Version: 2, PayloadType: uint8(tracks[i].pt), SSRC: uint32(tracks[i].ssrc),
			Extensions: make([]rtp.Extension, 0, 4)}
	}
	// Until the DTLS handshakes are done Pion drops writes (n == 0).
	deadline := time.Now().Add(10 * time.Second)
	for i, t := range tracks {
		for {
			n, err := t.writer.WriteRTP(&hdrs[i], payload)
			if err != nil {
				b.Fatal(err)
			}
			if n > 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("subscriber %d: transport not up", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if v.own {
		for i, t := range tracks {
			if err := sfuSide.ownPath(t); err != nil {
				b.Fatalf("subscriber %d: %v", i, err)
			}
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(payload) * subscribers))
	var seq uint16
	for b.Loop() {
		seq++
		for i, t := range tracks {
			h := &hdrs[i]
			h.SequenceNumber = seq
			h.Timestamp += 3000
			h.Extension, h.Extensions = false, h.Extensions[:0]
			if _, err := t.writer.WriteRTP(h, payload); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(subscribers), "ns/subscriber")
}

// sfuSide is the sending half, built as sfu.Engine builds it.
type sfuSide struct {
	api      *webrtc.API
	mux      *ice.UDPMuxDefault
	sock     *udpbatch.Conn
	media    *webrtc.MediaEngine
	reg      *interceptor.Registry
	settings webrtc.SettingEngine
	parts    *connParts
}

// apiFor is the API of one connection whose keys go to k (as sfu.Engine's
// subscriber connections have).
func (s *sfuSide) apiFor(k *srtpout.Keys) *webrtc.API {
	st := s.settings
	k.Configure(&st)
	return webrtc.NewAPI(webrtc.WithMediaEngine(s.media), webrtc.WithInterceptorRegistry(s.reg), webrtc.WithSettingEngine(st))
}

// ownPath puts t's writes on the connection's own write path, toward the
// address ICE selected.
func (s *sfuSide) ownPath(t *captureTrack) error {
	pair, err := t.pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		return fmt.Errorf("no selected pair: %v", err)
	}
	ip, err := netip.ParseAddr(pair.Remote.Address)
	if err != nil {
		return err
	}
	link, twcc := s.parts.take(t.pc.ID())
	out := srtpout.NewConn(t.keys, s.sock, twcc, link.Est.Sent)
	if err := out.Enable(netip.AddrPortFrom(ip, pair.Remote.Port)); err != nil {
		return err
	}
	t.writer = out.Stream(t.ctx, t.writer)
	return nil
}

// connParts keeps each connection's estimator and numbering, for the own
// write path, as sfu's estimator registry does.
type connParts struct {
	mu    sync.Mutex
	links map[string]*sendbwe.Link
	twccs map[string]*twccext.Interceptor
}

func (c *connParts) take(id string) (*sendbwe.Link, *twccext.Interceptor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.links[id], c.twccs[id]
}

type partsLinkFactory struct{ c *connParts }

func (f partsLinkFactory) NewInterceptor(id string) (interceptor.Interceptor, error) {
	l := sendbwe.NewLink(3_000_000, 50_000, 50_000_000)
	f.c.mu.Lock()
	f.c.links[id] = l
	f.c.mu.Unlock()
	return l, nil
}

type partsTWCCFactory struct{ c *connParts }

func (f partsTWCCFactory) NewInterceptor(id string) (interceptor.Interceptor, error) {
	i := &twccext.Interceptor{}
	f.c.mu.Lock()
	f.c.twccs[id] = i
	f.c.mu.Unlock()
	return i, nil
}

func newSFUSide(v variant) (*sfuSide, error) {
	uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	var conn net.PacketConn = uc
	side := &sfuSide{parts: &connParts{links: map[string]*sendbwe.Link{}, twccs: map[string]*twccext.Interceptor{}}}
	switch {
	case v.batched:
		if side.sock, err = udpbatch.New(uc, udpbatch.Options{BatchSize: 64, FlushAfter: 2 * time.Millisecond}); err != nil {
			return nil, err
		}
		conn = side.sock
	case v.pionBatch:
		conn = udp.NewBatchConn(uc, 64, 2*time.Millisecond)
	}
	mux := ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: conn})
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBNACK}, {Type: webrtc.TypeRTCPFBTransportCC}}},
		PayloadType: 96,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	if v.gcc {
		f, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
			return gcc.NewSendSideBWE(gcc.SendSideBWEPacer(gcc.NewNoOpPacer()))
		})
		if err != nil {
			return nil, err
		}
		reg.Add(f)
	}
	switch {
	case v.own:
		reg.Add(partsLinkFactory{side.parts})
	case v.sendbwe:
		reg.Add(&linkFactory{})
	}
	if v.pionTWCC {
		if err := webrtc.ConfigureTWCCHeaderExtensionSender(m, reg); err != nil {
			return nil, err
		}
	} else {
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.TransportCCURI}, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, err
		}
		if v.own {
			reg.Add(partsTWCCFactory{side.parts})
		} else {
			reg.Add(twccext.Factory{})
		}
	}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return nil, err
	}
	var s webrtc.SettingEngine
	s.SetICEUDPMux(mux)
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetIncludeLoopbackCandidate(true)
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if !v.aes256GCM {
		s.SetSRTPProtectionProfiles(dtls.SRTP_AEAD_AES_128_GCM, dtls.SRTP_AEAD_AES_256_GCM)
	}
	side.api = webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(s))
	side.mux, side.media, side.reg, side.settings = mux, m, reg, s
	return side, nil
}

func (s *sfuSide) close() { _ = s.mux.Close() } // closes the socket too

// newSink is a plain subscriber: its own socket, no interceptors, nobody
// reading the track (Pion still decrypts every packet).
func newSink() (*webrtc.PeerConnection, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.TransportCCURI}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	var s webrtc.SettingEngine
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetIncludeLoopbackCandidate(true)
	s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(s))
	return api.NewPeerConnection(webrtc.Configuration{})
}

// connect runs offer/answer between the SFU side and the sink with complete
// candidate lists.
func connect(offerer, answerer *webrtc.PeerConnection) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offer, err := offerer.CreateOffer(nil)
	if err != nil {
		return err
	}
	gathered := webrtc.GatheringCompletePromise(offerer)
	if err := offerer.SetLocalDescription(offer); err != nil {
		return err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := answerer.SetRemoteDescription(*offerer.LocalDescription()); err != nil {
		return err
	}
	answer, err := answerer.CreateAnswer(nil)
	if err != nil {
		return err
	}
	gathered = webrtc.GatheringCompletePromise(answerer)
	if err := answerer.SetLocalDescription(answer); err != nil {
		return err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return ctx.Err()
	}
	return offerer.SetRemoteDescription(*answerer.LocalDescription())
}

// captureTrack is a TrackLocal that keeps its writer, as a DownTrack does.
type captureTrack struct {
	ctx    webrtc.TrackLocalContext
	pc     *webrtc.PeerConnection // the own write path's connection, and its keys
	keys   *srtpout.Keys
	once   sync.Once
	bound  chan struct{}
	writer webrtc.TrackLocalWriter
	ssrc   webrtc.SSRC
	pt     webrtc.PayloadType
	binds  atomic.Int32
}

func (t *captureTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, c := range ctx.CodecParameters() {
		if c.MimeType == webrtc.MimeTypeVP8 {
			t.once.Do(func() {
				t.ctx, t.writer, t.ssrc, t.pt = ctx, ctx.WriteStream(), ctx.SSRC(), c.PayloadType
				close(t.bound)
			})
			t.binds.Add(1)
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}

func (t *captureTrack) Unbind(webrtc.TrackLocalContext) error { return nil }
func (t *captureTrack) ID() string                            { return "video" }
func (t *captureTrack) RID() string                           { return "" }
func (t *captureTrack) StreamID() string                      { return "bench" }
func (t *captureTrack) Kind() webrtc.RTPCodecType             { return webrtc.RTPCodecTypeVideo }

// linkFactory gives each connection a sendbwe.Link, as sfu's engine does.
type linkFactory struct{}

func (linkFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return sendbwe.NewLink(3_000_000, 50_000, 50_000_000), nil
}
