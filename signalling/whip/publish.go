package whip

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/pion/sdp/v3"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// publish serves POST /whip/{room}: an encoder's offer becomes a participant of
// kind ingress publishing the tracks the offer sends.
func (h *Handler) publish(w http.ResponseWriter, r *http.Request) {
	room := r.PathValue("room")
	claims := h.checkToken(w, r, room)
	if claims == nil {
		return
	}
	if claims.Kind != vocab.ParticipantIngress {
		writeProblem(w, http.StatusForbidden, codeWrongKind, fmt.Sprintf(
			"WHIP publishes as a participant of kind ingress; this token's kind is %q (mint one with: ensemble token --room %s --identity <name> --kind ingress --grant join,publish)",
			claims.Kind.OrStandard(), room))
		return
	}
	offer, ok := readBody(w, r, sdpType)
	if !ok {
		return
	}
	sd, err := parseOffer(offer)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, codeInvalidSDP, err.Error())
		return
	}
	tracks, err := offeredTracks(sd)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, codeInvalidSDP, err.Error())
		return
	}
	for _, t := range tracks {
		if err := claims.CheckPublishSource(string(t.req.Source)); err != nil {
			h.refuse(w, err)
			return
		}
	}
	part, err := h.cfg.Server.JoinDirect(r.Context(), claims, h.joinParams(claims, false))
	if err != nil {
		h.refuse(w, err)
		return
	}
	for _, t := range tracks {
		if _, err := part.AddTrack(t.clientID, t.req); err != nil {
			part.Close(vocab.ReasonClientLeft)
			writeSFUError(w, err)
			return
		}
	}
	h.answer(w, r, &session{id: newID(), room: room, identity: claims.Identity(), part: part}, offer)
}

// joinParams are those of a participant whose client offers on both connections.
func (h *Handler) joinParams(claims *auth.Claims, whep bool) sfu.JoinParams {
	kind := claims.Kind
	if !whep {
		kind = vocab.ParticipantIngress
	}
	return sfu.JoinParams{
		Identity: claims.Identity(), Name: claims.Name, Metadata: claims.Metadata, Kind: kind,
		Permissions: claims.Grants.Permissions(), ClientOffers: true,
		Sink: sfu.EventSinkFunc(func(sfu.Event) {}), // WHIP and WHEP have no channel for events
	}
}

// answer negotiates a new session's offer and answers 201 with the session's
// URL, its ETag and the ICE servers; on failure the participant is closed.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, s *session, offer string) {
	answer, err := s.negotiate(offer)
	if err != nil {
		s.part.Close(vocab.ReasonClientLeft)
		writeSFUError(w, err)
		return
	}
	s.offer, s.ufrag, s.etag = offer, offerUfrag(offer), `"`+newID()+`"`
	if !h.add(s) {
		s.part.Close(vocab.ReasonServerShutdown)
		writeProblem(w, http.StatusServiceUnavailable, codeServerUnavailable, "the server is shutting down")
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", sdpType)
	hd.Set("Location", sessionPath(r, s.id))
	hd.Set("ETag", s.etag)
	hd.Set("Cache-Control", "no-store")
	addICEServerLinks(hd, h.cfg.ICEServers)
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte(answer))
	h.log.Info("whip session started", "room", s.room, "participant", s.identity, "participant_sid", s.part.SID(), "whep", s.whep)
}

// parseOffer parses an offer, refusing what is not SDP with the parser's reason.
func parseOffer(offer string) (*sdp.SessionDescription, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		return nil, fmt.Errorf("%w: not SDP: %w", ErrBadOffer, err)
	}
	return &sd, nil
}

// writeSFUError answers an error of the media plane: the client's fault (its
// SDP, its request) is 400 or 403, anything else 500.
func writeSFUError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, sfu.ErrInvalidSDP):
		writeProblem(w, http.StatusBadRequest, codeInvalidSDP, err.Error())
	case errors.Is(err, sfu.ErrInvalidArgument), errors.Is(err, sfu.ErrTooManyTracks):
		writeProblem(w, http.StatusBadRequest, codeBadRequest, err.Error())
	case errors.Is(err, sfu.ErrPermissionDenied):
		writeProblem(w, http.StatusForbidden, "permission_denied", err.Error())
	case errors.Is(err, sfu.ErrTrackNotFound):
		writeProblem(w, http.StatusNotFound, codeNotFound, err.Error())
	case errors.Is(err, sfu.ErrParticipantClosed):
		writeProblem(w, http.StatusConflict, "session_ended", "the session ended meanwhile (a participant with the same identity joined, or the room closed)")
	default:
		writeProblem(w, http.StatusInternalServerError, "internal", "internal error")
	}
}
