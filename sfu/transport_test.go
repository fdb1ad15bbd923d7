package sfu

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// A client that can only use TCP reaches the server through the ICE-TCP port.
func TestICETCP(t *testing.T) {
	e := newTestEngine(t)
	if e.TCPAddr() == nil || e.TCPAddr().Port == 0 {
		t.Fatalf("TCPAddr = %v", e.TCPAddr())
	}
	room, _ := e.GetOrCreateRoom("tcp")
	tcpOnly := newClientAPI(webrtc.NetworkTypeTCP4)
	a := joinClientAPI(t, room, "alice", tcpOnly)
	b := joinClientAPI(t, room, "bob", tcpOnly)
	a.publish("mic", vocab.KindAudio)
	a.negotiatePublisher(false)
	b.waitPackets(a.p.SID(), 1, 20)
}

// All media shares the one UDP port; NAT 1:1 IPs replace the host address in
// the server's candidates.
func TestOnePortAndNAT1To1(t *testing.T) {
	e := newTestEngine(t, func(c *Config) {
		c.NAT1To1IPs = []string{"203.0.113.7"}
		c.TCPPort = -1
	})
	if e.TCPAddr() != nil {
		t.Errorf("TCP not disabled: %v", e.TCPAddr())
	}
	room, _ := e.GetOrCreateRoom("nat")
	p, err := room.Join(JoinParams{Identity: "x", Sink: newEventLog(), Permissions: vocab.Permissions{CanPublish: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(vocab.ReasonClientLeft)
	client, err := newClientAPI().NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.GracefulClose() }()
	if _, err := client.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer, _ := client.CreateOffer(nil)
	_ = client.SetLocalDescription(offer)
	answer, err := p.HandleOffer(offer.SDP)
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(e.UDPAddr().Port)
	var cands []string
	for _, line := range strings.Split(answer, "\r\n") {
		if strings.HasPrefix(line, "a=candidate:") {
			cands = append(cands, line)
		}
	}
	if len(cands) == 0 {
		t.Fatalf("no candidates in the answer:\n%s", answer)
	}
	for _, c := range cands {
		if !strings.Contains(c, " 203.0.113.7 "+port+" ") || !strings.Contains(c, "udp") {
			t.Errorf("candidate %q: want udp 203.0.113.7:%s", c, port)
		}
	}
}

func TestNewEngineRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{BindIP: "not-an-ip"},
		{BindIP: "127.0.0.1", UDPPort: 70000},
		{BindIP: "127.0.0.1", TCPPort: -2},
	} {
		if _, err := NewEngine(context.Background(), cfg); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("NewEngine(%+v) = %v, want ErrInvalidArgument", cfg, err)
		}
	}
	// A port in use is a clear error.
	busy, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, err = NewEngine(context.Background(), Config{BindIP: "127.0.0.1", UDPPort: busy.LocalAddr().(*net.UDPAddr).Port})
	if err == nil || !strings.Contains(err.Error(), "listen udp") {
		t.Errorf("NewEngine on a busy port = %v", err)
	}
}

// The engine closes itself when its context ends.
func TestEngineStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	e, err := NewEngine(ctx, Config{BindIP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	room, _ := e.GetOrCreateRoom("r")
	sink := newEventLog()
	p, err := room.Join(JoinParams{Identity: "a", Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	<-p.Done()
	_ = e.Close()
	if _, err := e.GetOrCreateRoom("r2"); !errors.Is(err, ErrEngineClosed) {
		t.Errorf("after context end: %v", err)
	}
}
