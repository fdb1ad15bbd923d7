package webhook

import (
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// The sfu's room events as webhooks: each method only encodes and enqueues the
// event. Package sfuhooks wires them to the media engine, so that this package (and
// what links it, such as the recording runner) does not link the media plane.

func (n *Notifier) OnRoomStarted(r vocab.RoomInfo) { n.Send(Event{Type: RoomStarted, Room: room(r)}) }

func (n *Notifier) OnRoomFinished(r vocab.RoomInfo) { n.Send(Event{Type: RoomFinished, Room: room(r)}) }

func (n *Notifier) OnParticipantJoined(r vocab.RoomInfo, p vocab.ParticipantInfo) {
	n.Send(Event{Type: ParticipantJoined, Room: room(r), Participant: participant(p)})
}

func (n *Notifier) OnParticipantLeft(r vocab.RoomInfo, p vocab.ParticipantInfo, reason vocab.CloseReason) {
	n.Send(Event{Type: ParticipantLeft, Room: room(r), Participant: participant(p), Reason: string(reason)})
}

func (n *Notifier) OnTrackPublished(r vocab.RoomInfo, p vocab.ParticipantInfo, t vocab.TrackInfo) {
	n.Send(Event{Type: TrackPublished, Room: room(r), Participant: participant(p), Track: track(t)})
}

func (n *Notifier) OnTrackUnpublished(r vocab.RoomInfo, p vocab.ParticipantInfo, t vocab.TrackInfo) {
	n.Send(Event{Type: TrackUnpublished, Room: room(r), Participant: participant(p), Track: track(t)})
}

// room, participant and track give the wire shapes events carry.
func room(r vocab.RoomInfo) *protocol.RoomInfo { return new(protocol.FromRoom(r)) }

func participant(p vocab.ParticipantInfo) *protocol.ParticipantInfo {
	return new(protocol.FromParticipant(p))
}

func track(t vocab.TrackInfo) *protocol.TrackInfo { return new(protocol.FromTrack(t)) }
