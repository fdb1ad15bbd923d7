package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
)

// maxIdempotencyKey bounds the Idempotency-Key header (the store scopes it with the
// API key, and the meeting package allows 255 bytes in all).
const maxIdempotencyKey = 128

// meetingInput is what the meeting package makes a meeting of.
func meetingInput(in *apiwire.CreateMeetingRequest) meeting.Input {
	return meeting.Input{Title: in.Title, Start: in.Start, End: in.End, TimeZone: in.TimeZone,
		Recurrence: in.Recurrence, Lang: in.Lang, Room: in.Room}
}

func meetingProblem(err error) *apiwire.Problem {
	if fe, ok := meeting.AsFieldError(err); ok {
		return newProblem(http.StatusUnprocessableEntity, "invalid_field", fe.Field+": "+fe.Message,
			apiwire.FieldError{Field: fe.Field, Message: fe.Message})
	}
	return nil
}

func (h *handler) createMeeting(req *request) *apiwire.Problem {
	idem := req.r.Header.Get("Idempotency-Key")
	if len(idem) > maxIdempotencyKey || !validText(idem) {
		return newProblem(http.StatusBadRequest, "invalid_header", "Idempotency-Key must be text of at most 128 bytes",
			apiwire.FieldError{Field: "Idempotency-Key", Message: fmt.Sprintf("at most %d bytes of text", maxIdempotencyKey)})
	}
	var in apiwire.CreateMeetingRequest
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	if room := req.claims.Room; room != "" {
		// A room-scoped token schedules meetings in its own room, and no other.
		if in.Room == "" {
			in.Room = room
		} else if in.Room != room {
			return wrongRoom(req, in.Room)
		}
	}
	switch in.GuestPolicy {
	case "":
		in.GuestPolicy = store.GuestAllow
	case store.GuestAllow, store.GuestDeny:
	default:
		return invalid("guest_policy", "must be %q or %q, not %q", store.GuestAllow, store.GuestDeny, in.GuestPolicy)
	}
	scoped := ""
	if idem != "" {
		// Keys are per client: two API keys may pick the same one.
		scoped = req.claims.APIKey() + ":" + idem
	}
	now := time.Now()
	m, err := meeting.New(meetingInput(&in), scoped, now)
	if err != nil {
		if p := meetingProblem(err); p != nil {
			return p
		}
		return internal(h.log, req.r, fmt.Errorf("new meeting: %w", err))
	}
	ctx := req.r.Context()
	// The meeting and its room are written in one transaction: a crash between them
	// would leave a join link that leads nowhere.
	rec := store.Room{Name: m.Room, SID: newRoomSID(), CreatedAt: m.CreatedAt, GuestPolicy: in.GuestPolicy, Lobby: in.Lobby}
	stored, created, err := h.Store.CreateMeeting(ctx, m, rec)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return newProblem(http.StatusConflict, "meeting_conflict", "a meeting with these identifiers exists already; retry")
		}
		return internal(h.log, req.r, fmt.Errorf("create meeting: %w", err))
	}
	if !created {
		// A replay: same key, same meeting. A different body under the same key is a
		// client bug that would otherwise go unnoticed.
		if !sameRequest(stored, m, in.Room) {
			return newProblem(http.StatusUnprocessableEntity, "idempotency_key_reused",
				"this Idempotency-Key was used for a different meeting",
				apiwire.FieldError{Field: "Idempotency-Key", Message: "already used with another body"})
		}
		writeJSON(req.w, http.StatusOK, h.meetingConfig(req.r).View(stored))
		return nil
	}
	// A meeting in an existing room (a recurring team room) keeps that room as it is.
	h.log.Info("meeting created", "meeting", stored.ID, "room", stored.Room, "by", req.claims.APIKey())
	view := h.meetingConfig(req.r).View(stored)
	h.notify(webhook.Event{Type: webhook.MeetingCreated, Room: &protocol.RoomInfo{Name: stored.Room}}, view)
	req.w.Header().Set("Location", "/api/v1/meetings/"+stored.ID)
	writeJSON(req.w, http.StatusCreated, view)
	return nil
}

// sameRequest reports whether a replayed create asked for the stored meeting.
func sameRequest(stored, fresh *meeting.Meeting, room string) bool {
	return stored.Title == fresh.Title && stored.Start.Equal(fresh.Start) && stored.End.Equal(fresh.End) &&
		stored.TimeZone == fresh.TimeZone && stored.Recurrence == fresh.Recurrence && stored.Lang == fresh.Lang &&
		(room == "" || room == stored.Room)
}

func (h *handler) storedMeeting(req *request) (*meeting.Meeting, *apiwire.Problem) {
	id := req.r.PathValue("id")
	var m *meeting.Meeting
	var err error
	if meeting.IsSIPID(id) {
		// The SIP bridge knows a meeting by the number it was called at.
		m, err = h.Store.GetMeetingBySIPID(req.r.Context(), id)
	} else {
		m, err = h.Store.GetMeeting(req.r.Context(), id)
	}
	if err == nil && req.claims != nil && req.outOfScope(m.Room) {
		err = errOutOfScope
	}
	if err != nil {
		return nil, h.meetingStoreProblem(req, id, err)
	}
	return m, nil
}

// errOutOfScope stops a meeting update whose meeting is in another room than the
// token's. It is answered as "not found": a room-scoped token learns nothing about
// meetings beyond its room.
var errOutOfScope = fmt.Errorf("meeting is in another room: %w", store.ErrNotFound)

// inScope wraps a meeting update so that it applies only to meetings of the
// request's room (checked inside the store's compare-and-swap, on the stored value).
func (req *request) inScope(update func(m *meeting.Meeting) error) func(m *meeting.Meeting) error {
	return func(m *meeting.Meeting) error {
		if req.outOfScope(m.Room) {
			return errOutOfScope
		}
		return update(m)
	}
}

func (h *handler) meetingStoreProblem(req *request, id string, err error) *apiwire.Problem {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return newProblem(http.StatusNotFound, "meeting_not_found", fmt.Sprintf("no meeting %q", id))
	case errors.Is(err, meeting.ErrCancelled):
		return newProblem(http.StatusConflict, "meeting_cancelled", fmt.Sprintf("meeting %q is cancelled", id))
	}
	if p := meetingProblem(err); p != nil {
		return p
	}
	return internal(h.log, req.r, fmt.Errorf("meeting %q: %w", id, err))
}

func (h *handler) getMeeting(req *request) *apiwire.Problem {
	m, p := h.storedMeeting(req)
	if p != nil {
		return p
	}
	writeJSON(req.w, http.StatusOK, h.meetingConfig(req.r).View(m))
	return nil
}

func (h *handler) updateMeeting(req *request) *apiwire.Problem {
	var patch meeting.Patch
	if p := decodeBody(req.w, req.r, &patch); p != nil {
		return p
	}
	id := req.r.PathValue("id")
	now := time.Now()
	m, err := h.Store.UpdateMeeting(req.r.Context(), id, req.inScope(func(m *meeting.Meeting) error { return m.Apply(patch, now) }))
	if err != nil {
		return h.meetingStoreProblem(req, id, err)
	}
	view := h.meetingConfig(req.r).View(m)
	h.notify(webhook.Event{Type: webhook.MeetingUpdated, Room: &protocol.RoomInfo{Name: m.Room}}, view)
	writeJSON(req.w, http.StatusOK, view)
	return nil
}

func (h *handler) cancelMeeting(req *request) *apiwire.Problem {
	id := req.r.PathValue("id")
	now := time.Now()
	m, err := h.Store.UpdateMeeting(req.r.Context(), id, req.inScope(func(m *meeting.Meeting) error { return m.Cancel(now) }))
	if err != nil {
		return h.meetingStoreProblem(req, id, err)
	}
	h.log.Info("meeting cancelled", "meeting", id, "room", m.Room, "by", req.claims.APIKey())
	view := h.meetingConfig(req.r).View(m)
	h.notify(webhook.Event{Type: webhook.MeetingCancelled, Room: &protocol.RoomInfo{Name: m.Room}}, view)
	writeJSON(req.w, http.StatusOK, view)
	return nil
}

func (h *handler) meetingICS(req *request) *apiwire.Problem {
	m, p := h.storedMeeting(req)
	if p != nil {
		return p
	}
	ics, err := h.meetingConfig(req.r).ICS(m)
	if err != nil {
		return internal(h.log, req.r, err)
	}
	req.w.Header().Set("Content-Type", meeting.ContentType)
	req.w.Header().Set("Content-Disposition", `attachment; filename="invite.ics"`)
	req.w.Header().Set("Cache-Control", "no-cache")
	_, _ = req.w.Write(ics)
	return nil
}

// meetingConfig is the configured meeting.Config, with the public URL taken from the
// request when none is configured (development).
func (h *handler) meetingConfig(r *http.Request) meeting.Config {
	c := h.meetings
	if c.PublicURL == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		c.PublicURL = scheme + "://" + r.Host
	}
	return c
}
