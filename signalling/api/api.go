package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ensemble-sfu/ensemble/cluster"
	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/lobby"
	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/oidcauth"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
)

// Deps are what the API works with. Engine, Store, Verifier and Keys are required.
type Deps struct {
	Engine   *sfu.Engine
	Store    store.Store
	Verifier *auth.Verifier
	// Keys sign guest tokens (the development key in --dev, else the first key by name).
	Keys auth.Keys
	// Dev lets anyone join any room as a guest (ensemble serve --dev).
	Dev bool
	// PublicURL is the base URL of the web app ("https://meet.example.com"): meeting
	// join links and the WebSocket URL given to guests derive from it. Empty: taken
	// from each request's Host.
	PublicURL string
	// SIPDomain gives meetings a SIP URI; PhoneNumber a dial-in number (telephony).
	SIPDomain, PhoneNumber string
	// Webhooks, when set, hear API actions that the sfu hooks do not report.
	Webhooks *webhook.Notifier
	// Lobby serves the lobby routes; nil answers them with 404 lobby_disabled.
	Lobby *lobby.Lobby
	// NodeID names this node in room views (the node hosting a live room); Nodes
	// lists the cluster's nodes (nil: a single node, listed alone).
	NodeID string
	Nodes  func(context.Context) ([]cluster.NodeInfo, error)
	// DrainNode starts draining the node with this id (this one: requests for
	// others are routed to them before the API sees them) and returns once it has
	// started; ErrUnknownNode for an id that is not this node. Nil: 501.
	DrainNode func(ctx context.Context, id string) error
	// Sessions, when set, are the signed-in people (OIDC): hosts use the /api/host/
	// routes, and an owner's guest join gets a room admin's token. Nil: no sign-in.
	Sessions *oidcauth.Auth
	// Recordings runs the recordings the API starts; nil answers the start and
	// stop routes with 503 recording_disabled.
	Recordings *jobs.Runner
	// SIP places calls for the sip-participants routes; nil answers them with
	// 404 sip_disabled.
	SIP SIPDialer
	// RelayedRemovalWait bounds how long the removal of a participant another
	// node serves waits for that node's confirmation (default 5 s).
	RelayedRemovalWait time.Duration
	Logger             *slog.Logger
}

// handler serves the API; one per server.
type handler struct {
	Deps
	log      *slog.Logger
	mux      *http.ServeMux
	meetings meeting.Config
}

// New returns the handler of every route under /api/.
func New(d Deps) http.Handler {
	h := &handler{Deps: d, log: d.Logger, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.log = h.log.With("component", "api")
	h.meetings = meeting.Config{PublicURL: d.PublicURL, SIPDomain: d.SIPDomain, PhoneNumber: d.PhoneNumber}
	methods := map[string][]string{}
	for _, rt := range routes() {
		h.mux.Handle(rt.Method+" "+rt.Pattern, h.wrap(rt))
		methods[rt.Pattern] = append(methods[rt.Pattern], rt.Method)
	}
	// Known paths with another method get a 405 problem rather than the mux's text.
	for pattern, allowed := range methods {
		slices.Sort(allowed)
		h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeProblem(w, newProblem(http.StatusMethodNotAllowed, "method_not_allowed",
				r.Method+" is not allowed here; use "+strings.Join(allowed, " or ")))
		})
	}
	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, newProblem(http.StatusNotFound, "not_found", "no API route "+r.URL.Path))
	})
	return h.mux
}

// wrap authenticates the request when the route needs a grant and turns a returned
// problem into the response.
func (h *handler) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &request{w: w, r: r}
		if rt.Scope == ScopeHost {
			s, p := h.authorizeHost(r)
			if p != nil {
				writeProblem(w, p)
				return
			}
			req.session = s
		} else if rt.Grant != "" {
			claims, p := h.authorize(r, rt)
			if p != nil {
				writeProblem(w, p)
				return
			}
			req.claims = claims
		}
		if p := rt.serve(h, req); p != nil {
			writeProblem(w, p)
		}
	})
}

// request is one API call: the HTTP request, its writer and, on authenticated
// routes, the verified claims.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	claims *auth.Claims
	// session is the signed-in host on ScopeHost routes.
	session *oidcauth.Session
}

// authorize verifies the bearer token and checks that it carries the route's grant,
// and, on routes that name a room in the path, that a token limited to one room is
// used on that room only (the other scopes are checked by their handlers, which know
// the room once they have read the body or the meeting).
func (h *handler) authorize(r *http.Request, rt Route) (*auth.Claims, *apiwire.Problem) {
	grant := rt.Grant
	authz := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(authz, "Bearer ")
	if !ok {
		if authz == "" {
			token = ""
		} else {
			return nil, newProblem(http.StatusUnauthorized, auth.CodeMalformedToken, "Authorization header must be \"Bearer <token>\"")
		}
	}
	claims, err := h.Verifier.Verify(strings.TrimSpace(token))
	switch {
	case err != nil:
	case grant == auth.GrantRecord:
		err = recordGrant(claims)
	default:
		err = claims.CheckGrant(grant)
	}
	if err == nil && rt.Scope == ScopePathRoom && claims.Room != "" {
		err = claims.CheckRoom(r.PathValue("room"))
	}
	if err == nil && rt.Scope == ScopeServer && claims.Room != "" {
		return nil, newProblem(http.StatusForbidden, auth.CodeWrongRoom,
			fmt.Sprintf("token is for room %q; this route needs a server-wide token (no room)", claims.Room))
	}
	if err != nil {
		return nil, authProblem(err)
	}
	if rt.Scope == ScopeServer && claims.Room != "" {
		return nil, newProblem(http.StatusForbidden, auth.CodeWrongRoom,
			fmt.Sprintf("token is for room %q; server-wide routes need a token without a room", claims.Room))
	}
	return claims, nil
}

// outOfScope reports whether room is beyond what the request's token may touch.
func (req *request) outOfScope(room string) bool {
	return req.claims.Room != "" && req.claims.Room != room
}

// wrongRoom is the refusal of a room-scoped token that names another room.
func wrongRoom(req *request, room string) *apiwire.Problem {
	return newProblem(http.StatusForbidden, auth.CodeWrongRoom,
		fmt.Sprintf("token is for room %q, not for room %q", req.claims.Room, room))
}

func authProblem(err error) *apiwire.Problem {
	status, code := http.StatusUnauthorized, auth.CodeOf(err)
	var ae *auth.Error
	detail := err.Error()
	if asAuth(err, &ae) {
		status, detail = ae.HTTPStatus, ae.Message
	}
	if code == "" {
		code = "unauthorized"
	}
	return newProblem(status, code, detail)
}

// notify sends an API event to the webhooks, when configured.
func (h *handler) notify(ev webhook.Event, data any) {
	if h.Webhooks == nil {
		return
	}
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			h.log.Error("webhook payload not encodable", "event", ev.Type, "err", err)
			return
		}
		ev.Data = b
	}
	h.Webhooks.Send(ev)
}
