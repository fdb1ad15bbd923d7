package whip

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// watch serves POST /whep/{room}/{target}: a player's offer of receive-only
// sections is answered with the live tracks of the target, a participant's
// identity or a track's SID. The sections of a kind take the target's tracks of
// that kind in the order they were published; a section left over stays
// without media.
func (h *Handler) watch(w http.ResponseWriter, r *http.Request) {
	room, target := r.PathValue("room"), r.PathValue("target")
	claims := h.checkToken(w, r, room)
	if claims == nil {
		return
	}
	if err := claims.CheckGrant(auth.GrantSubscribe); err != nil {
		h.refuse(w, err)
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
	want := receivedSections(sd)
	if want[vocab.KindAudio]+want[vocab.KindVideo] == 0 {
		writeProblem(w, http.StatusBadRequest, codeInvalidSDP, "the offer has no audio or video section the player receives on (recvonly or sendrecv)")
		return
	}
	tracks, owner, err := h.targetTracks(room, target)
	if err != nil {
		writeProblem(w, http.StatusNotFound, codeNotFound, err.Error())
		return
	}
	if owner == claims.Identity() {
		writeProblem(w, http.StatusBadRequest, codeBadRequest, "a participant cannot watch itself; the token's identity is the target's")
		return
	}
	part, err := h.cfg.Server.JoinDirect(r.Context(), claims, h.joinParams(claims, true))
	if err != nil {
		h.refuse(w, err)
		return
	}
	for _, t := range tracks {
		if want[t.Kind] == 0 {
			continue
		}
		want[t.Kind]--
		if err := part.Subscribe(t.SID); err != nil {
			part.Close(vocab.ReasonClientLeft)
			writeSFUError(w, err)
			return
		}
	}
	h.answer(w, r, &session{id: newID(), room: room, identity: claims.Identity(), whep: true, part: part}, offer)
}

// receivedSections counts the audio and video sections a player receives on.
func receivedSections(sd *sdp.SessionDescription) map[vocab.Kind]int {
	n := map[vocab.Kind]int{}
	for _, md := range sd.MediaDescriptions {
		kind := vocab.Kind(md.MediaName.Media)
		if (kind != vocab.KindAudio && kind != vocab.KindVideo) || md.MediaName.Port.Value == 0 {
			continue
		}
		receives := true
		for _, a := range md.Attributes {
			if a.Key == "sendonly" || a.Key == "inactive" {
				receives = false
			}
		}
		if receives {
			n[kind]++
		}
	}
	return n
}

// targetTracks finds the live tracks a WHEP URL names, and their owner: a
// track SID (TR_…) names one track, anything else a participant's identity.
func (h *Handler) targetTracks(roomName, target string) ([]vocab.TrackInfo, string, error) {
	room, ok := h.cfg.Server.Engine().Room(roomName)
	if !ok {
		return nil, "", fmt.Errorf("room %q is not open", roomName)
	}
	for _, p := range room.Participants() {
		if p.Hidden {
			continue // not shown to anyone, not watched either
		}
		if p.Identity == target {
			if len(p.Tracks) == 0 {
				return nil, "", fmt.Errorf("participant %q publishes no live track yet", target)
			}
			return p.Tracks, p.Identity, nil
		}
		if strings.HasPrefix(target, "TR_") {
			for _, t := range p.Tracks {
				if t.SID == target {
					return []vocab.TrackInfo{t}, p.Identity, nil
				}
			}
		}
	}
	return nil, "", fmt.Errorf("room %q has no participant or live track %q", roomName, target)
}
