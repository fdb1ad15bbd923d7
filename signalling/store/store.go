package store

import (
	"context"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/meeting"
)

// Store is the durable state of the signalling server. Implementations are safe for
// concurrent use, by goroutines and (Redis) by several nodes.
//
// Values returned are copies: changing them changes nothing stored.
type Store interface {
	// PutRoom creates or replaces the room record named r.Name.
	PutRoom(ctx context.Context, r Room) error
	// CreateRoom stores r only if no room has that name; otherwise it returns the
	// existing record and ErrConflict.
	CreateRoom(ctx context.Context, r Room) (Room, error)
	// GetRoom returns ErrNotFound when there is no such room.
	GetRoom(ctx context.Context, name string) (Room, error)
	// DeleteRoom returns ErrNotFound when there is no such room.
	DeleteRoom(ctx context.Context, name string) error
	// ListRooms returns every room, sorted by name.
	ListRooms(ctx context.Context) ([]Room, error)

	// CreateMeeting stores m atomically with its indexes and its room, and returns
	// the stored copy. The room record is room (Name empty or m.Room; empty fields
	// take defaults: the meeting's room name, creation time, guests allowed),
	// written in the same transaction unless a room of that name exists already (a
	// recurring team room keeps its record). A crash never leaves a meeting without
	// its room.
	//
	// When m.IdempotencyKey is set and a meeting was already created with that key,
	// nothing is written and that meeting is returned with created=false (two
	// concurrent requests with the same key make one meeting). Scope keys per client
	// (e.g. "<api key>:<Idempotency-Key header>") before calling.
	//
	// When m.SIPID is empty a unique random numeric one is allocated (NewSIPID);
	// a given SIPID already in use, or an m.ID in use, gives ErrConflict.
	CreateMeeting(ctx context.Context, m *meeting.Meeting, room Room) (stored *meeting.Meeting, created bool, err error)
	// GetMeeting returns ErrNotFound when there is no such meeting.
	GetMeeting(ctx context.Context, id string) (*meeting.Meeting, error)
	// GetMeetingBySIPID finds a meeting by its numeric SIP id (dial-in PIN).
	GetMeetingBySIPID(ctx context.Context, sipID string) (*meeting.Meeting, error)
	// UpdateMeeting reads meeting id, calls update on a copy and stores the result
	// atomically (compare-and-swap). update may be called more than once when other
	// writers race; it must only change the meeting it is given. Returning an error
	// from update aborts and returns that error. ID, SIPID and IdempotencyKey cannot
	// change (ErrInvalid). Returns the stored meeting.
	UpdateMeeting(ctx context.Context, id string, update func(m *meeting.Meeting) error) (*meeting.Meeting, error)
	// DeleteMeeting removes the meeting and frees its SIP id and idempotency key.
	DeleteMeeting(ctx context.Context, id string) error
	// ListMeetings returns every meeting, sorted by start time then id.
	ListMeetings(ctx context.Context) ([]*meeting.Meeting, error)

	// CreateRecording stores a new recording; an id in use gives ErrConflict.
	CreateRecording(ctx context.Context, r Recording) error
	// GetRecording returns ErrNotFound when there is no such recording.
	GetRecording(ctx context.Context, id string) (Recording, error)
	// UpdateRecording reads recording id, calls update on a copy and stores the
	// result atomically (compare-and-swap; update may run more than once).
	// Returning an error from update aborts with it. ID and Room cannot change.
	UpdateRecording(ctx context.Context, id string, update func(r *Recording) error) (Recording, error)
	// ListRecordings returns room's recordings ("" = every room's), oldest first.
	ListRecordings(ctx context.Context, room string) ([]Recording, error)

	// Close releases the store (file lock, connections).
	Close() error
}

// GuestPolicy says whether people without a token may ask to join a room.
type GuestPolicy string

const (
	GuestAllow GuestPolicy = "allow"
	GuestDeny  GuestPolicy = "deny"
)

// Room is a room record created through the API. It outlives the in-memory sfu.Room,
// which exists only while someone is in it.
type Room struct {
	Name                string      `json:"name"`
	SID                 string      `json:"sid"`
	CreatedAt           time.Time   `json:"created_at"`
	MaxParticipants     int         `json:"max_participants"` // 0 = server default
	EmptyTimeoutSeconds int         `json:"empty_timeout"`    // seconds; 0 = server default
	Metadata            string      `json:"metadata,omitempty"`
	GuestPolicy         GuestPolicy `json:"guest_policy"`
	Lobby               bool        `json:"lobby"`
	// AutoRecord starts a recording when the first participant joins.
	AutoRecord bool `json:"auto_record,omitempty"`
	// Owner is the signed-in host who created the room from the app ("oidc:<subject>"):
	// the app gives that person a room admin's token. Empty for rooms of API clients.
	Owner string `json:"owner,omitempty"`
}
