package client

import (
	"slices"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// handle processes one server message on the session goroutine; true ends the session.
func (c *Client) handle(msg protocol.ServerMessage) bool {
	if msg.ReqID != 0 && c.answer(msg) {
		// An add_track is answered with a track_published for our own track:
		// the answer is all there is to it.
		return false
	}
	switch m := msg.Body.(type) {
	case protocol.SDPMessage:
		if msg.Type == protocol.TypeOffer {
			c.handleSubscriberOffer(m)
		}
	case protocol.TrickleMessage:
		c.addRemoteCandidate(m.Target, m.Candidate)
	case protocol.RoomUpdatedEvent:
		room := m.Room.Vocab()
		c.mu.Lock()
		c.room = room
		c.mu.Unlock()
		c.events.push(RoomUpdated{Room: room})
	case protocol.ParticipantEvent:
		c.mu.Lock()
		p := m.Participant.Vocab()
		if p.SID == c.self.SID { // changed by the server (an admin): not another participant
			c.self = p
			c.mu.Unlock()
			c.events.push(ParticipantUpdated{Participant: p})
			return false
		}
		_, known := c.others[p.SID]
		c.others[p.SID] = p
		var old vocab.ParticipantInfo
		moved := false
		if !known {
			old, moved = c.claimMovedLocked(p)
		}
		c.mu.Unlock()
		if moved {
			c.events.push(ParticipantMoved{Participant: p, OldSID: old.SID})
		} else if msg.Type == protocol.TypeParticipantJoined || !known {
			c.events.push(ParticipantJoined{Participant: p})
		} else {
			c.events.push(ParticipantUpdated{Participant: p})
		}
	case protocol.ParticipantLeftEvent:
		c.mu.Lock()
		delete(c.others, m.Participant.SID)
		// The old session of one moving with the room ending is its move, not a
		// leave: ParticipantMoved, or ParticipantLeft after the grace, says the rest.
		left := m.Participant.Vocab()
		moving := c.heldLocked(left)
		// A session the server ends because the room moves may be told to
		// the others before their own sessions end (the node closes them one
		// by one): held like the others, it is a move too.
		heldNow := !moving && m.Reason == vocab.ReasonRoomMoved && c.holdLocked(left)
		c.mu.Unlock()
		if heldNow {
			c.awaitMoved() // a ParticipantLeft after the grace if this client does not move
		}
		if !moving && !heldNow {
			c.events.push(ParticipantLeft{Participant: m.Participant.Vocab(), Reason: m.Reason})
		}
	case protocol.TrackPublishedEvent:
		c.trackPublished(m)
	case protocol.TrackUnpublishedEvent:
		c.mu.Lock()
		if p, ok := c.others[m.ParticipantSID]; ok {
			p.Tracks = slices.DeleteFunc(slices.Clone(p.Tracks), func(t vocab.TrackInfo) bool { return t.SID == m.TrackSID })
			c.others[m.ParticipantSID] = p
		}
		own := m.ParticipantSID == c.self.SID
		c.forgetRemoteLocked(m.TrackSID)
		var gone *LocalTrack
		if own { // unpublished by the server (an admin), or the ack of ours
			for cid, t := range c.local {
				if t.SID() == m.TrackSID {
					gone = t
					delete(c.local, cid)
				}
			}
		}
		c.mu.Unlock()
		if gone != nil {
			gone.markGone()
		}
		c.events.push(TrackUnpublished{ParticipantSID: m.ParticipantSID, TrackSID: m.TrackSID})
	case protocol.TrackMutedEvent:
		c.mu.Lock()
		if p, ok := c.others[m.ParticipantSID]; ok {
			p.Tracks = slices.Clone(p.Tracks)
			for i := range p.Tracks {
				if p.Tracks[i].SID == m.TrackSID {
					p.Tracks[i].Muted = m.Muted
				}
			}
			c.others[m.ParticipantSID] = p
		}
		if m.ParticipantSID == c.self.SID { // muted by the server (an admin)
			for _, t := range c.local {
				if t.SID() == m.TrackSID {
					t.muted.Store(m.Muted)
				}
			}
		}
		c.mu.Unlock()
		c.events.push(TrackMuted{ParticipantSID: m.ParticipantSID, TrackSID: m.TrackSID, Muted: m.Muted})
	case protocol.ActiveSpeakersEvent:
		c.events.push(ActiveSpeakers{Speakers: vocabSlice(m.Speakers, protocol.SpeakerInfo.Vocab)})
	case protocol.ConnectionQualityEvent:
		c.events.push(ConnectionQuality{Updates: vocabSlice(m.Updates, protocol.ConnectionQualityInfo.Vocab)})
	case protocol.DataEvent:
		c.events.push(DataReceived{Kind: m.Kind, Topic: m.Topic, Payload: m.Payload, FromSID: m.FromSID, FromIdentity: m.FromIdentity, To: m.DestinationIdentities})
	case protocol.DrainingEvent:
		c.events.push(Draining{})
	case protocol.LobbyGuestEvent:
		c.handleLobby(msg.Type, m)
	case protocol.PublisherLayersEvent:
		c.handlePublisherLayers(m)
	case protocol.PublisherBackupEvent:
		c.handlePublisherBackup(m)
	case protocol.RelayedAdminEvent:
		c.events.push(RelayedAdmin{Identity: m.Identity, Action: m.Action, TrackSID: m.TrackSID, Muted: m.Muted,
			Name: m.Name, Metadata: m.Metadata, Permissions: m.Permissions.Vocab()})
	case protocol.SubscriptionLayerEvent:
		c.events.push(subscriptionLayer(m))
	case protocol.CloseEvent:
		c.shutdown(&Closed{Reason: m.Reason, Message: m.Message})
		return true
	case protocol.ErrorMessage:
		c.log.Warn("error from the server", "code", m.Code, "message", m.Message)
	}
	return false
}

// answer hands msg to the request waiting for its req_id; false if none waits.
func (c *Client) answer(msg protocol.ServerMessage) bool {
	c.mu.Lock()
	ch, ok := c.pending[msg.ReqID]
	delete(c.pending, msg.ReqID)
	c.mu.Unlock()
	if ok {
		ch <- reply{msg: msg}
	}
	return ok
}

// trackPublished records a track: one of ours (matched by cid, once its media
// arrived) or another participant's.
func (c *Client) trackPublished(m protocol.TrackPublishedEvent) {
	track := m.Track.Vocab()
	c.mu.Lock()
	if m.ParticipantSID == c.self.SID {
		if t, ok := c.local[m.ClientID]; ok {
			t.setInfo(track)
		}
		c.mu.Unlock()
		return
	}
	p, ok := c.others[m.ParticipantSID]
	if ok {
		p.Tracks = slices.DeleteFunc(slices.Clone(p.Tracks), func(t vocab.TrackInfo) bool { return t.SID == m.Track.SID })
		p.Tracks = append(p.Tracks, track)
		c.others[m.ParticipantSID] = p
	}
	c.mu.Unlock()
	c.events.push(TrackPublished{ParticipantSID: m.ParticipantSID, Track: track})
}

// applyJoin takes the room state of a join or resumed message. On a resume, the
// differences to what the client knew become events, so a consumer's view stays right.
func (c *Client) applyJoin(jr protocol.JoinResponse, resumed bool) {
	c.mu.Lock()
	old := c.others
	c.join = jr
	c.self = jr.Participant.Vocab()
	c.room = jr.Room.Vocab()
	c.others = make(map[string]vocab.ParticipantInfo, len(jr.Others))
	for _, p := range jr.Others {
		c.others[p.SID] = p.Vocab()
	}
	if !resumed {
		c.mu.Unlock()
		return
	}
	var events []Event
	for sid, p := range old {
		// One held across the room's move waits for its owner (roommove.go).
		if _, ok := c.others[sid]; !ok && !c.heldLocked(p) {
			events = append(events, ParticipantLeft{Participant: p})
		}
	}
	for sid, p := range c.others {
		if _, ok := old[sid]; ok {
			continue
		}
		if prev, moved := c.claimMovedLocked(p); moved {
			events = append(events, ParticipantMoved{Participant: p, OldSID: prev.SID})
		} else {
			events = append(events, ParticipantJoined{Participant: p})
		}
	}
	c.mu.Unlock()
	for _, ev := range events {
		c.events.push(ev)
	}
}

// vocabSlice converts a list of wire shapes to the vocab descriptions.
func vocabSlice[W, V any](ws []W, conv func(W) V) []V {
	if ws == nil {
		return nil
	}
	out := make([]V, len(ws))
	for i, w := range ws {
		out[i] = conv(w)
	}
	return out
}
