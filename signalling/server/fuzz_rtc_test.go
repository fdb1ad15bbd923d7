package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// FuzzRTCRequest sends arbitrary /rtc requests to the real server handler (real
// engine, bbolt store with a room capped at one participant that is full): any
// query string (access_token, room, protocol, resume, auto_subscribe...), a
// token chosen by cred (alice or bob in "team", bob in the full room "capped",
// or none) put in the query, in the Authorization header or replaced by the
// fuzzed authz header, and with or without the WebSocket upgrade headers
// (Sec-WebSocket-Key from the input). alice is connected, so that her session
// id is a valid resume target. Checked: nothing panics; every answer is a 4xx
// (a request that would be upgraded is skipped: the recorder cannot be
// hijacked) with a JSON body {"code","message"} whose code is set.
func FuzzRTCRequest(f *testing.F) {
	st, err := store.OpenBolt(filepath.Join(f.TempDir(), "rooms.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = st.Close() })
	if err := st.PutRoom(context.Background(), store.Room{Name: "capped", SID: "RM_capped", MaxParticipants: 1}); err != nil {
		f.Fatal(err)
	}
	// Pings every hour: the fuzzed sessions' clients stay silent and connected.
	srv := servertest.Start(f, servertest.WithLogger(slog.New(slog.DiscardHandler)), servertest.WithPingInterval(time.Hour),
		servertest.WithServerConfig(func(c *server.Config) { c.Store = st }))
	aliceSID := joinedSID(f, srv, srv.Token("team", "alice"))
	joinedSID(f, srv, srv.Token("capped", "carol"))
	tokens := []string{srv.Token("team", "alice"), srv.Token("team", "bob"), srv.Token("capped", "bob"), ""}
	h := srv.Signalling.Handler()

	validKey := base64.StdEncoding.EncodeToString(make([]byte, 16))
	f.Add("protocol=1", uint8(0), "", "", false)
	f.Add("resume="+aliceSID, uint8(0), "", "", false)
	f.Add("resume="+aliceSID, uint8(5), "", validKey+"x", true)
	f.Add("resume=PA_nobody&auto_subscribe=false", uint8(4), "", "", false)
	f.Add("room=other&protocol=1", uint8(1), "", "", false)
	f.Add("", uint8(2), "", "", false)
	f.Add("auto_subscribe=maybe", uint8(1), "", "", true)
	f.Add("auto_subscribe=false", uint8(1), "", "", true)
	f.Add("video_codecs=video/H264,h263", uint8(1), "", "", true)
	f.Add("resume="+aliceSID, uint8(0), "", "", true)
	f.Add("protocol=99", uint8(3), "Bearer x.y.z", "", false)
	f.Add("access_token=%zz&room=%00", uint8(3), "Basic abc", "", true)

	f.Fuzz(func(t *testing.T, query string, cred uint8, authz, key string, upgrade bool) {
		r := httptest.NewRequest(http.MethodGet, "/rtc", nil)
		r.URL.RawQuery = query
		tok := tokens[int(cred)%len(tokens)]
		switch (cred / 4) % 3 {
		case 0:
			if tok != "" {
				r.URL.RawQuery += "&access_token=" + tok
			}
		case 1:
			r.Header.Set("Authorization", "Bearer "+tok)
		case 2:
			r.Header.Set("Authorization", authz)
		}
		if upgrade {
			r.Header.Set("Upgrade", "websocket")
			r.Header.Set("Connection", "Upgrade")
			r.Header.Set("Sec-WebSocket-Version", "13")
			if key != "" {
				r.Header.Set("Sec-WebSocket-Key", key)
			}
			if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(key)); err == nil && len(k) == 16 {
				return // a valid handshake: the recorder cannot be hijacked
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code < 400 || w.Code >= 500 {
			t.Fatalf("?%s upgrade=%v: status %d, body %q", r.URL.RawQuery, upgrade, w.Code, w.Body)
		}
		var e struct{ Code, Message string }
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("?%s upgrade=%v: %d with Content-Type %q: %q", r.URL.RawQuery, upgrade, w.Code, ct, w.Body)
		}
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code == "" || e.Message == "" {
			t.Fatalf("?%s: %d with body %q (%v)", r.URL.RawQuery, w.Code, w.Body, err)
		}
	})
}

// joinedSID joins over a real WebSocket and returns the session id; the
// connection stays open until the fuzz target ends.
func joinedSID(f *testing.F, srv *servertest.Server, token string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, srv.RTCURL(token), nil)
	if err != nil {
		f.Fatalf("dial: %v", err)
	}
	f.Cleanup(func() { _ = ws.CloseNow() })
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			f.Fatalf("waiting for join: %v", err)
		}
		var env protocol.Envelope
		if err := json.Unmarshal(b, &env); err != nil {
			f.Fatal(err)
		}
		if env.Type != protocol.TypeJoin {
			continue
		}
		var join protocol.JoinResponse
		if err := json.Unmarshal(env.Data, &join); err != nil {
			f.Fatal(err)
		}
		return join.Participant.SID
	}
}
