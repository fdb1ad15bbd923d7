package apiwire

import "github.com/ensemble-sfu/ensemble/signalling/store"

// CreateMeetingRequest is the body of POST /api/v1/meetings: the meeting and how its
// room lets people in (guests allowed by default: invitees follow the join link).
// (The fields of meeting.Input are repeated rather than embedded so that decoding
// errors name the JSON field alone, not "Input.title".)
type CreateMeetingRequest struct {
	Title       string            `json:"title"`
	Start       string            `json:"start"`
	End         string            `json:"end"`
	TimeZone    string            `json:"time_zone,omitempty"`
	Recurrence  string            `json:"recurrence,omitempty"`
	Lang        string            `json:"lang,omitempty"`
	Room        string            `json:"room,omitempty"`
	GuestPolicy store.GuestPolicy `json:"guest_policy,omitempty"`
	Lobby       bool              `json:"lobby,omitempty"`
}
