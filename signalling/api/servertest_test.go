package api

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ensemble-sfu/ensemble/signalling/apiclient"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// With the real signalling server: a client joined over /rtc is listed by the API,
// and removing it through the API ends its WebSocket session with reason "removed".
func TestAPIWithSignallingServer(t *testing.T) {
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := servertest.Start(t, servertest.WithHandler("/api/", func(s *servertest.Server) http.Handler {
		keys := auth.Keys{s.APIKey: s.APISecret}
		return New(Deps{Engine: s.Engine, Store: st, Verifier: auth.NewVerifier(keys), Keys: keys})
	}))
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()

	ws, _, err := websocket.Dial(ctx, srv.RTCURL(srv.Token("team", "alice")), nil)
	if err != nil {
		t.Fatalf("dial /rtc: %v", err)
	}
	defer ws.CloseNow()
	if env := readUntil(ctx, t, ws, protocol.TypeJoin); env == nil {
		t.Fatal("no join message")
	}
	cl := &apiclient.Client{BaseURL: srv.URL, Token: srv.Token("", "admin-cli", "room_admin", "room_list", "room_create")}
	ps, err := cl.ListParticipants(ctx, "team")
	if err != nil || len(ps) != 1 || ps[0].Identity != "alice" {
		t.Fatalf("participants %+v, %v", ps, err)
	}
	if err := cl.RemoveParticipant(ctx, "team", "alice"); err != nil {
		t.Fatal(err)
	}
	env := readUntil(ctx, t, ws, protocol.TypeClose)
	var ce protocol.CloseEvent
	if err := json.Unmarshal(env.Data, &ce); err != nil || ce.Reason != vocab.ReasonRemoved {
		t.Fatalf("close event %s, %v", env.Data, err)
	}
}

// readUntil reads messages until one of type typ (nil if the connection ends first).
func readUntil(ctx context.Context, t *testing.T, ws *websocket.Conn, typ string) *protocol.Envelope {
	t.Helper()
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
			return nil
		}
		var env protocol.Envelope
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("bad message %s: %v", b, err)
		}
		if env.Type == typ {
			return &env
		}
	}
}
