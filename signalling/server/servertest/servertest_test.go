package servertest_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartServesAndCleansUp(t *testing.T) {
	var mounted bool
	srv := servertest.Start(t, servertest.WithHandler("/api/", func(s *servertest.Server) http.Handler {
		mounted = s.Engine != nil && s.APISecret != ""
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "api") })
	}))
	if !mounted {
		t.Fatal("WithHandler's builder did not get the started server")
	}
	resp, err := http.Get(srv.URL + "/api/rooms")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "api" {
		t.Errorf("/api/rooms = %q, want the mounted handler", body)
	}

	claims, err := srv.Verifier.Verify(srv.Token("r", "alice", "join", "subscribe"))
	if err != nil {
		t.Fatal(err)
	}
	if claims.Room != "r" || claims.Identity() != "alice" || !claims.Grants.Join || claims.Grants.Publish {
		t.Errorf("token claims = %+v", claims)
	}
	if g := mustVerify(t, srv, srv.Token("r", "bob")).Grants; !g.Publish || !g.PublishData {
		t.Errorf("default grants = %+v", g)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, srv.RTCURL(srv.Token("r", "alice")), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if _, _, err := ws.Read(ctx); err != nil {
		t.Fatal(err)
	}
	// Cleanup closes the session and the engine; goleak checks nothing is left.
}

func mustVerify(t *testing.T, srv *servertest.Server, tok string) *auth.Claims {
	t.Helper()
	c, err := srv.Verifier.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
