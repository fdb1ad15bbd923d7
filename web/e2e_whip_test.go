package web_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/conformance"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/whip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// An encoder that is neither Pion nor a browser (aiortc, written from RFC 9725)
// publishes by WHIP; a browser in the room sees the ingress and decodes its
// video and audio. The encoder's trickle PATCH and DELETE are answered as the
// RFC says.
func TestE2EWHIPEncoderReachesABrowser(t *testing.T) {
	conformance.Python(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
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
	srv := startServer(t, servertest.WithHandler("/whip/", build), servertest.WithHandler("/whep/", build))
	t.Cleanup(h.Close)
	b := startBrowser(t, ctx)
	const room = "broadcast"
	viewer := b.newPage("viewer", true)
	viewer.joinWith(srv.URL, room, "Viewer", false)

	tok := srv.TokenWith(auth.TokenParams{Identity: "obs", Name: "Studio", Room: room, Kind: vocab.ParticipantIngress,
		Grants: auth.Grants{Join: true, Publish: true}, TTL: e2eTimeout})
	enc := conformance.Run(t, ctx, "whip_publish.py", "--endpoint", srv.URL+"/whip/"+room, "--token", tok, "--seconds", "60")
	viewer.waitMediaFrom(1, e2eTimeout/2)
	live, _ := srv.Engine.Room(room)
	ingress, ok := live.Participant("obs")
	if !ok {
		t.Fatal("no participant obs in the room")
	}
	if k := ingress.Info().Kind; k != vocab.ParticipantIngress {
		t.Errorf("the encoder is a participant of kind %q, want ingress", k)
	}
	tile := fmt.Sprintf(`document.querySelector('.tile[data-key^="%s:"]')`, ingress.SID())
	viewer.waitJS("the encoder's tile", tile, 10*time.Second)
	enc.Stop()
	var r struct {
		TrickleStatus int      `json:"trickle_status"`
		Errors        []string `json:"errors"`
	}
	enc.Result(t, &r)
	if r.TrickleStatus != http.StatusNoContent || len(r.Errors) > 0 {
		t.Errorf("encoder: trickle PATCH %d, errors %v", r.TrickleStatus, r.Errors)
	}
	viewer.waitJS("the encoder's tile gone after its DELETE", "!"+tile, 10*time.Second)
}
