package client

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
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
			_, err = pickCodec(allCodecs, o.MimeType, o.FmtpLine)
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
