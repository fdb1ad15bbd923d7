package sfu

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// TestStuckTCPSubscriberStallsAlone: a subscriber over ICE-TCP stops reading
// its socket. The other subscribers of the same video keep receiving what the
// publisher sends; the stuck one is told its video is paused ("stalled"), and
// once it reads again it is told and gets the video again.
func TestStuckTCPSubscriberStallsAlone(t *testing.T) {
	e := newTestEngine(t)
	smallSendBuffers(t, e)
	room, _ := e.GetOrCreateRoom("stall")
	proxy := newPausableProxy(t, e.TCPAddr().String())

	alice := joinClient(t, room, "alice")
	bob := joinClient(t, room, "bob")
	carol := joinClient(t, room, "carol")
	serverPort := " " + strconv.Itoa(e.TCPAddr().Port) + " typ host tcptype passive"
	proxyPort := " " + strconv.Itoa(proxy.port()) + " typ host tcptype passive"
	dave := joinClientAPI(t, room, "dave", newClientAPI(webrtc.NetworkTypeTCP4), func(jp *JoinParams) {
		// A recorder: the allocator gives it every track whatever its
		// estimate, which its stall lowers; a standard participant's video
		// would stay paused for bandwidth after the stall until a probe
		// finds the link again, the allocator's subject, not this test's.
		jp.Kind = vocab.ParticipantRecorder
		// dave reaches the server's ICE-TCP port through the proxy.
		jp.Sink = rewritingSink{next: jp.Sink, rewrite: func(s string) string {
			return strings.ReplaceAll(s, serverPort, proxyPort)
		}}
	})

	info := alice.publishBigVideo("cam")
	alice.negotiatePublisher(false)
	for _, c := range []*testClient{bob, carol, dave} {
		c.waitPackets(alice.p.SID(), 1, 100)
	}
	if proxy.connections() == 0 {
		t.Fatal("dave's media does not go through the proxy")
	}
	_, track := room.findTrack(info.SID)
	published := func() int64 { return int64(track.up.Load().Stats().Packets) }

	start := time.Now()
	proxy.pause()
	isStalled := func(ev Event) bool {
		l, ok := ev.(SubscriptionLayer)
		return ok && l.TrackSID == info.SID && l.Paused && l.Reason == vocab.LayerStalled
	}
	dave.waitEvent("subscription_layer paused, stalled", isStalled)
	t.Logf("dave told of the stall %v after the proxy stopped reading", time.Since(start).Round(time.Millisecond))

	// While dave is stuck, bob and carol get what alice sends.
	from, bobFrom, carolFrom := published(), bob.packetsFrom(alice.p.SID()), carol.packetsFrom(alice.p.SID())
	waitUntil(t, "bob and carol keep receiving while dave is stuck", func() bool {
		sent := published() - from
		return sent >= 400 && bob.packetsFrom(alice.p.SID())-bobFrom >= sent*9/10 &&
			carol.packetsFrom(alice.p.SID())-carolFrom >= sent*9/10
	}, func() string {
		return fmt.Sprintf("published %d, bob got %d, carol got %d", published()-from,
			bob.packetsFrom(alice.p.SID())-bobFrom, carol.packetsFrom(alice.p.SID())-carolFrom)
	})

	t.Logf("while dave is stuck: published %d, bob got %d, carol got %d", published()-from,
		bob.packetsFrom(alice.p.SID())-bobFrom, carol.packetsFrom(alice.p.SID())-carolFrom)
	stalledEvents := len(dave.log.all())
	daveFrom := dave.packetsFrom(alice.p.SID())
	start = time.Now()
	proxy.resume()
	waitUntil(t, "dave told that the video resumes", func() bool {
		for _, ev := range dave.log.all()[stalledEvents:] {
			if l, ok := ev.(SubscriptionLayer); ok && l.TrackSID == info.SID && !l.Paused {
				return true
			}
		}
		return false
	}, func() string {
		dave.p.mu.Lock()
		sub := dave.p.subs[info.SID]
		dave.p.mu.Unlock()
		return fmt.Sprintf("events %s; server side %+v; dave got %d", describe(dave.log.all()[stalledEvents:]), sub.down.Stats(),
			dave.packetsFrom(alice.p.SID())-daveFrom)
	})
	t.Logf("dave told of the resume %v after the proxy reads again", time.Since(start).Round(time.Millisecond))
	waitUntil(t, "dave receives again", func() bool { return dave.packetsFrom(alice.p.SID())-daveFrom >= 300 },
		func() string { return fmt.Sprint("dave got ", dave.packetsFrom(alice.p.SID())-daveFrom) })
}

// smallSendBuffers gives the server's ICE-TCP sockets (accepted sockets
// inherit the listener's) a small kernel send buffer, so that a subscriber
// that stops reading blocks the server's writes after tens of kB rather than
// the few MB the kernel's autotuning may grant on loopback.
func smallSendBuffers(t *testing.T, e *Engine) {
	t.Helper()
	ln, ok := e.tcpLn.(*net.TCPListener)
	if !ok {
		t.Fatalf("ICE-TCP listener is a %T", e.tcpLn)
	}
	rc, err := ln.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var sockErr error
	if err := rc.Control(func(fd uintptr) {
		sockErr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 16<<10)
	}); err != nil || sockErr != nil {
		t.Fatalf("SO_SNDBUF: %v %v", err, sockErr)
	}
}

// waitUntil waits for cond, failing with what and state() after testTimeout×2.
func waitUntil(t *testing.T, what string, cond func() bool, state func() string) {
	t.Helper()
	deadline := time.Now().Add(2 * testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s (%s)", what, state())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rewritingSink rewrites the server's subscriber offers and candidates before
// the client sees them.
type rewritingSink struct {
	next    EventSink
	rewrite func(string) string
}

func (s rewritingSink) Send(ev Event) {
	switch e := ev.(type) {
	case SubscriberOffer:
		e.SDP = s.rewrite(e.SDP)
		ev = e
	case ICECandidateEvent:
		e.Candidate.Candidate = s.rewrite(e.Candidate.Candidate)
		ev = e
	}
	s.next.Send(ev)
}

// publishBigVideo publishes a VP8 track of 8 kB frames at 30 frames/s (about
// 2 Mbit/s, 210 packets/s: within the allocator's first estimate), a key
// frame every second, until the client closes: enough to fill a TCP socket
// nobody reads within seconds.
func (c *testClient) publishBigVideo(clientID string) vocab.TrackInfo {
	c.t.Helper()
	info, err := c.p.AddTrack(clientID, TrackRequest{Name: clientID, Kind: vocab.KindVideo, Source: vocab.SourceCamera,
		Width: 320, Height: 240})
	if err != nil {
		c.t.Fatalf("%s AddTrack: %v", c.name, err)
	}
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, clientID, "stream-"+c.name)
	if err != nil {
		c.t.Fatal(err)
	}
	sender, err := c.pub.AddTrack(track)
	if err != nil {
		c.t.Fatal(err)
	}
	c.wg.Add(2)
	go func() {
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
		const interval = 33 * time.Millisecond
		tick := time.NewTicker(interval)
		defer tick.Stop()
		key, delta := bigVP8Frame(true), bigVP8Frame(false)
		for n := 0; ; n++ {
			select {
			case <-c.stop:
				return
			case <-tick.C:
			}
			f := delta
			if n%30 == 0 {
				f = key
			}
			_ = track.WriteSample(media.Sample{Data: f, Duration: interval})
		}
	}()
	return info
}

func bigVP8Frame(key bool) []byte {
	f := make([]byte, 8000)
	copy(f, vp8Frame(key)[:10])
	for i := 10; i < len(f); i++ {
		f[i] = byte(i)
	}
	return f
}

// pausableProxy forwards TCP connections to a server; paused, it stops
// reading what the server sends, like a client that stopped reading its
// socket.
type pausableProxy struct {
	t  *testing.T
	ln net.Listener
	to string

	mu      sync.Mutex
	conns   []net.Conn
	paused  bool
	resumed chan struct{} // closed by resume
	wg      sync.WaitGroup
}

func newPausableProxy(t *testing.T, to string) *pausableProxy {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pausableProxy{t: t, ln: ln, to: to, resumed: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *pausableProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *pausableProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp4", p.to)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			_, _ = io.Copy(server, client)
			_ = server.Close()
		}()
		go func() {
			defer p.wg.Done()
			p.copyPausable(client, server)
			_ = client.Close()
		}()
	}
}

// copyPausable copies from server to client, not reading while paused.
func (p *pausableProxy) copyPausable(client, server net.Conn) {
	buf := make([]byte, 2048)
	for {
		p.mu.Lock()
		paused, resumed := p.paused, p.resumed
		p.mu.Unlock()
		if paused {
			<-resumed
			continue
		}
		n, err := server.Read(buf)
		if n > 0 {
			if _, werr := client.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *pausableProxy) connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns) / 2
}

func (p *pausableProxy) pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused, p.resumed = true, make(chan struct{})
}

func (p *pausableProxy) resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused {
		p.paused = false
		close(p.resumed)
	}
}

func (p *pausableProxy) close() {
	p.resume()
	_ = p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
