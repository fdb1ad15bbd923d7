package auth

import (
	"fmt"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// CheckKind refuses a token whose kind is unknown (CodeUnknownKind), a
// recorder's token that may not record room (CheckRecord): only a recorder of
// this room may join it as one, since a recorder is hidden from everyone; and an
// ingress token without the publish grant; a relay's token without the
// room_admin grant for exactly this room.
func (c *Claims) CheckKind(room string) error {
	if !c.Kind.Valid() {
		return newError(CodeUnknownKind, fmt.Sprintf("participant kind %q is not standard, recorder, sip, agent, ingress or relay", truncateClaim(string(c.Kind))), nil)
	}
	switch c.Kind {
	case vocab.ParticipantRecorder:
		return c.CheckRecord(room)
	case vocab.ParticipantIngress:
		// An ingress is a stream pushed in by WHIP: a token that may not publish
		// has nothing to push.
		return c.CheckGrant(GrantPublish)
	case vocab.ParticipantRelay:
		// A relay publishes on behalf of other participants (another node's):
		// only a room admin of exactly this room may be one. Nodes mint it.
		if err := c.CheckGrant(GrantRoomAdmin); err != nil {
			return err
		}
		if c.Room != room {
			return newError(CodeWrongRoom, fmt.Sprintf("a relay token is for room %q, not for room %q", c.Room, room), nil)
		}
	}
	return nil
}

// CheckRecord refuses unless the token may record room: the record grant on a
// token for exactly this room. The grant is per room: a token for room A never
// records room B, and a server-wide admin token (no room) records nothing.
func (c *Claims) CheckRecord(room string) error {
	if err := c.CheckGrant(GrantRecord); err != nil {
		return err
	}
	if c.Room == "" {
		return newError(CodeWrongRoom, fmt.Sprintf("the record grant is per room; this token names no room, not room %q", room), nil)
	}
	if c.Room != room {
		return newError(CodeWrongRoom, fmt.Sprintf("the record grant is for room %q, not for room %q", c.Room, room), nil)
	}
	return nil
}

// truncateClaim shortens a claim value quoted in an error message.
func truncateClaim(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
