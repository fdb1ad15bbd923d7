package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/oidcauth"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
)

// InstantDuration is how long an instant meeting is booked for.
const InstantDuration = time.Hour

// HostMeetingRequest is the body of POST /api/host/meetings: a meeting scheduled by a
// signed-in host from the app or the Outlook add-in. Instant starts it now, for an
// hour (start and end are then ignored). Lobby defaults to on: guests wait until the
// host admits them.
type HostMeetingRequest struct {
	Title       string            `json:"title"`
	Start       string            `json:"start,omitempty"`
	End         string            `json:"end,omitempty"`
	TimeZone    string            `json:"time_zone,omitempty"`
	Recurrence  string            `json:"recurrence,omitempty"`
	Lang        string            `json:"lang,omitempty"`
	Instant     bool              `json:"instant,omitempty"`
	Lobby       *bool             `json:"lobby,omitempty"`
	GuestPolicy store.GuestPolicy `json:"guest_policy,omitempty"`
}

// HostMeetingList is the body of GET /api/host/meetings.
type HostMeetingList struct {
	Meetings []meeting.View `json:"meetings"`
}

// authorizeHost checks the session of a host route: signed in, a host, and, for
// changes, sent by this site's pages (cookies ride along with cross-site requests
// that SameSite=Lax lets through, such as top-level GETs; Origin settles POSTs).
func (h *handler) authorizeHost(r *http.Request) (*oidcauth.Session, *apiwire.Problem) {
	if h.Sessions == nil {
		return nil, newProblem(http.StatusNotFound, "sign_in_disabled", "this server has no sign-in configured")
	}
	s, err := h.Sessions.FromRequest(r)
	if errors.Is(err, oidcauth.ErrSessionCheck) {
		h.log.Error("session check failed", "err", err)
		return nil, newProblem(http.StatusServiceUnavailable, oidcauth.Code(err), "sessions cannot be checked right now; try again")
	}
	if err != nil {
		return nil, newProblem(http.StatusUnauthorized, oidcauth.Code(err), err.Error()+"; sign in again")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !oidcauth.SameOrigin(r) {
		return nil, newProblem(http.StatusForbidden, "cross_origin", "changes must come from this site's pages")
	}
	if !s.Host {
		return nil, newProblem(http.StatusForbidden, "not_a_host", "your account may join meetings but not create them")
	}
	return s, nil
}

func (in *HostMeetingRequest) input(now time.Time) meeting.Input {
	start, end := in.Start, in.End
	if in.Instant {
		s := now.UTC().Truncate(time.Minute)
		start, end = s.Format(time.RFC3339), s.Add(InstantDuration).Format(time.RFC3339)
	}
	title := in.Title
	if title == "" && in.Instant {
		title = "Instant meeting"
		if in.Lang == meeting.LangFrench {
			title = "Réunion instantanée"
		}
	}
	return meeting.Input{Title: title, Start: start, End: end, TimeZone: in.TimeZone, Recurrence: in.Recurrence, Lang: in.Lang}
}

func (in *HostMeetingRequest) patch(now time.Time) meeting.Patch {
	i := in.input(now)
	return meeting.Patch{Title: &i.Title, Start: &i.Start, End: &i.End, TimeZone: &i.TimeZone, Recurrence: &i.Recurrence, Lang: &i.Lang}
}

// createHostMeeting creates a meeting and its room, owned by the host. With an
// Idempotency-Key (the Outlook add-in sends its appointment's key) a second call
// returns the same meeting, updated to the body when it differs: the add-in sends
// the appointment again when its time changes.
func (h *handler) createHostMeeting(req *request) *apiwire.Problem {
	idem := req.r.Header.Get("Idempotency-Key")
	if len(idem) > maxIdempotencyKey || !validText(idem) {
		return newProblem(http.StatusBadRequest, "invalid_header", "Idempotency-Key must be text of at most 128 bytes",
			apiwire.FieldError{Field: "Idempotency-Key", Message: fmt.Sprintf("at most %d bytes of text", maxIdempotencyKey)})
	}
	var in HostMeetingRequest
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	switch in.GuestPolicy {
	case "":
		in.GuestPolicy = store.GuestAllow
	case store.GuestAllow, store.GuestDeny:
	default:
		return invalid("guest_policy", "must be %q or %q, not %q", store.GuestAllow, store.GuestDeny, in.GuestPolicy)
	}
	lobbyOn := in.Lobby == nil || *in.Lobby
	owner := req.session.Owner()
	scoped := ""
	if idem != "" {
		scoped = "host:" + owner + ":" + idem
	}
	now := time.Now()
	m, err := meeting.New(in.input(now), scoped, now)
	if err != nil {
		if p := meetingProblem(err); p != nil {
			return p
		}
		return internal(h.log, req.r, fmt.Errorf("new meeting: %w", err))
	}
	m.Owner = owner
	ctx := req.r.Context()
	rec := store.Room{Name: m.Room, SID: newRoomSID(), CreatedAt: m.CreatedAt, GuestPolicy: in.GuestPolicy, Lobby: lobbyOn, Owner: owner}
	stored, created, err := h.Store.CreateMeeting(ctx, m, rec)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return newProblem(http.StatusConflict, "meeting_conflict", "a meeting with these identifiers exists already; retry")
		}
		return internal(h.log, req.r, fmt.Errorf("create meeting: %w", err))
	}
	cfg := h.meetingConfig(req.r)
	if !created {
		if stored.Owner != owner { // cannot happen: keys are scoped by owner
			return newProblem(http.StatusConflict, "idempotency_key_reused", "this Idempotency-Key belongs to another meeting")
		}
		if sameRequest(stored, m, "") {
			writeJSON(req.w, http.StatusOK, cfg.View(stored))
			return nil
		}
		patch := in.patch(now)
		updated, err := h.Store.UpdateMeeting(ctx, stored.ID, func(x *meeting.Meeting) error { return x.Apply(patch, now) })
		if err != nil {
			return h.meetingStoreProblem(req, stored.ID, err)
		}
		view := cfg.View(updated)
		h.log.Info("meeting updated by its host", "meeting", updated.ID, "room", updated.Room, "sequence", updated.Sequence)
		h.notify(webhook.Event{Type: webhook.MeetingUpdated, Room: &protocol.RoomInfo{Name: updated.Room}}, view)
		writeJSON(req.w, http.StatusOK, view)
		return nil
	}
	h.log.Info("meeting created by a host", "meeting", stored.ID, "room", stored.Room, "session", req.session.ID)
	view := cfg.View(stored)
	h.notify(webhook.Event{Type: webhook.MeetingCreated, Room: &protocol.RoomInfo{Name: stored.Room}}, view)
	req.w.Header().Set("Location", "/api/host/meetings/"+stored.ID)
	writeJSON(req.w, http.StatusCreated, view)
	return nil
}

// listHostMeetings lists the host's meetings that are not over and not cancelled,
// soonest first (a recurring meeting stays listed).
func (h *handler) listHostMeetings(req *request) *apiwire.Problem {
	all, err := h.Store.ListMeetings(req.r.Context())
	if err != nil {
		return internal(h.log, req.r, fmt.Errorf("list meetings: %w", err))
	}
	owner, now := req.session.Owner(), time.Now()
	cfg := h.meetingConfig(req.r)
	out := HostMeetingList{Meetings: []meeting.View{}}
	for _, m := range all {
		if m.Owner != owner || m.Status == meeting.StatusCancelled || (m.Recurrence == "" && !m.End.After(now)) {
			continue
		}
		out.Meetings = append(out.Meetings, cfg.View(m))
	}
	slices.SortStableFunc(out.Meetings, func(a, b meeting.View) int { return a.Start.Compare(b.Start) })
	writeJSON(req.w, http.StatusOK, out)
	return nil
}

// ownedBy wraps a meeting update so that it applies to the host's own meetings only;
// others' are answered as not found.
func ownedBy(owner string, update func(m *meeting.Meeting) error) func(m *meeting.Meeting) error {
	return func(m *meeting.Meeting) error {
		if m.Owner != owner {
			return errOutOfScope
		}
		return update(m)
	}
}

func (h *handler) updateHostMeeting(req *request) *apiwire.Problem {
	var patch meeting.Patch
	if p := decodeBody(req.w, req.r, &patch); p != nil {
		return p
	}
	id, now := req.r.PathValue("id"), time.Now()
	m, err := h.Store.UpdateMeeting(req.r.Context(), id, ownedBy(req.session.Owner(), func(m *meeting.Meeting) error { return m.Apply(patch, now) }))
	if err != nil {
		return h.meetingStoreProblem(req, id, err)
	}
	view := h.meetingConfig(req.r).View(m)
	h.notify(webhook.Event{Type: webhook.MeetingUpdated, Room: &protocol.RoomInfo{Name: m.Room}}, view)
	writeJSON(req.w, http.StatusOK, view)
	return nil
}

func (h *handler) cancelHostMeeting(req *request) *apiwire.Problem {
	id, now := req.r.PathValue("id"), time.Now()
	m, err := h.Store.UpdateMeeting(req.r.Context(), id, ownedBy(req.session.Owner(), func(m *meeting.Meeting) error { return m.Cancel(now) }))
	if err != nil {
		return h.meetingStoreProblem(req, id, err)
	}
	h.log.Info("meeting cancelled by its host", "meeting", id, "room", m.Room)
	view := h.meetingConfig(req.r).View(m)
	h.notify(webhook.Event{Type: webhook.MeetingCancelled, Room: &protocol.RoomInfo{Name: m.Room}}, view)
	writeJSON(req.w, http.StatusOK, view)
	return nil
}

// hostSession is the session of a guest-join request when it is the room owner's:
// the join then gets a room admin's token. Anything else (no session, an invalid
// one, someone else's room) joins as a guest.
func (h *handler) ownerSession(r *http.Request, rec *store.Room) *oidcauth.Session {
	if h.Sessions == nil || rec == nil || rec.Owner == "" {
		return nil
	}
	s, err := h.Sessions.FromRequest(r)
	if err != nil || !s.Host || s.Owner() != rec.Owner {
		return nil
	}
	return s
}
