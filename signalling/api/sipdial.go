package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/ensemble-sfu/ensemble/internal/label"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
)

// SIPDialer places SIP calls into rooms: the SIP bridge, when the server runs
// one (package sip; cmd/ensemble adapts it).
type SIPDialer interface {
	// Dial starts calling uri and returns at once; the call joins room on answer.
	Dial(room, uri, name string) (apiwire.SIPParticipant, error)
	// Dialed is a placed call of room; ErrNoSIPCall when there is none.
	Dialed(room, id string) (apiwire.SIPParticipant, error)
	// HangUp ends it (CANCEL while ringing, BYE once answered).
	HangUp(room, id string) error
}

// ErrNoSIPCall: the room has no placed SIP call with that id.
var ErrNoSIPCall = errors.New("no such SIP call")

// ErrSIPBadURI: the URI to call is not one (the dialer's own error wraps it).
var ErrSIPBadURI = errors.New("not a SIP URI")

func (h *handler) sipOrProblem() *apiwire.Problem {
	if h.SIP == nil {
		return newProblem(http.StatusNotFound, "sip_disabled", "this server runs no SIP bridge (sip.listen) and knows none (sip.bridge_url)")
	}
	return nil
}

func (h *handler) dialSIP(req *request) *apiwire.Problem {
	if p := h.sipOrProblem(); p != nil {
		return p
	}
	var in apiwire.DialSIPRequest
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	if !strings.HasPrefix(in.URI, "sip:") || len(in.URI) > 512 {
		return invalid("uri", "%q is not a sip: URI", in.URI)
	}
	if in.Name != "" {
		if err := label.Check(in.Name, label.MaxNameRunes); err != nil {
			return invalid("name", "%v", err)
		}
	}
	if _, _, p := h.lookupRoom(req); p != nil {
		return p
	}
	room := req.r.PathValue("room")
	call, err := h.SIP.Dial(room, in.URI, in.Name)
	switch {
	case errors.Is(err, ErrSIPBadURI):
		return invalid("uri", "%v", err)
	case err != nil:
		return newProblem(http.StatusServiceUnavailable, "sip_unavailable", err.Error())
	}
	h.log.Info("sip call placed", "room", room, "uri", in.URI, "id", call.ID, "by", req.claims.APIKey())
	req.w.Header().Set("Location", "/api/v1/rooms/"+url.PathEscape(room)+"/sip-participants/"+url.PathEscape(call.ID))
	writeJSON(req.w, http.StatusCreated, call)
	return nil
}

func (h *handler) getSIPParticipant(req *request) *apiwire.Problem {
	if p := h.sipOrProblem(); p != nil {
		return p
	}
	call, err := h.SIP.Dialed(req.r.PathValue("room"), req.r.PathValue("id"))
	if err != nil {
		return newProblem(http.StatusNotFound, "sip_call_not_found", err.Error())
	}
	writeJSON(req.w, http.StatusOK, call)
	return nil
}

func (h *handler) hangUpSIPParticipant(req *request) *apiwire.Problem {
	if p := h.sipOrProblem(); p != nil {
		return p
	}
	if err := h.SIP.HangUp(req.r.PathValue("room"), req.r.PathValue("id")); err != nil {
		return newProblem(http.StatusNotFound, "sip_call_not_found", err.Error())
	}
	req.w.WriteHeader(http.StatusNoContent)
	return nil
}
