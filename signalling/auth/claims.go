package auth

import (
	"fmt"
	"slices"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Claims are the contents of a room token. The registered claims carry the API key
// that signed it (iss), the participant's identity (sub) and the validity window
// (exp, nbf, iat).
type Claims struct {
	jwt.RegisteredClaims
	Name     string `json:"name,omitempty"`
	Metadata string `json:"metadata,omitempty"`
	Room     string `json:"room,omitempty"`
	// Kind says what the participant is (standard, recorder, sip, agent); absent
	// is standard. See CheckKind.
	Kind   vocab.ParticipantKind `json:"kind,omitempty"`
	Grants Grants                `json:"grants"`
}

// Identity is the participant identity the token was issued for (the sub claim).
func (c *Claims) Identity() string { return c.Subject }

// APIKey is the API key whose secret signed the token (the iss claim).
func (c *Claims) APIKey() string { return c.Issuer }

// CheckRoom refuses with CodeWrongRoom unless the token is for room. A token with no
// room and the room_admin grant is a server-wide admin token and passes for every
// room; joining still needs the exact room (see CheckJoin).
func (c *Claims) CheckRoom(room string) error {
	if c.Room == room {
		return nil
	}
	if c.Room == "" && c.Grants.RoomAdmin {
		return nil
	}
	if c.Room == "" {
		return newError(CodeWrongRoom, fmt.Sprintf("token is not for any room, not for room %q", room), nil)
	}
	return newError(CodeWrongRoom, fmt.Sprintf("token is for room %q, not for room %q", c.Room, room), nil)
}

// CheckIdentity refuses with CodeMissingIdentity when the token has no sub claim.
// Verify does not require one because API tokens may go without.
func (c *Claims) CheckIdentity() error {
	if c.Subject == "" {
		return newError(CodeMissingIdentity, "token has no identity (sub claim); joining a room needs one", nil)
	}
	return nil
}

// CheckGrant refuses with CodeMissingGrant, naming the grant, unless the boolean
// grant called name (a JSON name such as "publish" or "room_admin") is set.
// CheckGrant("join") also requires an identity (CodeMissingIdentity).
func (c *Claims) CheckGrant(name string) error {
	if c.Grants.field(name) == nil {
		return newError(CodeMissingGrant, fmt.Sprintf("unknown grant %q is never granted", name), nil)
	}
	if !c.Grants.Has(name) {
		return newError(CodeMissingGrant, fmt.Sprintf("token lacks the %q grant", name), nil)
	}
	if name == GrantJoin {
		return c.CheckIdentity()
	}
	return nil
}

// CheckJoin is everything joining room requires: an identity, the join grant and a
// token for exactly this room. A token without a room claim joins no room, whatever
// its other grants (room_admin makes it server-wide on the API, never on /rtc). An
// empty room means the token's own. A recorder's token must also carry the record
// grant for this room (CheckKind).
func (c *Claims) CheckJoin(room string) error {
	if err := c.CheckGrant(GrantJoin); err != nil {
		return err
	}
	switch {
	case c.Room == "":
		return newError(CodeWrongRoom, "token names no room; joining needs a token for the room", nil)
	case room != "" && c.Room != room:
		return newError(CodeWrongRoom, fmt.Sprintf("token is for room %q, not for room %q", c.Room, room), nil)
	}
	return c.CheckKind(c.Room)
}

// CheckPublishSource refuses with CodeMissingGrant unless the token may publish from
// src (for example a screen share from a token limited to camera and microphone).
func (c *Claims) CheckPublishSource(src string) error {
	if !c.Grants.Publish {
		return newError(CodeMissingGrant, "token lacks the \"publish\" grant", nil)
	}
	if !c.Grants.CanPublishSource(src) {
		allowed := c.Grants.Sources
		if len(allowed) == 0 {
			allowed = SourceNames
		}
		if !slices.Contains(SourceNames, src) {
			return newError(CodeMissingGrant, fmt.Sprintf("unknown publish source %q", src), nil)
		}
		return newError(CodeMissingGrant, fmt.Sprintf("token may not publish source %q (allowed: %v)", src, allowed), nil)
	}
	return nil
}
