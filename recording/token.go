package recording

import "github.com/ensemble-sfu/ensemble/signalling/auth"

// TokenParams describe the token a Recorder joins room with: it sees and
// receives everything, publishes nothing, and others do not see it.
func TokenParams(room, identity string) auth.TokenParams {
	return auth.TokenParams{
		Identity: identity,
		Room:     room,
		Grants:   auth.Grants{Join: true, Subscribe: true, Hidden: true},
	}
}
