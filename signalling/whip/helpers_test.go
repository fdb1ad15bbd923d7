package whip_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/whip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// start runs a server with the WHIP/WHEP handler mounted as cmd/ensemble does.
func start(t *testing.T, opts ...servertest.Option) *servertest.Server {
	t.Helper()
	var h *whip.Handler
	build := func(s *servertest.Server) http.Handler {
		if h == nil {
			var err error
			if h, err = whip.New(whip.Config{Server: s.Signalling, Verifier: s.Verifier, Logger: s.Logger}); err != nil {
				t.Fatal(err)
			}
		}
		return h
	}
	opts = append(opts, servertest.WithHandler("/whip/", build), servertest.WithHandler("/whep/", build))
	srv := servertest.Start(t, opts...)
	t.Cleanup(h.Close)
	return srv
}

// ingressToken is a token for a WHIP encoder.
func ingressToken(srv *servertest.Server, room, identity string) string {
	return srv.TokenWith(auth.TokenParams{Identity: identity, Name: identity, Room: room, Kind: vocab.ParticipantIngress,
		Grants: auth.Grants{Join: true, Publish: true}, TTL: time.Hour})
}

// request sends one HTTP request and returns the response with its body read.
func request(t *testing.T, method, url, token, contentType, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// peer is a Pion peer connection standing for an encoder (WHIP) or a player
// (WHEP), written from the RFC: it offers with all its candidates, POSTs the
// offer and applies the answer.
type peer struct {
	t        *testing.T
	pc       *webrtc.PeerConnection
	location string // the session URL
	etag     string
	answer   string

	received atomic.Int64 // RTP packets received (a player)
	ids      *streamIDs
	wg       sync.WaitGroup
	cancel   context.CancelFunc
}

func newPeer(t *testing.T) *peer {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	for _, uri := range []string{sdp.SDESMidURI, sdp.SDESRTPStreamIDURI, sdp.SDESRepairRTPStreamIDURI} {
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: uri}, webrtc.RTPCodecTypeVideo); err != nil {
			t.Fatal(err)
		}
	}
	ir := &interceptor.Registry{}
	ids := &streamIDs{bySSRC: map[uint32][2]string{}}
	ir.Add(ids)
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{BundlePolicy: webrtc.BundlePolicyMaxBundle})
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{t: t, pc: pc, ids: ids, cancel: func() {}}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			p.received.Add(1)
		}
	})
	t.Cleanup(func() {
		p.cancel()
		_ = pc.Close()
		p.wg.Wait()
	})
	return p
}

// sendClip adds a send-only track playing c (one stream per clip: several
// clips are simulcast layers q, h, f, lowest first).
func (p *peer) sendClip(kind webrtc.RTPCodecType, clips ...*clip.Clip) {
	p.t.Helper()
	rids := []string{"q", "h", "f"}
	var tracks []*webrtc.TrackLocalStaticSample
	for i, c := range clips {
		var opts []func(*webrtc.TrackLocalStaticRTP)
		if len(clips) > 1 {
			opts = append(opts, webrtc.WithRTPStreamID(rids[i]))
		}
		tr, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: c.MimeType}, kind.String(), "encoder", opts...)
		if err != nil {
			p.t.Fatal(err)
		}
		tracks = append(tracks, tr)
	}
	tc, err := p.pc.AddTransceiverFromTrack(tracks[0], webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		p.t.Fatal(err)
	}
	for _, tr := range tracks[1:] {
		if err := tc.Sender().AddEncoding(tr); err != nil {
			p.t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	prev := p.cancel
	p.cancel = func() { prev(); cancel() }
	p.t.Cleanup(cancel)
	p.wg.Add(1)
	go func() { // RTCP must be read for the interceptors (NACK, PLI) to work
		defer p.wg.Done()
		for {
			if _, _, err := tc.Sender().ReadRTCP(); err != nil {
				return
			}
		}
	}()
	for i, tr := range tracks {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			loop := clips[i].Loop()
			tick := time.NewTimer(0)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				f := loop.Next()
				_ = tr.WriteSample(media.Sample{Data: f.Data, Duration: f.Duration})
				tick.Reset(f.Duration)
			}
		}()
	}
}

// receive adds a receive-only section of kind (a player).
func (p *peer) receive(kind webrtc.RTPCodecType) {
	p.t.Helper()
	if _, err := p.pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		p.t.Fatal(err)
	}
}

// offer makes the offer with every candidate in it (no trickle).
func (p *peer) offer() string {
	p.t.Helper()
	o, err := p.pc.CreateOffer(nil)
	if err != nil {
		p.t.Fatal(err)
	}
	done := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(o); err != nil {
		p.t.Fatal(err)
	}
	<-done
	p.ids.learn(p.pc)
	return p.pc.LocalDescription().SDP
}

// post POSTs the offer to url and applies the answer; it fails the test unless
// the server answers 201 as RFC 9725 says.
func (p *peer) post(url, token string) {
	p.t.Helper()
	p.postOffer(url, token, p.offer())
}

// postOffer is post with an offer already made.
func (p *peer) postOffer(url, token, offer string) {
	p.t.Helper()
	resp, body := request(p.t, "POST", url, token, "application/sdp", offer)
	if resp.StatusCode != http.StatusCreated {
		p.t.Fatalf("POST %s: %s %s", url, resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/sdp" {
		p.t.Fatalf("answer content type %q", ct)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, strings.TrimPrefix(url, p.serverRoot(url))+"/") {
		p.t.Fatalf("Location %q is not under %s", loc, url)
	}
	p.location = p.serverRoot(url) + loc
	p.etag = resp.Header.Get("ETag")
	if p.etag == "" {
		p.t.Fatal("no ETag on the 201")
	}
	p.answer = body
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: body}); err != nil {
		p.t.Fatal(err)
	}
}

func (p *peer) serverRoot(url string) string {
	i := strings.Index(url, "/wh")
	return url[:i]
}

// waitConnected waits for the peer connection to connect.
func (p *peer) waitConnected() {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for p.pc.ConnectionState() != webrtc.PeerConnectionStateConnected {
		if time.Now().After(deadline) {
			p.t.Fatalf("peer connection %s after 20 s", p.pc.ConnectionState())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFor waits for cond, failing with what after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// streamIDs writes the MID and RID header extensions on outgoing RTP, which Pion
// leaves to the application and a simulcast receiver needs (an encoder does it).
type streamIDs struct {
	interceptor.NoOp
	mu     sync.Mutex
	bySSRC map[uint32][2]string // mid, rid
}

func (s *streamIDs) NewInterceptor(string) (interceptor.Interceptor, error) { return s, nil }

func (s *streamIDs) learn(pc *webrtc.PeerConnection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tr := range pc.GetTransceivers() {
		if tr.Sender() == nil {
			continue
		}
		for _, enc := range tr.Sender().GetParameters().Encodings {
			s.bySSRC[uint32(enc.SSRC)] = [2]string{tr.Mid(), enc.RID}
		}
	}
}

func (s *streamIDs) BindLocalStream(info *interceptor.StreamInfo, next interceptor.RTPWriter) interceptor.RTPWriter {
	var ext [2]uint8
	for _, e := range info.RTPHeaderExtensions {
		switch e.URI {
		case sdp.SDESMidURI:
			ext[0] = uint8(e.ID)
		case sdp.SDESRTPStreamIDURI:
			ext[1] = uint8(e.ID)
		}
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		s.mu.Lock()
		id := s.bySSRC[h.SSRC]
		s.mu.Unlock()
		for i, v := range id {
			if ext[i] != 0 && v != "" {
				_ = h.SetExtension(ext[i], []byte(v))
			}
		}
		return next.Write(h, payload, a)
	})
}

// restartICE restarts ICE as RFC 9725 §4.3.2 says: a restart offer made locally,
// its new credentials and candidates PATCHed with If-Match "*", the server's new
// ones (200, new ETag) applied to the last answer.
func (p *peer) restartICE(token string) {
	p.t.Helper()
	oldServerUfrag := ufrag(p.t, p.answer)
	restartOffer, err := p.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: true})
	if err != nil {
		p.t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(restartOffer); err != nil {
		p.t.Fatal(err)
	}
	<-gathered
	local := p.pc.LocalDescription().SDP
	frag := fmt.Sprintf("a=ice-ufrag:%s\r\na=ice-pwd:%s\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:%s\r\na=%s\r\na=end-of-candidates\r\n",
		ufrag(p.t, local), attr(p.t, local, "ice-pwd"), attr(p.t, local, "mid"), firstCandidate(p.t, local))
	resp, body := request(p.t, "PATCH", p.location, token, "application/trickle-ice-sdpfrag", frag, "If-Match", "*")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/trickle-ice-sdpfrag" {
		p.t.Fatalf("ICE restart PATCH: %s (%s) %s", resp.Status, resp.Header.Get("Content-Type"), body)
	}
	if e := resp.Header.Get("ETag"); e == "" || e == p.etag {
		p.t.Errorf("ETag after the restart %q (before %q): want a new one", e, p.etag)
	}
	p.etag = resp.Header.Get("ETag")
	newUfrag := ufrag(p.t, body)
	if newUfrag == oldServerUfrag {
		p.t.Fatalf("the server kept its ICE credentials %q across the restart", newUfrag)
	}
	p.answer = withICE(p.answer, newUfrag, attr(p.t, body, "ice-pwd"), candidates(body))
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: p.answer}); err != nil {
		p.t.Fatal(err)
	}
}
