package server

import (
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// eventMessage turns an sfu event into the message for the client.
func eventMessage(ev sfu.Event) (outMsg, bool) {
	switch e := ev.(type) {
	case sfu.SubscriberOffer:
		return outMsg{typ: protocol.TypeOffer, data: protocol.SDPMessage{SDP: e.SDP, ICERestart: e.ICERestart}}, true
	case sfu.ICECandidateEvent:
		return outMsg{typ: protocol.TypeTrickle, data: protocol.TrickleMessage{Target: e.Target, Candidate: e.Candidate}}, true
	case sfu.ParticipantJoined:
		return outMsg{typ: protocol.TypeParticipantJoined, data: protocol.ParticipantEvent{Participant: protocol.FromParticipant(e.Participant)}}, true
	case sfu.ParticipantLeft:
		return outMsg{typ: protocol.TypeParticipantLeft, data: protocol.ParticipantLeftEvent{Participant: protocol.FromParticipant(e.Participant), Reason: e.Reason}}, true
	case sfu.ParticipantUpdated:
		return outMsg{typ: protocol.TypeParticipantUpdated, data: protocol.ParticipantEvent{Participant: protocol.FromParticipant(e.Participant)}}, true
	case sfu.TrackPublished:
		return outMsg{typ: protocol.TypeTrackPublished, data: protocol.TrackPublishedEvent{ParticipantSID: e.ParticipantSID, ClientID: e.ClientID, Track: protocol.FromTrack(e.Track)}}, true
	case sfu.TrackUnpublished:
		return outMsg{typ: protocol.TypeTrackUnpublished, data: protocol.TrackUnpublishedEvent{ParticipantSID: e.ParticipantSID, TrackSID: e.TrackSID}}, true
	case sfu.TrackMuted:
		return outMsg{typ: protocol.TypeTrackMuted, data: protocol.TrackMutedEvent{ParticipantSID: e.ParticipantSID, TrackSID: e.TrackSID, Muted: e.Muted}}, true
	case sfu.ActiveSpeakers:
		return outMsg{typ: protocol.TypeActiveSpeakers, data: protocol.ActiveSpeakersEvent{Speakers: protocol.FromSpeakers(e.Speakers)}, lossy: true}, true
	case sfu.ConnectionQualityUpdate:
		return outMsg{typ: protocol.TypeConnectionQuality, data: protocol.ConnectionQualityEvent{Updates: protocol.FromConnectionQualities(e.Updates)}, lossy: true}, true
	case sfu.DataReceived:
		p := e.Packet
		return outMsg{typ: protocol.TypeData, data: protocol.DataEvent{
			Kind: p.Kind, Topic: p.Topic, Payload: p.Payload, FromSID: p.FromSID, FromIdentity: p.FromIdentity,
			DestinationIdentities: p.DestinationIdentities, // set for relays only (sfu routeData)
		}, lossy: p.Kind == vocab.DataLossy}, true
	case sfu.RoomUpdated:
		return outMsg{typ: protocol.TypeRoomUpdated, data: protocol.RoomUpdatedEvent{Room: protocol.FromRoom(e.Room)}}, true
	case sfu.RelayedAdmin:
		return outMsg{typ: protocol.TypeRelayedAdmin, data: protocol.RelayedAdminEvent{
			Identity: e.Identity, Action: e.Action, TrackSID: e.TrackSID, Muted: e.Muted,
			Name: e.Name, Metadata: e.Metadata, Permissions: protocol.FromPermissionsChange(e.Permissions),
		}}, true
	case sfu.Closed:
		return outMsg{typ: protocol.TypeClose, data: protocol.CloseEvent{Reason: e.Reason, Message: closeMessage(e.Reason)}, final: true}, true
	}
	return layerEventMessage(ev)
}

// closeMessage explains a close reason to people (and tells clients what to do).
func closeMessage(r vocab.CloseReason) string {
	switch r {
	case vocab.ReasonClientLeft:
		return "you left the room"
	case vocab.ReasonRemoved:
		return "removed from the room by an administrator"
	case vocab.ReasonRoomDeleted:
		return "the room was closed"
	case vocab.ReasonDuplicateIdentity:
		return "another session joined with the same identity"
	case vocab.ReasonServerShutdown:
		return "the server is shutting down; join again later or on another server"
	case vocab.ReasonTokenExpired:
		return "your token expired; join again with a fresh token"
	case vocab.ReasonResumeTimeout:
		return "the connection was lost for longer than the resume grace period"
	case vocab.ReasonTransportFailure:
		return "the media connection failed"
	case vocab.ReasonLobbyRefused:
		return "a room administrator did not let you in"
	case vocab.ReasonRoomMoved:
		return "the room moved to another server; join again through the same address"
	}
	return ""
}
