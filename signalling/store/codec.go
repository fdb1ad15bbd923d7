package store

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/ensemble-sfu/ensemble/signalling/meeting"
)

// formatVersion is written in every value. A reader refuses values from a newer
// format instead of silently dropping fields it does not know.
const formatVersion = 1

// envelope is the versioned JSON form of every stored value.
type envelope struct {
	V       int              `json:"v"`
	Room    *Room            `json:"room,omitempty"`
	Meeting *meeting.Meeting `json:"meeting,omitempty"`
	// Recording was added in the same format version: older readers never see one.
	Recording *Recording `json:"recording,omitempty"`
}

func encodeRoom(r Room) ([]byte, error) {
	return json.Marshal(envelope{V: formatVersion, Room: &r})
}

func decodeRoom(b []byte) (Room, error) {
	env, err := decode(b)
	if err != nil {
		return Room{}, err
	}
	if env.Room == nil {
		return Room{}, fmt.Errorf("%w: value holds no room", ErrInvalid)
	}
	return *env.Room, nil
}

func encodeMeeting(m *meeting.Meeting) ([]byte, error) {
	return json.Marshal(envelope{V: formatVersion, Meeting: m})
}

func decodeMeeting(b []byte) (*meeting.Meeting, error) {
	env, err := decode(b)
	if err != nil {
		return nil, err
	}
	if env.Meeting == nil {
		return nil, fmt.Errorf("%w: value holds no meeting", ErrInvalid)
	}
	return env.Meeting, nil
}

func decode(b []byte) (envelope, error) {
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return env, fmt.Errorf("%w: decode: %v", ErrInvalid, err)
	}
	if env.V < 1 || env.V > formatVersion {
		return env, fmt.Errorf("%w: format version %d (this build reads up to %d)", ErrInvalid, env.V, formatVersion)
	}
	return env, nil
}

func checkRoom(r Room) error {
	if r.Name == "" {
		return fmt.Errorf("%w: room name is empty", ErrInvalid)
	}
	return nil
}

func checkNewMeeting(m *meeting.Meeting) error {
	if m == nil || m.ID == "" {
		return fmt.Errorf("%w: meeting id is empty", ErrInvalid)
	}
	return nil
}

// meetingRoom is the room record CreateMeeting writes with m: room, with the
// defaults filled in. The meeting's room name is the one that counts.
func meetingRoom(m *meeting.Meeting, room Room) (Room, error) {
	switch room.Name {
	case "":
		room.Name = m.Room
	case m.Room:
	default:
		return Room{}, fmt.Errorf("%w: room %q is not the meeting's room %q", ErrInvalid, room.Name, m.Room)
	}
	if room.CreatedAt.IsZero() {
		room.CreatedAt = m.CreatedAt
	}
	if room.GuestPolicy == "" {
		room.GuestPolicy = GuestAllow // invitees follow the join link
	}
	if err := checkRoom(room); err != nil {
		return Room{}, err
	}
	return room, nil
}

// checkImmutable refuses updates that would break the store's indexes.
func checkImmutable(before, after *meeting.Meeting) error {
	switch {
	case before.ID != after.ID:
		return fmt.Errorf("%w: meeting id cannot change", ErrInvalid)
	case before.SIPID != after.SIPID:
		return fmt.Errorf("%w: meeting sip_id cannot change", ErrInvalid)
	case before.IdempotencyKey != after.IdempotencyKey:
		return fmt.Errorf("%w: meeting idempotency_key cannot change", ErrInvalid)
	}
	return nil
}

func sortRooms(rooms []Room) {
	sort.Slice(rooms, func(i, j int) bool { return rooms[i].Name < rooms[j].Name })
}

func sortMeetings(ms []*meeting.Meeting) {
	sort.Slice(ms, func(i, j int) bool {
		if !ms[i].Start.Equal(ms[j].Start) {
			return ms[i].Start.Before(ms[j].Start)
		}
		return ms[i].ID < ms[j].ID
	})
}

// clone copies a meeting through its own value (all fields are values).
func clone(m *meeting.Meeting) *meeting.Meeting {
	c := *m
	return &c
}
