package whip

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Media types of the two protocols.
const (
	sdpType     = "application/sdp"
	sdpfragType = "application/trickle-ice-sdpfrag"
)

// maxBodyBytes bounds an offer or a fragment (a browser's offer with three
// simulcast layers is under 10 KiB).
const maxBodyBytes = 64 << 10

// Config configures a Handler.
type Config struct {
	// Server admits the participants (drain, the room record's cap and lobby),
	// as at /rtc. Required.
	Server *server.Server
	// Verifier checks the bearer tokens. Required.
	Verifier *auth.Verifier
	// ICEServers are offered to clients in Link headers.
	ICEServers []protocol.ICEServer
	Logger     *slog.Logger // nil = slog.Default()
}

// Handler serves WHIP at /whip/ and WHEP at /whep/. Mount it on both prefixes.
type Handler struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux

	mu       sync.Mutex
	sessions map[string]*session // by id
	closed   bool
	wg       sync.WaitGroup // one watcher per session
}

// New builds a Handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Server == nil {
		return nil, ErrNoServer
	}
	if cfg.Verifier == nil {
		return nil, ErrNoVerifier
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), sessions: map[string]*session{}}
	for _, r := range Routes() {
		h.mux.HandleFunc(r.Method+" "+r.Pattern, r.serve(h))
	}
	return h, nil
}

// Route is one endpoint of the handler.
type Route struct {
	Method, Pattern string
	serve           func(*Handler) http.HandlerFunc
}

// Routes lists the endpoints (for documentation and tests).
func Routes() []Route {
	return []Route{
		{"POST", "/whip/{room}", func(h *Handler) http.HandlerFunc { return h.publish }},
		{"OPTIONS", "/whip/{room}", func(h *Handler) http.HandlerFunc { return h.options }},
		{"PATCH", "/whip/{room}/{session}", func(h *Handler) http.HandlerFunc { return h.patch }},
		{"DELETE", "/whip/{room}/{session}", func(h *Handler) http.HandlerFunc { return h.delete }},
		{"POST", "/whep/{room}/{target}", func(h *Handler) http.HandlerFunc { return h.watch }},
		{"OPTIONS", "/whep/{room}/{target}", func(h *Handler) http.HandlerFunc { return h.options }},
		{"PATCH", "/whep/{room}/{target}/{session}", func(h *Handler) http.HandlerFunc { return h.patch }},
		{"DELETE", "/whep/{room}/{target}/{session}", func(h *Handler) http.HandlerFunc { return h.delete }},
	}
}

// ServeHTTP serves the WHIP and WHEP routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// options answers a CORS or capability preflight: what the endpoint takes.
func (h *Handler) options(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "OPTIONS, POST")
	w.Header().Set("Accept-Post", sdpType)
	w.WriteHeader(http.StatusNoContent)
}

// checkToken verifies the bearer token for room: a refusal is written and nil
// returned.
func (h *Handler) checkToken(w http.ResponseWriter, r *http.Request, room string) *auth.Claims {
	v := r.Header.Get("Authorization")
	if len(v) < 7 || !strings.EqualFold(v[:7], "bearer ") {
		writeProblem(w, http.StatusUnauthorized, auth.CodeMissingToken, "an Authorization: Bearer <room token> header is required")
		return nil
	}
	claims, err := h.cfg.Verifier.Verify(strings.TrimSpace(v[7:]))
	if err == nil {
		err = claims.CheckJoin(room)
	}
	if err != nil {
		h.refuse(w, err)
		return nil
	}
	return claims
}

// refuse writes the refusal of a token check or an admission.
func (h *Handler) refuse(w http.ResponseWriter, err error) {
	status, code, msg := server.Refusal(err)
	writeProblem(w, status, code, msg)
}

// readBody checks the content type and reads a body of at most maxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request, want string) (string, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != want {
		writeProblem(w, http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			fmt.Sprintf("the body must be %s, not %q", want, r.Header.Get("Content-Type")))
		return "", false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeProblem(w, http.StatusRequestEntityTooLarge, codeBodyTooLarge, fmt.Sprintf("the body is larger than %d bytes", maxBodyBytes))
		return "", false
	case err != nil:
		writeProblem(w, http.StatusBadRequest, codeBadRequest, "reading the body: "+err.Error())
		return "", false
	case len(strings.TrimSpace(string(b))) == 0:
		writeProblem(w, http.StatusBadRequest, codeBadRequest, "the body is empty")
		return "", false
	}
	return string(b), true
}

// sessionPath is the resource URL of a session (the Location of its POST).
func sessionPath(r *http.Request, id string) string {
	return strings.TrimSuffix(r.URL.EscapedPath(), "/") + "/" + id
}

// Close ends every session (server_shutdown) and waits for their watchers.
func (h *Handler) Close() {
	h.mu.Lock()
	h.closed = true
	var all []*session
	for _, s := range h.sessions {
		all = append(all, s)
	}
	h.mu.Unlock()
	for _, s := range all {
		s.part.Close(vocab.ReasonServerShutdown)
	}
	h.wg.Wait()
}
