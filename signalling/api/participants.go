package api

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/label"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Permissions is the API form of vocab.Permissions. In an update, absent fields keep
// their value.
type Permissions struct {
	CanPublish        *bool          `json:"can_publish,omitempty"`
	CanSubscribe      *bool          `json:"can_subscribe,omitempty"`
	CanPublishData    *bool          `json:"can_publish_data,omitempty"`
	Sources           []vocab.Source `json:"sources,omitempty"`
	CanUpdateMetadata *bool          `json:"can_update_metadata,omitempty"`
	Hidden            *bool          `json:"hidden,omitempty"` // read-only: shown, refused in updates
}

// UpdateParticipantRequest is the body of PATCH .../participants/{identity}.
type UpdateParticipantRequest struct {
	Name        *string      `json:"name,omitempty"`
	Metadata    *string      `json:"metadata,omitempty"`
	Permissions *Permissions `json:"permissions,omitempty"`
}

// Participant is the body of participant responses: its info and permissions.
type Participant struct {
	protocol.ParticipantInfo
	Permissions Permissions `json:"permissions"`
}

func participantView(p *sfu.Participant) Participant {
	perm := p.Permissions()
	return Participant{ParticipantInfo: protocol.FromParticipant(p.Info()), Permissions: Permissions{
		CanPublish: &perm.CanPublish, CanSubscribe: &perm.CanSubscribe, CanPublishData: &perm.CanPublishData,
		Sources: slices.Clone(perm.Sources), CanUpdateMetadata: &perm.CanUpdateMetadata, Hidden: &perm.Hidden,
	}}
}

func (h *handler) listParticipants(req *request) *apiwire.Problem {
	_, live, p := h.lookupRoom(req)
	if p != nil {
		return p
	}
	out := apiwire.ParticipantList{Participants: []protocol.ParticipantInfo{}}
	if live != nil {
		// A relay (another node carrying the room, package cascade) is
		// this node's machinery, not a participant: the participants it
		// relays are listed instead, once each.
		ps := slices.DeleteFunc(live.Participants(), func(p vocab.ParticipantInfo) bool { return p.Kind == vocab.ParticipantRelay })
		out.Participants = append(out.Participants, protocol.FromParticipants(ps)...)
	}
	writeJSON(req.w, http.StatusOK, out)
	return nil
}

// lookupParticipant finds the participant named in the path in the live room.
func (h *handler) lookupParticipant(req *request) (*sfu.Participant, *apiwire.Problem) {
	room, identity := req.r.PathValue("room"), req.r.PathValue("identity")
	_, live, p := h.lookupRoom(req)
	if p != nil {
		return nil, p
	}
	if live != nil {
		// Not a relay: removing one would take every participant of its
		// node out of this room's view (they come back as it rejoins).
		if part, ok := live.Participant(identity); ok && part.Kind() != vocab.ParticipantRelay {
			return part, nil
		}
	}
	return nil, newProblem(http.StatusNotFound, "participant_not_found",
		fmt.Sprintf("no participant %q in room %q", identity, room))
}

func (h *handler) getParticipant(req *request) *apiwire.Problem {
	part, p := h.lookupParticipant(req)
	if p != nil {
		return p
	}
	writeJSON(req.w, http.StatusOK, participantView(part))
	return nil
}

func (h *handler) removeParticipant(req *request) *apiwire.Problem {
	part, p := h.lookupParticipant(req)
	if p != nil {
		return p
	}
	// A participant of another node (relayed) is removed there, and leaves
	// here when that node says it left: see sfu Participant.Remove. The answer
	// waits for that, so that a caller who lists the room next does not see it.
	part.Remove()
	h.log.Info("participant removed", "room", req.r.PathValue("room"), "participant", part.Identity(),
		"relayed", part.IsRelayed(), "by", req.claims.APIKey())
	if part.IsRelayed() {
		within := cmp.Or(h.RelayedRemovalWait, defaultRelayedRemovalWait)
		wait := time.NewTimer(within)
		defer wait.Stop()
		select {
		case <-part.Done():
		case <-wait.C:
			return newProblem(http.StatusGatewayTimeout, "node_timeout", fmt.Sprintf(
				"participant %q is served by another node, which was told to remove it but did not confirm within %v; it may still leave (list the room to see)",
				part.Identity(), within))
		case <-req.r.Context().Done():
			return nil // the caller went away
		}
	}
	req.w.WriteHeader(http.StatusNoContent)
	return nil
}

// defaultRelayedRemovalWait bounds how long the removal of a participant of
// another node waits for that node's confirmation (its leave, crossing back):
// a round trip between nodes, normally milliseconds.
const defaultRelayedRemovalWait = 5 * time.Second

func (in *UpdateParticipantRequest) validate() *apiwire.Problem {
	if in.Name == nil && in.Metadata == nil && in.Permissions == nil {
		return invalid("name", "nothing to update: give name, metadata or permissions")
	}
	if in.Name != nil {
		if err := label.Check(*in.Name, label.MaxNameRunes); err != nil {
			return invalid("name", "%v", err)
		}
	}
	if in.Metadata != nil {
		if p := validMetadata("metadata", *in.Metadata); p != nil {
			return p
		}
	}
	if perm := in.Permissions; perm != nil {
		if perm.Hidden != nil {
			return invalid("permissions.hidden", "cannot change after joining")
		}
		for i, s := range perm.Sources {
			if !s.Valid() {
				return invalid(fmt.Sprintf("permissions.sources[%d]", i), "unknown source %q (camera, microphone, screen_share, screen_share_audio)", s)
			}
		}
	}
	return nil
}

func (h *handler) updateParticipant(req *request) *apiwire.Problem {
	var in UpdateParticipantRequest
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	if p := in.validate(); p != nil {
		return p
	}
	part, p := h.lookupParticipant(req)
	if p != nil {
		return p
	}
	// The sfu's admin paths: a participant of another node (relayed) is
	// changed there too, and a relayed one's permissions only there (the
	// answer shows its permissions here).
	if in.Name != nil || in.Metadata != nil {
		if err := part.SetInfo(in.Name, in.Metadata); err != nil {
			return participantGone(req, err)
		}
	}
	if perm := in.Permissions; perm != nil {
		part.ChangePermissions(vocab.PermissionsChange{
			CanPublish: perm.CanPublish, CanSubscribe: perm.CanSubscribe, CanPublishData: perm.CanPublishData,
			CanUpdateMetadata: perm.CanUpdateMetadata, Sources: perm.Sources,
		})
	}
	writeJSON(req.w, http.StatusOK, participantView(part))
	return nil
}

func participantGone(req *request, err error) *apiwire.Problem {
	if errors.Is(err, sfu.ErrParticipantClosed) {
		return newProblem(http.StatusNotFound, "participant_not_found",
			fmt.Sprintf("participant %q left", req.r.PathValue("identity")))
	}
	return newProblem(http.StatusConflict, "participant_update_failed", err.Error())
}

func (h *handler) muteTrack(req *request) *apiwire.Problem {
	var in apiwire.MuteRequest
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	if in.Muted == nil {
		return invalid("muted", "is required (true or false)")
	}
	part, p := h.lookupParticipant(req)
	if p != nil {
		return p
	}
	sid := req.r.PathValue("track")
	if err := part.MuteTrack(sid, *in.Muted); err != nil {
		if errors.Is(err, sfu.ErrTrackNotFound) {
			return newProblem(http.StatusNotFound, "track_not_found",
				fmt.Sprintf("participant %q has no track %q", part.Identity(), sid))
		}
		return participantGone(req, err)
	}
	for _, t := range part.Info().Tracks {
		if t.SID == sid {
			writeJSON(req.w, http.StatusOK, t)
			return nil
		}
	}
	// Not live yet (declared, media not arrived): Info does not list it.
	writeJSON(req.w, http.StatusOK, protocol.TrackInfo{SID: sid, Muted: *in.Muted})
	return nil
}
