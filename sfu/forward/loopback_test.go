package forward

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

// pcRole says which interceptors a test PeerConnection gets, as package sfu
// registers them.
type pcRole int

const (
	roleClient        pcRole = iota // a browser-like peer: NACK generator and responder, reports
	roleSFUPublisher                // SFU side facing a publisher: NACK generator, reports
	roleSFUSubscriber               // SFU side facing a subscriber: sender reports and TWCC sequence numbers; DownTrack answers NACKs
	roleSink                        // a receiver with no interceptors (benchmarks: sends no feedback)
)

func newLoopbackPC(t testing.TB, role pcRole) *webrtc.PeerConnection {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	m.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack"}, webrtc.RTPCodecTypeVideo)
	m.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack", Parameter: "pli"}, webrtc.RTPCodecTypeVideo)
	if role == roleClient || role == roleSFUPublisher {
		gen, err := nack.NewGeneratorInterceptor(nack.GeneratorInterval(20 * time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		reg.Add(gen)
		recv, err := report.NewReceiverInterceptor()
		if err != nil {
			t.Fatal(err)
		}
		reg.Add(recv)
	}
	if role == roleSink {
		// Negotiates transport-wide CC like a browser, but sends no feedback.
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.TransportCCURI},
			webrtc.RTPCodecTypeVideo); err != nil {
			t.Fatal(err)
		}
	}
	if role == roleSFUSubscriber {
		// As package sfu: transport-wide sequence numbers toward subscribers.
		if err := webrtc.ConfigureTWCCHeaderExtensionSender(m, reg); err != nil {
			t.Fatal(err)
		}
	}
	if role == roleClient {
		resp, err := nack.NewResponderInterceptor()
		if err != nil {
			t.Fatal(err)
		}
		reg.Add(resp)
	}
	if role != roleSink {
		snd, err := report.NewSenderInterceptor(report.SenderInterval(100 * time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		reg.Add(snd)
	}

	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

// signal runs one offer/answer exchange with complete ICE gathering.
func signal(t testing.TB, offerer, answerer *webrtc.PeerConnection) {
	t.Helper()
	offer, err := offerer.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(offerer)
	if err := offerer.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := answerer.SetRemoteDescription(*offerer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	answer, err := answerer.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered = webrtc.GatheringCompletePromise(answerer)
	if err := answerer.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := offerer.SetRemoteDescription(*answerer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
}

// TestLoopbackForwardingAndNACK sends VP8 from a publisher PeerConnection
// through an UpTrack and a DownTrack to a subscriber PeerConnection. The
// DownTrack skips one packet; the subscriber's NACK generator asks for it and
// the DownTrack retransmits it from the cache (over RTX). The subscriber must
// end up with a gap-free run of sequence numbers.
func TestLoopbackForwardingAndNACK(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	pub := newLoopbackPC(t, roleClient)
	sfuIn := newLoopbackPC(t, roleSFUPublisher)
	sfuOut := newLoopbackPC(t, roleSFUSubscriber)
	sub := newLoopbackPC(t, roleClient)
	pcs := []*webrtc.PeerConnection{pub, sfuIn, sfuOut, sub}
	closed := false
	closeAll := func() {
		if closed {
			return
		}
		closed = true
		for _, pc := range pcs {
			_ = pc.Close()
		}
	}
	defer closeAll()

	// Publisher: a VP8 track.
	local, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "cam", "alice")
	if err != nil {
		t.Fatal(err)
	}
	pubSender, err := pub.AddTrack(local)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // drain the publisher's RTCP so its interceptors run
		defer wg.Done()
		for {
			if _, _, err := pubSender.ReadRTCP(); err != nil {
				return
			}
		}
	}()

	// SFU: OnTrack makes the UpTrack.
	upCh := make(chan *UpTrack, 1)
	sfuIn.OnTrack(func(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
		up := NewUpTrack(UpTrackConfig{TrackSID: "TR_cam", Kind: remote.Kind(), Codec: remote.Codec(),
			SendPLI: func(ssrc uint32) {
				_ = sfuIn.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
			}})
		up.AddLayer(remote, receiver)
		upCh <- up
	})
	signal(t, pub, sfuIn)

	stopSending := make(chan struct{})
	var stopOnce sync.Once
	stop := func() { stopOnce.Do(func() { close(stopSending) }) }
	defer stop()
	wg.Add(1)
	go func() { // 200 packets per second, a key frame every 25
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stopSending:
				return
			case <-tick.C:
			}
			payload := vp8Delta(uint16(i))
			if i%25 == 0 {
				payload = vp8Key(uint16(i))
			}
			if err := local.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: uint16(i), Timestamp: uint32(i) * 450},
				Payload: payload}); err != nil {
				return
			}
		}
	}()

	var up *UpTrack
	select {
	case up = <-upCh:
	case <-ctx.Done():
		t.Fatal("publisher track never arrived")
	}
	defer up.Close()

	// Subscriber: the DownTrack skips the 30th packet it forwards, once.
	down := NewDownTrack(up, DownTrackConfig{TrackID: "TR_cam", StreamID: "PA_alice"})
	defer down.Close()
	var dropped atomic.Int32
	dropped.Store(-1)
	var count int
	down.dropHook = func(seq uint16) bool {
		count++
		if count == 30 {
			dropped.Store(int32(seq))
			return true
		}
		return false
	}
	sender, err := sfuOut.AddTrack(down)
	if err != nil {
		t.Fatal(err)
	}
	down.Start(sender)

	var mu sync.Mutex
	seen := map[uint16]int{}
	var first, last uint16
	var haveFirst bool
	got := make(chan struct{})
	var gotOnce sync.Once
	sub.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		wg.Add(1)
		defer wg.Done()
		for {
			p, _, err := remote.ReadRTP()
			if err != nil {
				return
			}
			mu.Lock()
			seen[p.SequenceNumber]++
			if !haveFirst {
				first, haveFirst = p.SequenceNumber, true
			}
			if int16(p.SequenceNumber-last) > 0 || len(seen) == 1 {
				last = p.SequenceNumber
			}
			d := dropped.Load()
			if d >= 0 && seen[uint16(d)] > 0 && int16(last-uint16(d)) > 20 {
				gotOnce.Do(func() { close(got) })
			}
			mu.Unlock()
		}
	})
	signal(t, sfuOut, sub)

	select {
	case <-got:
	case <-ctx.Done():
		mu.Lock()
		t.Fatalf("dropped packet %d never retransmitted (received %d packets, stats %+v, up %+v, bound %v)",
			dropped.Load(), len(seen), down.Stats(), up.Stats(), down.bind.Load() != nil)
	}
	rtxSSRC := down.rtxSSRCForTest()
	stop()
	closeAll()
	down.Close()
	up.Close()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	for s := first; s != last; s++ {
		if seen[s] == 0 {
			t.Fatalf("sequence number %d missing between %d and %d", s, first, last)
		}
	}
	st := down.Stats()
	if st.Retransmits < 1 || st.NACKs < 1 {
		t.Fatalf("stats %+v: want a NACK and a retransmission", st)
	}
	t.Logf("down %+v, RTX ssrc %d", st, rtxSSRC)
	if rtxSSRC == 0 {
		t.Error("RTX was not negotiated for the subscriber")
	}
	if us := up.Stats(); us.Packets == 0 {
		t.Fatalf("up stats %+v", us)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("test ran out of time")
	}
}
