package auth

import (
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestRoundTripEveryGrant(t *testing.T) {
	v := testVerifier()
	for _, name := range GrantNames {
		t.Run(name, func(t *testing.T) {
			var g Grants
			if err := g.Set(name); err != nil {
				t.Fatal(err)
			}
			tok := mustSign(t, TokenParams{Identity: "alice", Room: "r1", Grants: g, TTL: time.Minute})
			c, err := v.Verify(tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got := c.Grants.Names(); !slices.Equal(got, []string{name}) {
				t.Fatalf("grants after round trip = %v, want [%s]", got, name)
			}
			if err := c.CheckGrant(name); err != nil {
				t.Fatalf("CheckGrant(%s): %v", name, err)
			}
			for _, other := range GrantNames {
				if other != name && c.CheckGrant(other) == nil {
					t.Fatalf("CheckGrant(%s) passed with only %s", other, name)
				}
			}
		})
	}
}

func TestRoundTripClaims(t *testing.T) {
	g := DefaultParticipantGrants()
	g.Sources = []string{"camera", "microphone"}
	g.Hidden, g.Record = true, true
	p := TokenParams{Identity: "alice", Name: "Alice A.", Metadata: `{"role":"host"}`, Room: "r1", Grants: g, TTL: 90 * time.Minute}
	c, err := testVerifier().Verify(mustSign(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if c.Identity() != "alice" || c.Name != p.Name || c.Metadata != p.Metadata || c.Room != "r1" || c.APIKey() != testKey {
		t.Fatalf("claims = %+v", c)
	}
	if !reflect.DeepEqual(c.Grants, g) {
		t.Fatalf("grants = %+v, want %+v", c.Grants, g)
	}
	if !c.ExpiresAt.Equal(testNow.Add(90*time.Minute)) || !c.IssuedAt.Equal(testNow) || c.NotBefore != nil {
		t.Fatalf("times: exp %v iat %v nbf %v", c.ExpiresAt, c.IssuedAt, c.NotBefore)
	}
}

func TestCheckRefusals(t *testing.T) {
	join := Claims{Room: "r1", Grants: Grants{Join: true}}
	join.Subject = "alice"
	noSub := Claims{Room: "r1", Grants: Grants{Join: true}}
	cameraOnly := Claims{Room: "r1", Grants: Grants{Publish: true, Sources: []string{"camera"}}}
	apiAdmin := Claims{Grants: Grants{RoomAdmin: true, RoomList: true}}
	noRoom := Claims{Grants: Grants{RoomList: true}}
	roomlessAdminJoin := Claims{Grants: Grants{Join: true, RoomAdmin: true}}
	roomlessAdminJoin.Subject = "mallory"

	tests := []struct {
		name   string
		check  func() error
		code   string
		status int
	}{
		{"other room", func() error { return join.CheckRoom("r2") }, CodeWrongRoom, http.StatusForbidden},
		{"join other room", func() error { return join.CheckJoin("r2") }, CodeWrongRoom, http.StatusForbidden},
		{"no room, no admin", func() error { return noRoom.CheckRoom("r1") }, CodeWrongRoom, http.StatusForbidden},
		{"admin token cannot join", func() error { return apiAdmin.CheckJoin("r1") }, CodeMissingGrant, http.StatusForbidden},
		{"missing publish", func() error { return join.CheckGrant(GrantPublish) }, CodeMissingGrant, http.StatusForbidden},
		{"unknown grant name", func() error { return join.CheckGrant("teleport") }, CodeMissingGrant, http.StatusForbidden},
		{"screen share without source", func() error { return cameraOnly.CheckPublishSource("screen_share") }, CodeMissingGrant, http.StatusForbidden},
		{"source without publish", func() error { return join.CheckPublishSource("camera") }, CodeMissingGrant, http.StatusForbidden},
		{"unknown source", func() error { return cameraOnly.CheckPublishSource("webcam") }, CodeMissingGrant, http.StatusForbidden},
		{"join without identity", func() error { return noSub.CheckGrant(GrantJoin) }, CodeMissingIdentity, http.StatusForbidden},
		{"roomless admin token with join cannot join", func() error { return roomlessAdminJoin.CheckJoin("r1") }, CodeWrongRoom, http.StatusForbidden},
		{"roomless admin token with join, no room asked", func() error { return roomlessAdminJoin.CheckJoin("") }, CodeWrongRoom, http.StatusForbidden},
		{"CheckJoin without identity", func() error { return noSub.CheckJoin("r1") }, CodeMissingIdentity, http.StatusForbidden},
		{"CheckIdentity", noSub.CheckIdentity, CodeMissingIdentity, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check()
			e, ok := err.(*Error)
			if !ok || e.Code != tt.code || e.HTTPStatus != tt.status {
				t.Fatalf("error = %#v, want code %s status %d", err, tt.code, tt.status)
			}
		})
	}

	// And what passes.
	for name, err := range map[string]error{
		"same room":            join.CheckRoom("r1"),
		"join":                 join.CheckJoin("r1"),
		"admin any room":       apiAdmin.CheckRoom("anything"),
		"camera allowed":       cameraOnly.CheckPublishSource("camera"),
		"all sources implicit": (&Claims{Grants: Grants{Publish: true}}).CheckPublishSource("screen_share_audio"),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCodesDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Codes {
		if seen[c] {
			t.Fatalf("code %q listed twice", c)
		}
		seen[c] = true
	}
	if len(seen) != 11 {
		t.Fatalf("%d codes, want 11", len(seen))
	}
}

func TestPermissions(t *testing.T) {
	all := []vocab.Source{vocab.SourceCamera, vocab.SourceMicrophone, vocab.SourceScreenShare, vocab.SourceScreenShareAudio}
	tests := []struct {
		name string
		g    Grants
		want vocab.Permissions
	}{
		{"default", DefaultParticipantGrants(), vocab.Permissions{CanPublish: true, CanSubscribe: true, CanPublishData: true, CanUpdateMetadata: true, Sources: all}},
		{"limited sources", Grants{Publish: true, Sources: []string{"microphone", "bogus", "microphone"}}, vocab.Permissions{CanPublish: true, Sources: []vocab.Source{vocab.SourceMicrophone}}},
		{"sources without publish", Grants{Sources: []string{"camera"}, Subscribe: true}, vocab.Permissions{CanSubscribe: true}},
		{"hidden recorder", Grants{Join: true, Subscribe: true, Hidden: true, Record: true}, vocab.Permissions{CanSubscribe: true, Hidden: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.Permissions(); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Permissions() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCanPublishSource(t *testing.T) {
	camera := Grants{Publish: true, Sources: []string{"camera"}}
	for _, tt := range []struct {
		g    Grants
		src  string
		want bool
	}{
		{camera, "camera", true},
		{camera, "screen_share", false},
		{Grants{Publish: true}, "screen_share", true},
		{Grants{Publish: true}, "webcam", false},
		{Grants{Sources: []string{"camera"}}, "camera", false},
	} {
		if got := tt.g.CanPublishSource(tt.src); got != tt.want {
			t.Errorf("%+v.CanPublishSource(%q) = %v, want %v", tt.g, tt.src, got, tt.want)
		}
	}
}
