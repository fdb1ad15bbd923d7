package main

import (
	"os"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

// participantToken is a dev-key token with the default participant grants for
// identity in room.
func participantToken(t *testing.T, room, identity string) string {
	t.Helper()
	tok, err := auth.Sign(auth.DevAPIKey, auth.DevAPISecret, auth.TokenParams{Identity: identity, Room: room,
		Grants: auth.DefaultParticipantGrants(), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
