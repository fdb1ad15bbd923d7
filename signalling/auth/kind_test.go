package auth

import (
	"errors"
	"net/http"
	"testing"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// The kind travels in the token and comes back as it was signed.
func TestKindRoundTrip(t *testing.T) {
	v := testVerifier()
	for _, k := range []vocab.ParticipantKind{"", vocab.ParticipantStandard, vocab.ParticipantSIP, vocab.ParticipantAgent, vocab.ParticipantRecorder, vocab.ParticipantIngress} {
		c, err := v.Verify(mustSign(t, TokenParams{Identity: "x", Room: "a", Kind: k, Grants: Grants{Join: true, Record: true, Publish: true}}))
		if err != nil {
			t.Fatalf("%q: %v", k, err)
		}
		if c.Kind != k {
			t.Errorf("kind %q came back as %q", k, c.Kind)
		}
		if err := c.CheckJoin("a"); err != nil {
			t.Errorf("%q: CheckJoin: %v", k, err)
		}
	}
}

func TestSignRefusesUnknownKind(t *testing.T) {
	_, err := Sign(testKey, testSecret, TokenParams{Identity: "x", Room: "a", Kind: "robot", Grants: Grants{Join: true}})
	if !errors.Is(err, ErrUnknownKind) {
		t.Errorf("Sign with kind robot: %v, want ErrUnknownKind", err)
	}
}

// A token signed by hand with an unknown kind verifies (the signature is good) but
// cannot join.
func TestJoinRefusesUnknownKind(t *testing.T) {
	c := &Claims{Room: "a", Kind: "robot", Grants: Grants{Join: true}}
	c.Subject = "x"
	err := c.CheckJoin("a")
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeUnknownKind || e.HTTPStatus != http.StatusForbidden {
		t.Fatalf("CheckJoin with kind robot: %v, want %s (403)", err, CodeUnknownKind)
	}
}

// The record grant is per room: a recorder's token for room A joins A, and never
// records B, whatever else it holds.
func TestRecordGrantIsPerRoom(t *testing.T) {
	v := testVerifier()
	rec := func(room string, g Grants) *Claims {
		c, err := v.Verify(mustSign(t, TokenParams{Identity: "rec", Room: room, Kind: vocab.ParticipantRecorder, Grants: g}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	full := Grants{Join: true, Subscribe: true, Record: true, RoomAdmin: true}
	tests := []struct {
		name   string
		claims *Claims
		room   string
		code   string // "" = allowed
	}{
		{"recorder of a joins a", rec("a", full), "a", ""},
		{"recorder of a does not join b", rec("a", full), "b", CodeWrongRoom},
		{"a recorder without the record grant does not join", rec("a", Grants{Join: true, Subscribe: true}), "a", CodeMissingGrant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.claims.CheckJoin(tc.room)
			if got := CodeOf(err); got != tc.code {
				t.Errorf("CheckJoin(%q) = %v, want code %q", tc.room, err, tc.code)
			}
		})
	}
	// CheckRecord directly, for callers that start a recording without joining.
	if err := rec("a", full).CheckRecord("a"); err != nil {
		t.Errorf("CheckRecord(a) with a token for a: %v", err)
	}
	if err := rec("a", full).CheckRecord("b"); !IsCode(err, CodeWrongRoom) {
		t.Errorf("CheckRecord(b) with a token for a: %v, want %s", err, CodeWrongRoom)
	}
	admin, err := v.Verify(mustSign(t, TokenParams{Grants: Grants{RoomAdmin: true, Record: true}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.CheckRecord("a"); !IsCode(err, CodeWrongRoom) {
		t.Errorf("CheckRecord with a server-wide admin token: %v, want %s (the grant is per room)", err, CodeWrongRoom)
	}
	if err := rec("a", Grants{Join: true}).CheckRecord("a"); !IsCode(err, CodeMissingGrant) {
		t.Errorf("CheckRecord without the record grant: %v, want %s", err, CodeMissingGrant)
	}
}

// An ingress pushes a stream in: its token must be allowed to publish.
func TestIngressNeedsPublish(t *testing.T) {
	c := &Claims{Room: "a", Kind: vocab.ParticipantIngress, Grants: Grants{Join: true}}
	c.Subject = "obs"
	if err := c.CheckJoin("a"); !IsCode(err, CodeMissingGrant) {
		t.Errorf("ingress without publish: %v, want %s", err, CodeMissingGrant)
	}
	c.Grants.Publish = true
	if err := c.CheckJoin("a"); err != nil {
		t.Errorf("ingress with publish: %v", err)
	}
}

// A relay speaks for other participants: only a room admin of exactly its room
// is one.
func TestRelayNeedsRoomAdminOfItsRoom(t *testing.T) {
	v := testVerifier()
	relay := func(room string, g Grants) *Claims {
		c, err := v.Verify(mustSign(t, TokenParams{Identity: "relay-node-2", Room: room, Kind: vocab.ParticipantRelay, Grants: g}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	full := Grants{Join: true, Publish: true, Subscribe: true, RoomAdmin: true}
	if err := relay("a", full).CheckJoin("a"); err != nil {
		t.Errorf("a relay with room_admin of its room: %v", err)
	}
	var e *Error
	if err := relay("a", Grants{Join: true, Publish: true, Subscribe: true}).CheckJoin("a"); !errors.As(err, &e) || e.Code != CodeMissingGrant {
		t.Errorf("a relay without room_admin: %v, want %s", err, CodeMissingGrant)
	}
	if err := relay("", full).CheckKind("a"); !errors.As(err, &e) || e.Code != CodeWrongRoom {
		t.Errorf("a relay token naming no room: %v, want %s", err, CodeWrongRoom)
	}
}
