package server

import (
	"errors"
	"fmt"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// handle processes one request from c. It runs on c's read goroutine, so a
// connection's requests are processed in the order they were sent. Every request
// with a req_id gets an answer (ack, answer, track_published or pong) or an error
// with the same req_id.
func (p *peer) handle(c *conn, msg protocol.ClientMessage) {
	part := p.part
	id := msg.ReqID
	perms := part.Permissions()
	switch req := msg.Body.(type) {
	case protocol.SDPMessage:
		if msg.Type == protocol.TypeOffer {
			answer, err := part.HandleOffer(req.SDP)
			if err != nil {
				p.fail(c, id, msg.Type, err)
				return
			}
			c.send(outMsg{typ: protocol.TypeAnswer, reqID: id, data: protocol.SDPMessage{SDP: answer}})
			return
		}
		p.reply(c, id, msg.Type, part.HandleAnswer(req.SDP))
	case protocol.TrickleMessage:
		p.reply(c, id, msg.Type, part.AddICECandidate(sfu.ICECandidate{Target: req.Target, Candidate: req.Candidate}))
	case protocol.AddTrackRequest:
		if !perms.CanPublishSource(req.Source) {
			c.sendError(id, protocol.CodePermissionDenied, publishDenied(perms, req.Source))
			return
		}
		treq := sfu.TrackRequest{
			Name: req.Name, Kind: req.Kind, Source: req.Source, Muted: req.Muted,
			Width: req.Width, Height: req.Height, Layers: protocol.VocabLayers(req.Layers),
			BackupOf: req.BackupOf, MimeType: req.MimeType,
		}
		var info vocab.TrackInfo
		var err error
		if o := req.Owner; o != nil {
			info, err = part.AddRelayedTrack(sfu.RelayedOwner{Identity: o.Identity, Name: o.Name, Metadata: o.Metadata, Kind: o.Kind}, req.ClientID, treq)
		} else {
			info, err = part.AddTrack(req.ClientID, treq)
		}
		if err != nil {
			p.fail(c, id, msg.Type, err)
			return
		}
		c.send(outMsg{typ: protocol.TypeTrackPublished, reqID: id, data: protocol.TrackPublishedEvent{
			ParticipantSID: part.SID(), ClientID: req.ClientID, Track: protocol.FromTrack(info),
		}})
	case protocol.MuteRequest:
		p.reply(c, id, msg.Type, part.SetTrackMuted(req.TrackSID, req.Muted))
	case protocol.UnpublishRequest:
		p.reply(c, id, msg.Type, part.Unpublish(req.TrackSID))
	case protocol.SubscribeRequest:
		if req.Subscribe && !perms.CanSubscribe {
			c.sendError(id, protocol.CodePermissionDenied, `your token lacks the "subscribe" grant`)
			return
		}
		for _, sid := range req.TrackSIDs {
			var err error
			if req.Subscribe {
				err = part.Subscribe(sid)
			} else {
				err = part.Unsubscribe(sid)
			}
			if err != nil {
				p.fail(c, id, msg.Type, fmt.Errorf("track %s: %w", sid, err))
				return
			}
		}
		c.ack(id)
	case protocol.UpdateSubscriptionRequest:
		p.reply(c, id, msg.Type, part.UpdateSubscription(req.TrackSID, sfu.SubscriptionSettings{
			Paused: req.Paused, Quality: req.WantedQuality(), Width: req.Width, Height: req.Height,
		}))
	case protocol.SendDataRequest:
		if !perms.CanPublishData {
			c.sendError(id, protocol.CodePermissionDenied, `your token lacks the "publish_data" grant`)
			return
		}
		pkt := sfu.DataPacket{
			Kind: req.Kind, Topic: req.Topic, Payload: req.Payload, DestinationIdentities: req.DestinationIdentities,
		}
		if req.FromIdentity != nil {
			p.reply(c, id, msg.Type, part.SendRelayedData(*req.FromIdentity, pkt))
			return
		}
		p.reply(c, id, msg.Type, part.SendData(pkt))
	case protocol.UpdateMetadataRequest:
		if !perms.CanUpdateMetadata {
			c.sendError(id, protocol.CodePermissionDenied, `your token lacks the "update_metadata" grant`)
			return
		}
		p.reply(c, id, msg.Type, part.UpdateInfo(req.Name, req.Metadata))
	case protocol.PingMessage:
		c.send(outMsg{typ: protocol.TypePong, reqID: id, data: req})
	case protocol.LobbyDecisionRequest:
		p.decideLobby(c, id, msg.Type, req)
	case protocol.RelayParticipantRequest:
		p.relayParticipant(c, id, msg.Type, req)
	default:
		if msg.Type == protocol.TypeLeave {
			c.ack(id)
			part.Close(vocab.ReasonClientLeft)
			return
		}
		c.sendError(id, protocol.CodeInternal, fmt.Sprintf("request %q is not handled by this server", msg.Type))
	}
}

// relayParticipant declares, updates or removes a participant of a relay's
// node: a relay speaks for others, so its token must be a room admin's too
// (the sfu refuses any kind but relay).
func (p *peer) relayParticipant(c *conn, id uint32, typ string, req protocol.RelayParticipantRequest) {
	if !c.roomAdmin {
		c.sendError(id, protocol.CodePermissionDenied, `your token lacks the "room_admin" grant (needed to relay participants)`)
		return
	}
	if req.Left {
		p.reply(c, id, typ, p.part.RemoveRelayed(req.Identity, req.Reason))
		return
	}
	owner := sfu.RelayedOwner{Identity: req.Identity, Name: req.Name, Metadata: req.Metadata, Kind: req.Kind}
	if req.Joined {
		p.reply(c, id, typ, p.part.DeclareRelayedJoined(owner))
		return
	}
	p.reply(c, id, typ, p.part.DeclareRelayed(owner))
}

// reply acks a request that succeeded or refuses one that failed.
func (p *peer) reply(c *conn, id uint32, typ string, err error) {
	if err != nil {
		p.fail(c, id, typ, err)
		return
	}
	c.ack(id)
}

// fail maps an sfu error to an error message.
func (p *peer) fail(c *conn, id uint32, typ string, err error) {
	code := errorCode(err)
	msg := fmt.Sprintf("%s: %v", typ, err)
	if code == protocol.CodeInternal {
		p.log.Error("request failed", "type", typ, "err", err)
		msg = typ + ": internal error"
	} else {
		p.log.Debug("request refused", "type", typ, "code", code, "err", err)
	}
	c.sendError(id, code, msg)
}

func errorCode(err error) string {
	switch {
	case errors.Is(err, sfu.ErrPermissionDenied):
		return protocol.CodePermissionDenied
	case errors.Is(err, sfu.ErrTrackNotFound):
		return protocol.CodeTrackNotFound
	case errors.Is(err, sfu.ErrTooManyTracks):
		return protocol.CodeTooManyTracks
	case errors.Is(err, sfu.ErrInvalidSDP):
		return protocol.CodeInvalidSDP
	case errors.Is(err, sfu.ErrInvalidArgument), errors.Is(err, sfu.ErrNoOfferOutstanding), errors.Is(err, sfu.ErrCodecNotDecodable):
		return protocol.CodeInvalidArgument
	case errors.Is(err, sfu.ErrParticipantClosed), errors.Is(err, sfu.ErrRoomClosed), errors.Is(err, sfu.ErrEngineClosed):
		return protocol.CodeParticipantClosed
	}
	return protocol.CodeInternal
}

// publishDenied names what the token lacks to publish from src.
func publishDenied(perms vocab.Permissions, src vocab.Source) string {
	if !perms.CanPublish {
		return fmt.Sprintf(`your token lacks the "publish" grant (needed to publish %s)`, src)
	}
	return fmt.Sprintf("your token may not publish source %s (allowed sources: %v)", src, perms.Sources)
}
