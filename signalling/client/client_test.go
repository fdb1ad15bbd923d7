package client

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"

	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRTCURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:7880", "ws://127.0.0.1:7880/rtc"},
		{"https://meet.example.org/", "wss://meet.example.org/rtc"},
		{"ws://h:1/rtc", "ws://h:1/rtc"},
		{"wss://h/base", "wss://h/base/rtc"},
	}
	for _, tt := range tests {
		got, err := rtcURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("rtcURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := rtcURL("ftp://h"); err == nil {
		t.Error("ftp:// accepted")
	}
}

func TestRefusalFromHTTPKeepsTheServerCode(t *testing.T) {
	tests := []struct {
		body     string
		code     string
		contains string
	}{
		{`{"code":"token_expired","message":"token expired at 10:00"}`, "token_expired", "10:00"},
		{`{"error":{"code":"room_full","message":"full"}}`, "room_full", "full"},
		{`gateway exploded`, "http_502", "gateway exploded"},
	}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: 502, Body: io.NopCloser(strings.NewReader(tt.body))}
		err := refusalFromHTTP("join", resp)
		if got := ErrorCode(err); got != tt.code {
			t.Errorf("body %q: code %q, want %q", tt.body, got, tt.code)
		}
		if !strings.Contains(err.Error(), tt.contains) {
			t.Errorf("body %q: error %q does not say %q", tt.body, err, tt.contains)
		}
	}
	if ErrorCode(errors.New("plain")) != "" || ErrorCode(nil) != "" {
		t.Error("ErrorCode of a non-server error is not empty")
	}
	wrapped := fmt.Errorf("outer: %w", &Error{Code: "x"})
	if ErrorCode(wrapped) != "x" {
		t.Error("ErrorCode does not unwrap")
	}
}

func TestNormaliseTrackOptions(t *testing.T) {
	o, err := normalise(TrackOptions{Source: vocab.SourceMicrophone})
	if err != nil || o.Kind != vocab.KindAudio || o.MimeType != webrtc.MimeTypeOpus {
		t.Errorf("microphone: %+v, %v", o, err)
	}
	o, err = normalise(TrackOptions{Layers: make([]vocab.LayerInfo, 3)})
	if err != nil || o.Source != vocab.SourceCamera || o.MimeType != webrtc.MimeTypeVP8 {
		t.Fatalf("default video: %+v, %v", o, err)
	}
	for i, want := range []struct {
		rid string
		q   vocab.Quality
	}{{"q", vocab.QualityLow}, {"h", vocab.QualityMedium}, {"f", vocab.QualityHigh}} {
		if o.Layers[i].RID != want.rid || o.Layers[i].Quality != want.q {
			t.Errorf("layer %d = %+v, want %s/%s", i, o.Layers[i], want.rid, want.q)
		}
	}
	o, _ = normalise(TrackOptions{Layers: make([]vocab.LayerInfo, 2)})
	if o.Layers[0].Quality != vocab.QualityMedium || o.Layers[1].Quality != vocab.QualityHigh {
		t.Errorf("two layers: %+v, want medium+high", o.Layers)
	}
	for name, bad := range map[string]TrackOptions{
		"four layers":     {Layers: make([]vocab.LayerInfo, 4)},
		"simulcast audio": {Source: vocab.SourceMicrophone, Layers: make([]vocab.LayerInfo, 2)},
		"unknown codec":   {MimeType: "video/AV2"},
	} {
		o, err := normalise(bad)
		if err == nil {
			_, err = codecFor(o)
		}
		if !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: %v, want ErrInvalidOptions", name, err)
		}
	}
}

func TestEventQueueNeverBlocksAndKeepsOrder(t *testing.T) {
	q := newEventQueue()
	done := make(chan struct{})
	go func() { q.run(); close(done) }()
	for i := range 1000 { // far more than the channel buffer, nobody reading yet
		q.push(DataReceived{Topic: fmt.Sprint(i)})
	}
	for i := range 1000 {
		ev := <-q.out
		if got := ev.(DataReceived).Topic; got != fmt.Sprint(i) {
			t.Fatalf("event %d is %s", i, got)
		}
	}
	q.push(Resumed{})
	close(q.stop)
	<-done
	for range q.out { // closed after stop; may or may not hold the last event
	}
}

// The Network loses what it is told to: chosen RTP packets, and everything while cut.
func TestNetworkLosesChosenPacketsAndCuts(t *testing.T) {
	n, err := NewNetwork()
	if err != nil {
		t.Fatal(err)
	}
	rx, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	tx, err := net.DialUDP("udp4", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()

	n.DropIncomingRTP(func(h *rtp.Header) bool { return h.SequenceNumber == 2 })
	send := func(seq uint16) {
		b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, SSRC: 1}, Payload: []byte{1}}).Marshal()
		if _, err := tx.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	recv := func() (uint16, bool) {
		buf := make([]byte, 1500)
		_ = rx.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		k, _, err := rx.ReadFrom(buf)
		if err != nil {
			return 0, false
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:k]); err != nil {
			t.Fatal(err)
		}
		return p.SequenceNumber, true
	}
	for seq := uint16(1); seq <= 3; seq++ {
		send(seq)
	}
	if s, ok := recv(); !ok || s != 1 {
		t.Fatalf("first packet: %d %v", s, ok)
	}
	if s, ok := recv(); !ok || s != 3 {
		t.Fatalf("second packet: %d %v, want 3 (2 dropped)", s, ok)
	}
	// STUN and RTCP are never taken for RTP.
	if isRTP([]byte{0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0}) || isRTP([]byte{0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0}) {
		t.Error("STUN or RTCP classified as RTP")
	}

	n.Cut(0)
	send(4)
	if _, ok := recv(); ok {
		t.Error("a packet passed a cut network")
	}
	if _, err := n.DialContext(t.Context(), "tcp", "127.0.0.1:1"); !errors.Is(err, ErrNetworkCut) {
		t.Errorf("dial through a cut network: %v", err)
	}
	n.Restore()
	send(5)
	if s, ok := recv(); !ok || s != 5 {
		t.Errorf("after restore: %d %v", s, ok)
	}
	if n.Dropped() != 2 {
		t.Errorf("dropped %d, want 2", n.Dropped())
	}
}
