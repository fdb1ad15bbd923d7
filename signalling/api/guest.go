package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/label"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/oidcauth"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// GuestTTL is how long a guest token stays valid: long enough for a meeting, short
// enough that a leaked link-token is soon useless.
const GuestTTL = 4 * time.Hour

// GuestJoinRequest is the body of POST /api/rooms/{room}/join.
type GuestJoinRequest struct {
	Name string `json:"name"`
}

// GuestJoinResponse tells the browser app how to join.
type GuestJoinResponse struct {
	Token    string `json:"token"`
	URL      string `json:"url"` // WebSocket URL of /rtc
	Identity string `json:"identity"`
	Room     string `json:"room"`
	Name     string `json:"name"`
	// Host is true when the token is a room admin's (the signed-in owner of the room).
	Host bool `json:"host,omitempty"`
}

func guestGrants() auth.Grants {
	return auth.Grants{Join: true, Publish: true, Subscribe: true, PublishData: true,
		Sources: []string{"camera", "microphone", "screen_share", "screen_share_audio"}}
}

func (h *handler) guestJoin(req *request) *apiwire.Problem {
	room := req.r.PathValue("room")
	if p := validRoomName("room", room); p != nil {
		return p
	}
	var in GuestJoinRequest
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return invalid("name", "is required: the name others will see")
	}
	if err := label.Check(in.Name, label.MaxNameRunes); err != nil {
		return invalid("name", "%v", err)
	}
	rec, err := h.Store.GetRoom(req.r.Context(), room)
	var owner *oidcauth.Session
	switch {
	case err == nil:
		owner = h.ownerSession(req.r, &rec)
		if rec.GuestPolicy != store.GuestAllow && !h.Dev && owner == nil {
			return newProblem(http.StatusForbidden, "guests_not_allowed",
				fmt.Sprintf("room %q does not let guests join; ask for an invitation link with a token", room))
		}
	case errors.Is(err, store.ErrNotFound):
		if !h.Dev {
			return roomNotFound(room)
		}
	default:
		return internal(h.log, req.r, fmt.Errorf("guest join %q: %w", room, err))
	}
	key, secret, ok := h.signingKey()
	if !ok {
		return internal(h.log, req.r, errors.New("no API key configured to sign guest tokens"))
	}
	identity, grants := newGuestIdentity(), guestGrants()
	if owner != nil {
		// The host of a room they created: lobby decisions, mute, remove.
		identity, grants.RoomAdmin = "host-"+identity[len("guest-"):], true
	}
	token, err := auth.Sign(key, secret, auth.TokenParams{
		Identity: identity, Name: in.Name, Room: room, Grants: grants, TTL: GuestTTL,
	})
	if err != nil {
		return internal(h.log, req.r, fmt.Errorf("sign guest token: %w", err))
	}
	if owner != nil {
		h.log.Info("host token issued", "room", room, "participant", identity, "session", owner.ID)
	} else {
		h.log.Info("guest token issued", "room", room, "participant", identity)
	}
	writeJSON(req.w, http.StatusOK, GuestJoinResponse{
		Token: token, URL: h.rtcURL(req.r), Identity: identity, Room: room, Name: in.Name, Host: owner != nil,
	})
	return nil
}

// signingKey picks the key that signs guest tokens: the development key when
// present, otherwise the first by name (stable across restarts).
func (h *handler) signingKey() (key, secret string, ok bool) {
	if s, ok := h.Keys[auth.DevAPIKey]; ok {
		return auth.DevAPIKey, s, true
	}
	names := h.Keys.Names()
	if len(names) == 0 {
		return "", "", false
	}
	return names[0], h.Keys[names[0]], true
}

func newGuestIdentity() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "guest-" + hex.EncodeToString(b[:])
}

// rtcURL is the WebSocket URL of /rtc: from PublicURL when configured, else from the
// request (behind a TLS-terminating proxy, configure PublicURL).
func (h *handler) rtcURL(r *http.Request) string {
	if h.PublicURL != "" {
		if u, err := url.Parse(h.PublicURL); err == nil && u.Host != "" {
			scheme := "ws"
			if u.Scheme == "https" {
				scheme = "wss"
			}
			return scheme + "://" + u.Host + strings.TrimRight(u.Path, "/") + "/rtc"
		}
	}
	scheme := "ws"
	if r.TLS != nil {
		scheme = "wss"
	}
	return scheme + "://" + r.Host + "/rtc"
}
