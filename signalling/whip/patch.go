package whip

import (
	"fmt"
	"net/http"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// patch serves PATCH on a session (RFC 9725 §4.3): a trickle-ICE fragment with
// the current credentials adds candidates (204); one with new credentials and
// If-Match is an ICE restart, answered 200 with the server's new credentials
// and candidates and a new ETag.
func (h *Handler) patch(w http.ResponseWriter, r *http.Request) {
	s := h.ownSession(w, r)
	if s == nil {
		return
	}
	body, ok := readBody(w, r, sdpfragType)
	if !ok {
		return
	}
	frag, err := ParseFragment(body)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ifMatch := r.Header.Get("If-Match")
	if ifMatch != "" && ifMatch != "*" && ifMatch != s.etag {
		writeProblem(w, http.StatusPreconditionFailed, codePreconditionFail,
			fmt.Sprintf("If-Match %s does not name the current ICE session %s", ifMatch, s.etag))
		return
	}
	restart := frag.Ufrag != "" && frag.Ufrag != s.ufrag
	switch {
	case restart && frag.Pwd == "":
		writeProblem(w, http.StatusUnprocessableEntity, codeStaleCredentials,
			fmt.Sprintf("the fragment's ice-ufrag %q is not the session's; an ICE restart gives a=ice-ufrag and a=ice-pwd", frag.Ufrag))
		return
	case restart && ifMatch == "":
		writeProblem(w, http.StatusPreconditionRequired, codePreconditionNeed,
			"new ICE credentials restart ICE, which needs an If-Match: \"*\" header (RFC 9725 §4.3.2)")
		return
	}
	if restart {
		h.restartICE(w, s, frag)
		return
	}
	if err := addCandidates(s, frag); err != nil {
		writeSFUError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// restartICE renegotiates the session's last offer with the new credentials
// (WHIP renegotiates nothing else) and answers with the server's.
func (h *Handler) restartICE(w http.ResponseWriter, s *session, frag *Fragment) {
	offer := withCredentials(s.offer, frag.Ufrag, frag.Pwd)
	answer, err := s.negotiate(offer)
	if err != nil {
		writeSFUError(w, err)
		return
	}
	s.offer, s.ufrag, s.etag = offer, frag.Ufrag, `"`+newID()+`"`
	if err := addCandidates(s, frag); err != nil {
		writeSFUError(w, err)
		return
	}
	reply, err := answerFragment(answer)
	if err != nil {
		writeSFUError(w, err)
		return
	}
	w.Header().Set("Content-Type", sdpfragType)
	w.Header().Set("ETag", s.etag)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(reply.String()))
	h.log.Info("whip ICE restart", "room", s.room, "participant", s.identity, "whep", s.whep)
}

// addCandidates hands the fragment's candidates to the connection the client
// offers on. On a BUNDLE connection every candidate is for the one transport,
// whatever its section.
func addCandidates(s *session, frag *Fragment) error {
	target := vocab.TargetPublisher
	if s.whep {
		target = vocab.TargetSubscriber
	}
	for _, m := range frag.Media {
		for _, c := range m.Candidates {
			init := webrtc.ICECandidateInit{Candidate: c}
			if m.Mid != "" {
				mid := m.Mid
				init.SDPMid = &mid
			} else {
				idx := uint16(m.Index)
				init.SDPMLineIndex = &idx
			}
			if err := s.part.AddICECandidate(sfu.ICECandidate{Target: target, Candidate: init}); err != nil {
				return err
			}
		}
	}
	return nil
}

// delete serves DELETE on a session: the participant leaves.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	s := h.ownSession(w, r)
	if s == nil {
		return
	}
	s.part.Close(vocab.ReasonClientLeft)
	w.WriteHeader(http.StatusOK)
}

// ownSession finds the session of the URL and checks that the bearer token is
// its participant's: a refusal is written and nil returned.
func (h *Handler) ownSession(w http.ResponseWriter, r *http.Request) *session {
	room := r.PathValue("room")
	s := h.session(r.PathValue("session"))
	if s == nil || s.room != room {
		writeProblem(w, http.StatusNotFound, codeNotFound, "no such session (it ended, or never was)")
		return nil
	}
	claims := h.checkToken(w, r, room)
	if claims == nil {
		return nil
	}
	if claims.Identity() != s.identity {
		writeProblem(w, http.StatusForbidden, codeSessionForbidden, "the token is not the session's participant's")
		return nil
	}
	return s
}
