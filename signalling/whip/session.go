package whip

import (
	"crypto/rand"
	"encoding/hex"
	"sync"

	"github.com/ensemble-sfu/ensemble/sfu"
)

// session is one WHIP ingest or WHEP playback: a participant whose client
// offered, and what a PATCH needs (the last offer, to restart ICE from, and the
// ETag of the current ICE session).
type session struct {
	id, room, identity string
	whep               bool
	part               *sfu.Participant

	mu    sync.Mutex // serializes PATCHes
	offer string     // the client's last offer (with its current ICE credentials)
	ufrag string     // the client's current ICE username fragment
	etag  string     // names the current ICE session (RFC 9725 §4.3.1)
}

// negotiate hands an offer to the participant's connection the client offers
// on: the publisher for WHIP, the subscriber for WHEP.
func (s *session) negotiate(offer string) (string, error) {
	if s.whep {
		return s.part.AnswerSubscriberOffer(offer)
	}
	return s.part.HandleOffer(offer)
}

// newID is a random identifier: a session's (its URL is a capability, so it
// cannot be guessed) or an ETag.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// add registers s and watches its participant: when it ends (DELETE, a failed
// transport, the room deleted, a duplicate identity), the session goes. False
// when the handler is closed.
func (h *Handler) add(s *session) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.sessions[s.id] = s
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		<-s.part.Done()
		h.mu.Lock()
		delete(h.sessions, s.id)
		h.mu.Unlock()
		h.log.Info("whip session ended", "room", s.room, "participant", s.identity, "whep", s.whep)
	}()
	return true
}

func (h *Handler) session(id string) *session {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sessions[id]
}
