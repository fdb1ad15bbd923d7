package conformance_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/internal/conformance"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/whip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// stunURL is handed out as an ICE server in Link headers (never contacted).
const stunURL = "stun:stun.example.org:3478"

// startWithWHIP starts a server with WHIP and WHEP mounted as cmd/ensemble does.
func startWithWHIP(t *testing.T) *servertest.Server {
	t.Helper()
	var h *whip.Handler
	build := func(s *servertest.Server) http.Handler {
		if h == nil {
			var err error
			h, err = whip.New(whip.Config{Server: s.Signalling, Verifier: s.Verifier, Logger: s.Logger,
				ICEServers: []protocol.ICEServer{{URLs: []string{stunURL}}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		return h
	}
	srv := servertest.Start(t, servertest.WithHandler("/whip/", build), servertest.WithHandler("/whep/", build))
	t.Cleanup(h.Close)
	return srv
}

// An aiortc WHEP player, written from the WHEP draft, watches a Go client's
// camera and microphone (by the publisher's identity) and decodes both; the
// server's ICE servers reach it as Link headers.
func TestAiortcWHEPPlayerWatchesAGoClient(t *testing.T) {
	conformance.Python(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv := startWithWHIP(t)
	pub, err := client.Join(ctx, srv.URL, srv.Token("show", "presenter"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	var wg sync.WaitGroup
	pctx, stop := context.WithCancel(ctx)
	t.Cleanup(func() { stop(); wg.Wait() })
	for _, tc := range []struct {
		source vocab.Source
		parse  func([]byte) (*clip.Clip, error)
		data   []byte
	}{
		{vocab.SourceCamera, clip.ParseIVF, clips.VP8Low},
		{vocab.SourceMicrophone, clip.ParseOgg, clips.Opus},
	} {
		c, err := tc.parse(tc.data)
		if err != nil {
			t.Fatal(err)
		}
		track, err := pub.PublishTrack(ctx, client.TrackOptions{Source: tc.source})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = clienttest.PlayClip(pctx, track, c) }()
	}
	// WHEP answers with the tracks live at the POST: wait for both.
	deadline := time.Now().Add(20 * time.Second)
	for !presenterLive(srv) {
		if time.Now().After(deadline) {
			t.Fatal("the presenter's tracks never went live")
		}
		time.Sleep(20 * time.Millisecond)
	}

	const seconds = 10
	player := conformance.Run(t, ctx, "whep_play.py", "--endpoint", srv.URL+"/whep/show/presenter",
		"--token", srv.Token("show", "player", "join", "subscribe", "hidden"), "--seconds", "10")
	var r struct {
		VideoFrames int      `json:"video_frames"`
		AudioFrames int      `json:"audio_frames"`
		Links       []string `json:"links"`
	}
	player.Result(t, &r)
	t.Logf("the player decoded %d video and %d audio frames in %d s", r.VideoFrames, r.AudioFrames, seconds)
	if r.VideoFrames < 100 || r.AudioFrames < 200 {
		t.Errorf("the player decoded %d video and %d audio frames in %d s; want at least 100 and 200 (the clips are 30 fps video, 50 audio packets a second)",
			r.VideoFrames, r.AudioFrames, seconds)
	}
	if !slices.Equal(r.Links, []string{stunURL}) {
		t.Errorf("ICE servers from the Link headers: %v, want [%s]", r.Links, stunURL)
	}
}

func presenterLive(srv *servertest.Server) bool {
	room, ok := srv.Engine.Room("show")
	if !ok {
		return false
	}
	for _, p := range room.Participants() {
		if p.Identity == "presenter" {
			return len(p.Tracks) == 2
		}
	}
	return false
}
