package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/label"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Input limits.
const (
	maxParticipantLimit = 10_000
	maxEmptyTimeout     = 7 * 24 * 3600 // seconds
)

// roomNamePattern is what a room name may look like: what fits in a URL path and a
// SIP user part without escaping (the same rule as meeting rooms).
var roomNamePattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$`)

// UpdateRoomRequest is the body of PATCH /api/v1/rooms/{room}.
type UpdateRoomRequest struct {
	Metadata *string `json:"metadata"`
}

func roomView(rec *store.Room, live *sfu.Room, nodeID string) apiwire.Room {
	var v apiwire.Room
	if rec != nil {
		v = apiwire.Room{Name: rec.Name, SID: rec.SID, CreatedAt: rec.CreatedAt, MaxParticipants: rec.MaxParticipants,
			EmptyTimeout: rec.EmptyTimeoutSeconds, Metadata: rec.Metadata, GuestPolicy: rec.GuestPolicy,
			Lobby: rec.Lobby, AutoRecord: rec.AutoRecord, Stored: true}
	}
	if live != nil {
		info := live.Info()
		v.Name, v.Active, v.NumParticipants = info.Name, true, info.NumParticipants
		v.Node = nodeID
		if rec == nil {
			v.SID, v.CreatedAt, v.Metadata, v.MaxParticipants = info.SID, info.CreatedAt, info.Metadata, info.MaxParticipants
			v.GuestPolicy = store.GuestDeny
		}
	}
	return v
}

func validRoomName(field, name string) *apiwire.Problem {
	if !roomNamePattern.MatchString(name) {
		return invalid(field, "must be 1-64 characters a-z, 0-9, '-' or '_', starting and ending with a letter or digit")
	}
	return nil
}

func validMetadata(field, md string) *apiwire.Problem {
	if err := label.CheckMetadata(md, label.MaxMetadataBytes); err != nil {
		return invalid(field, "%v", err)
	}
	return nil
}

// validateCreateRoom checks the body of POST /api/v1/rooms; its problem names
// every field at fault, not only the first.
func validateCreateRoom(in *apiwire.CreateRoomRequest) *apiwire.Problem {
	var errs []apiwire.FieldError
	add := func(p *apiwire.Problem) {
		if p != nil {
			errs = append(errs, p.Errors...)
		}
	}
	if in.Name != "" {
		add(validRoomName("name", in.Name))
	}
	if in.MaxParticipants < 0 || in.MaxParticipants > maxParticipantLimit {
		add(invalid("max_participants", "must be between 0 (server default) and %d", maxParticipantLimit))
	}
	if in.EmptyTimeout < 0 || in.EmptyTimeout > maxEmptyTimeout {
		add(invalid("empty_timeout", "must be between 0 (server default) and %d seconds", maxEmptyTimeout))
	}
	add(validMetadata("metadata", in.Metadata))
	switch in.GuestPolicy {
	case "", store.GuestAllow, store.GuestDeny:
	default:
		add(invalid("guest_policy", "must be %q or %q, not %q", store.GuestAllow, store.GuestDeny, in.GuestPolicy))
	}
	if len(errs) == 0 {
		return nil
	}
	p := newProblem(http.StatusUnprocessableEntity, "invalid_field", fmt.Sprintf("%d invalid field(s)", len(errs)), errs...)
	if len(errs) == 1 {
		p.Detail = errs[0].Field + ": " + errs[0].Message
	}
	return p
}

func newRoomSID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "RM_" + hex.EncodeToString(b[:])
}

func (h *handler) createRoom(req *request) *apiwire.Problem {
	var in apiwire.CreateRoomRequest
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	if p := validateCreateRoom(&in); p != nil {
		return p
	}
	if room := req.claims.Room; room != "" {
		// A room-scoped token creates its own room, and no other.
		if in.Name == "" {
			in.Name = room
		} else if in.Name != room {
			return wrongRoom(req, in.Name)
		}
	}
	if in.GuestPolicy == "" {
		in.GuestPolicy = store.GuestDeny
	}
	rec := store.Room{
		Name: in.Name, SID: newRoomSID(), CreatedAt: time.Now().UTC().Truncate(time.Second),
		MaxParticipants: in.MaxParticipants, EmptyTimeoutSeconds: in.EmptyTimeout,
		Metadata: in.Metadata, GuestPolicy: in.GuestPolicy, Lobby: in.Lobby, AutoRecord: in.AutoRecord,
	}
	ctx := req.r.Context()
	// A generated name may collide (rarely); a chosen one that exists is the caller's conflict.
	for attempt := 0; ; attempt++ {
		if in.Name == "" {
			rec.Name = meeting.GenerateRoomName()
		}
		_, err := h.Store.CreateRoom(ctx, rec)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrConflict) {
			return internal(h.log, req.r, fmt.Errorf("create room %q: %w", rec.Name, err))
		}
		if in.Name != "" || attempt >= 5 {
			return newProblem(http.StatusConflict, "room_exists", fmt.Sprintf("room %q exists already", rec.Name),
				apiwire.FieldError{Field: "name", Message: "is taken"})
		}
	}
	if live, ok := h.Engine.Room(rec.Name); ok && rec.Metadata != "" {
		live.SetMetadata(rec.Metadata)
	}
	h.log.Info("room created", "room", rec.Name, "by", req.claims.APIKey())
	live, _ := h.Engine.Room(rec.Name)
	view := roomView(&rec, live, h.NodeID)
	h.notify(webhook.Event{Type: webhook.RoomCreated, Room: &protocol.RoomInfo{SID: rec.SID, Name: rec.Name,
		Metadata: rec.Metadata, CreatedAt: rec.CreatedAt, MaxParticipants: rec.MaxParticipants}}, view)
	req.w.Header().Set("Location", "/api/v1/rooms/"+rec.Name)
	writeJSON(req.w, http.StatusCreated, view)
	return nil
}

func (h *handler) listRooms(req *request) *apiwire.Problem {
	recs, err := h.Store.ListRooms(req.r.Context())
	if err != nil {
		return internal(h.log, req.r, fmt.Errorf("list rooms: %w", err))
	}
	live := map[string]*sfu.Room{}
	for _, r := range h.Engine.Rooms() {
		live[r.Name()] = r
	}
	out := apiwire.RoomList{Rooms: []apiwire.Room{}}
	for i := range recs {
		if !req.outOfScope(recs[i].Name) {
			out.Rooms = append(out.Rooms, roomView(&recs[i], live[recs[i].Name], h.NodeID))
		}
		delete(live, recs[i].Name)
	}
	for name, r := range live {
		if !req.outOfScope(name) {
			out.Rooms = append(out.Rooms, roomView(nil, r, h.NodeID))
		}
	}
	slices.SortFunc(out.Rooms, func(a, b apiwire.Room) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	writeJSON(req.w, http.StatusOK, out)
	return nil
}

// lookupRoom finds room in the store and in the engine; a problem when in neither.
func (h *handler) lookupRoom(req *request) (*store.Room, *sfu.Room, *apiwire.Problem) {
	name := req.r.PathValue("room")
	var recp *store.Room
	rec, err := h.Store.GetRoom(req.r.Context(), name)
	switch {
	case err == nil:
		recp = &rec
	case !errors.Is(err, store.ErrNotFound):
		return nil, nil, internal(h.log, req.r, fmt.Errorf("get room %q: %w", name, err))
	}
	live, _ := h.Engine.Room(name)
	if recp == nil && live == nil {
		return nil, nil, roomNotFound(name)
	}
	return recp, live, nil
}

func roomNotFound(name string) *apiwire.Problem {
	return newProblem(http.StatusNotFound, "room_not_found", fmt.Sprintf("no room %q", name))
}

func (h *handler) getRoom(req *request) *apiwire.Problem {
	rec, live, p := h.lookupRoom(req)
	if p != nil {
		return p
	}
	writeJSON(req.w, http.StatusOK, roomView(rec, live, h.NodeID))
	return nil
}

func (h *handler) updateRoom(req *request) *apiwire.Problem {
	var in UpdateRoomRequest
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	if in.Metadata == nil {
		return invalid("metadata", "is required (the only field that can change)")
	}
	if p := validMetadata("metadata", *in.Metadata); p != nil {
		return p
	}
	rec, live, p := h.lookupRoom(req)
	if p != nil {
		return p
	}
	if rec != nil {
		rec.Metadata = *in.Metadata
		if err := h.Store.PutRoom(req.r.Context(), *rec); err != nil {
			return internal(h.log, req.r, fmt.Errorf("update room %q: %w", rec.Name, err))
		}
	}
	if live != nil {
		live.SetMetadata(*in.Metadata)
	}
	writeJSON(req.w, http.StatusOK, roomView(rec, live, h.NodeID))
	return nil
}

func (h *handler) deleteRoom(req *request) *apiwire.Problem {
	rec, live, p := h.lookupRoom(req)
	if p != nil {
		return p
	}
	name := req.r.PathValue("room")
	if rec != nil {
		if err := h.Store.DeleteRoom(req.r.Context(), name); err != nil && !errors.Is(err, store.ErrNotFound) {
			return internal(h.log, req.r, fmt.Errorf("delete room %q: %w", name, err))
		}
	}
	if live != nil {
		live.Close(vocab.ReasonRoomDeleted)
	}
	if h.Lobby != nil {
		h.Lobby.CloseRoom(name)
	}
	h.log.Info("room deleted", "room", name, "by", req.claims.APIKey())
	h.notify(webhook.Event{Type: webhook.RoomDeleted, Room: &protocol.RoomInfo{Name: name}}, nil)
	req.w.WriteHeader(http.StatusNoContent)
	return nil
}
