package recording

import (
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// TokenParams describe the token a Recorder joins room with: a participant of
// kind recorder, with the record grant for that room (the server refuses a
// recorder without it), that receives everything, publishes nothing, and that
// others do not see or count.
func TokenParams(room, identity string) auth.TokenParams {
	return auth.TokenParams{
		Identity: identity,
		Room:     room,
		Kind:     vocab.ParticipantRecorder,
		Grants:   auth.Grants{Join: true, Subscribe: true, Hidden: true, Record: true},
	}
}
