package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/sip"
)

// The HTTP side of `ensemble sip` (--http, sip.http): /readyz and /metrics
// as ensemble serve shows them for its own bridge, and the dial-out
// endpoint a server configured with sip.bridge_url calls (sipremote.go):
//
//	POST   /bridge/v1/rooms/{room}/calls       {"uri":"sip:...","name":"..."}
//	       201, then the call's states as JSON lines (application/x-ndjson),
//	       the first "dialing", until a final one (busy, no_answer, failed,
//	       ended) ends the response
//	DELETE /bridge/v1/rooms/{room}/calls/{id}  204, or 404 for no such call
//
// Each needs a bearer token signed with the bridge's API key (--api-key) that
// may administer the room (room_admin, for it or server-wide): the server
// signs one with the same key, so no other secret is shared. Progress rides
// on the response the server holds open, so that the bridge needs no way to
// reach the server beyond the one it already has, and no state survives a
// lost server.
const bridgeCallsPath = "/bridge/v1/rooms/{room}/calls"

// serveSIPBridgeHTTP runs the bridge and its HTTP listener at addr until ctx
// ends or either fails.
func serveSIPBridgeHTTP(ctx context.Context, b *sip.Bridge, addr string, keys auth.Keys, progress *dialProgress, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sip bridge http: %w", err)
	}
	reg := prometheus.NewRegistry()
	for _, c := range append(b.Collectors(), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})) {
		if err := reg.Register(c); err != nil {
			_ = ln.Close()
			return fmt.Errorf("sip bridge metrics: %w", err)
		}
	}
	h := &bridgeHTTP{b: b, verifier: auth.NewVerifier(keys), progress: progress, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", h.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("POST "+bridgeCallsPath, h.dial)
	mux.HandleFunc("DELETE "+bridgeCallsPath+"/{id}", h.hangUp)
	// No write timeout: a dial's response lasts as long as its call.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("sip bridge http", "addr", ln.Addr().String())

	bctx, stopBridge := context.WithCancel(ctx)
	defer stopBridge()
	served := make(chan error, 1)
	bridged := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	go func() { bridged <- b.Serve(bctx) }()
	var first error
	select {
	case <-ctx.Done():
	case err := <-served:
		first = fmt.Errorf("sip bridge http: %w", err)
	case err := <-bridged:
		bridged <- err
		first = err
	}
	// The bridge first: its calls end, which ends the dial responses.
	stopBridge()
	bridgeErr := <-bridged
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	if first == nil && !errors.Is(bridgeErr, context.Canceled) {
		first = bridgeErr
	}
	return first
}

type bridgeHTTP struct {
	b        *sip.Bridge
	verifier *auth.Verifier
	progress *dialProgress
	log      *slog.Logger
}

func (h *bridgeHTTP) readyz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "ready", "sip": sipReadyDetail(h.b)()})
}

// authorized checks the request's bearer token: the bridge's key, room_admin
// for room.
func (h *bridgeHTTP) authorized(w http.ResponseWriter, r *http.Request, room string) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		http.Error(w, `Authorization header must be "Bearer <token>"`, http.StatusUnauthorized)
		return false
	}
	claims, err := h.verifier.Verify(token)
	if err == nil {
		err = claims.CheckGrant(auth.GrantRoomAdmin)
	}
	if err == nil {
		err = claims.CheckRoom(room)
	}
	if err != nil {
		status := http.StatusUnauthorized
		var ae *auth.Error
		if errors.As(err, &ae) {
			status = ae.HTTPStatus
		}
		h.log.Warn("sip bridge http: refused", "path", r.URL.Path, "err", err)
		http.Error(w, err.Error(), status)
		return false
	}
	return true
}

func (h *bridgeHTTP) dial(w http.ResponseWriter, r *http.Request) {
	room := r.PathValue("room")
	if !h.authorized(w, r, room) {
		return
	}
	var in struct {
		URI  string `json:"uri"`
		Name string `json:"name"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
		return
	}
	d, err := h.b.Dial(room, in.URI, in.Name)
	switch {
	case errors.Is(err, sip.ErrBadRequest):
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	states, stop := h.progress.subscribe(d.ID)
	defer func() { stop(finalDialState(d.State)) }()
	h.log.Info("sip call placed for the server", "room", room, "uri", in.URI, "dial_id", d.ID)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusCreated)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	for {
		if enc.Encode(d) != nil || rc.Flush() != nil {
			return // the server went away; the call goes on until hung up
		}
		if finalDialState(d.State) {
			return
		}
		select {
		case d = <-states:
		case <-r.Context().Done():
			return
		}
	}
}

func (h *bridgeHTTP) hangUp(w http.ResponseWriter, r *http.Request) {
	room := r.PathValue("room")
	if !h.authorized(w, r, room) {
		return
	}
	if err := h.b.HangUp(room, r.PathValue("id")); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// finalDialState: nothing follows it.
func finalDialState(s sip.DialState) bool {
	switch s {
	case sip.DialBusy, sip.DialNoAnswer, sip.DialFailed, sip.DialEnded:
		return true
	}
	return false
}
