package sip_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/ensemble-sfu/ensemble/signalling/api"
	"github.com/ensemble-sfu/ensemble/signalling/apiclient"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/sip"
	"github.com/ensemble-sfu/ensemble/sip/internal/codec"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// env is a real server with its room API and a store, and a SIP bridge in
// front of it that finds meetings through that API.
type env struct {
	srv    *servertest.Server
	bridge *sip.Bridge
	api    *apiclient.Client
}

func newEnv(t *testing.T, tune func(*sip.Config), server ...func(st store.Store) servertest.Option) *env {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opts := []servertest.Option{servertest.WithHandler("/api/", func(s *servertest.Server) http.Handler {
		return api.New(api.Deps{Engine: s.Engine, Store: st, Verifier: s.Verifier, Keys: s.Keys(), SIPDomain: "sip.test"})
	})}
	for _, o := range server {
		opts = append(opts, o(st))
	}
	srv := servertest.Start(t, opts...)
	cfg := sip.Config{Listen: "127.0.0.1:0", Domain: "sip.test", Transports: []string{"udp", "tcp"},
		URL: srv.URL, APIKey: srv.APIKey, APISecret: srv.APISecret}
	if tune != nil {
		tune(&cfg)
	}
	b, err := sip.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- b.Serve(context.Background()) }()
	t.Cleanup(func() {
		b.Close()
		if err := <-served; err != nil {
			t.Errorf("bridge: %v", err)
		}
	})
	admin := &apiclient.Client{BaseURL: srv.URL, Token: srv.Token("", "admin", "room_admin", "room_list", "room_create")}
	return &env{srv: srv, bridge: b, api: admin}
}

// meeting schedules a meeting and returns its room and SIP number.
func (e *env) meeting(t *testing.T) (room, number string) {
	t.Helper()
	v, _, err := e.api.CreateMeeting(t.Context(), apiwire.CreateMeetingRequest{
		Title: "SIP test", Start: "2026-12-01T10:00:00Z", End: "2026-12-01T11:00:00Z"}, "")
	if err != nil {
		t.Fatal(err)
	}
	return v.Room, v.SIPID
}

// joinListener joins room as a Go client that hears the SIP participant: it
// returns a channel of the SIP track's decoded 48 kHz audio, frame by frame.
func (e *env) joinListener(t *testing.T, ctx context.Context, room string) (*client.Client, <-chan []int16) {
	t.Helper()
	c, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, "alice"), client.WithCodecs(webrtc.MimeTypeOpus))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	frames := make(chan []int16, 1000)
	go func() {
		for ev := range c.Events() {
			sub, ok := ev.(client.TrackSubscribed)
			if !ok {
				continue
			}
			p, _ := sub.Track.Participant()
			if sub.Track.Kind() != vocab.KindAudio || p.Kind != vocab.ParticipantSIP {
				sub.Track.Discard()
				continue
			}
			go decodeTrack(sub.Track, frames)
		}
	}()
	return c, frames
}

func decodeTrack(t *client.RemoteTrack, frames chan<- []int16) {
	dec, err := codec.NewOpusDecoder(48000)
	if err != nil {
		return
	}
	defer dec.Close()
	pcm := make([]int16, 5760)
	for {
		p, err := t.ReadPacket()
		if err != nil {
			return
		}
		n, err := dec.Decode(p.Payload, pcm)
		if err != nil {
			continue
		}
		select {
		case frames <- append([]int16(nil), pcm[:n]...):
		default:
		}
	}
}

// publishTone publishes a 440 Hz Opus tone from c until ctx ends.
func publishTone(t *testing.T, ctx context.Context, c *client.Client, freq float64) {
	t.Helper()
	mic, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone, MimeType: webrtc.MimeTypeOpus})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := codec.NewOpusEncoder(48000)
	if err != nil {
		t.Fatal(err)
	}
	src := &tone.Sine{Freq: freq, Rate: 48000, Amplitude: 8000}
	go func() {
		defer enc.Close()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			payload, err := enc.Encode(src.Next(960))
			if err != nil {
				return
			}
			_ = mic.WriteSample(0, media.Sample{Data: payload, Duration: 20 * time.Millisecond})
		}
	}()
}

// collect gathers n samples of frames that carry sound (past the start, where
// codecs and jitter buffers settle).
func collect(ctx context.Context, frames <-chan []int16, n int) ([]int16, error) {
	var out []int16
	skip := 25 // half a second
	for len(out) < n {
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case f := <-frames:
			if tone.RMS(f) < 100 {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			out = append(out, f...)
		}
	}
	return out, nil
}
