package webhook

import (
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Hooks returns the sfu observers that turn room events into webhooks. Each callback
// only encodes and enqueues the event.
func (n *Notifier) Hooks() sfu.Hooks {
	return sfu.Hooks{
		RoomStarted: func(r vocab.RoomInfo) {
			n.Send(Event{Type: RoomStarted, Room: room(r)})
		},
		RoomFinished: func(r vocab.RoomInfo) {
			n.Send(Event{Type: RoomFinished, Room: room(r)})
		},
		ParticipantJoined: func(r vocab.RoomInfo, p vocab.ParticipantInfo) {
			n.Send(Event{Type: ParticipantJoined, Room: room(r), Participant: participant(p)})
		},
		ParticipantLeft: func(r vocab.RoomInfo, p vocab.ParticipantInfo, reason vocab.CloseReason) {
			n.Send(Event{Type: ParticipantLeft, Room: room(r), Participant: participant(p), Reason: string(reason)})
		},
		TrackPublished: func(r vocab.RoomInfo, p vocab.ParticipantInfo, t vocab.TrackInfo) {
			n.Send(Event{Type: TrackPublished, Room: room(r), Participant: participant(p), Track: track(t)})
		},
		TrackUnpublished: func(r vocab.RoomInfo, p vocab.ParticipantInfo, t vocab.TrackInfo) {
			n.Send(Event{Type: TrackUnpublished, Room: room(r), Participant: participant(p), Track: track(t)})
		},
	}
}

// room, participant and track give the wire shapes events carry.
func room(r vocab.RoomInfo) *protocol.RoomInfo { return new(protocol.FromRoom(r)) }

func participant(p vocab.ParticipantInfo) *protocol.ParticipantInfo {
	return new(protocol.FromParticipant(p))
}

func track(t vocab.TrackInfo) *protocol.TrackInfo { return new(protocol.FromTrack(t)) }
