package webhook

import "github.com/ensemble-sfu/ensemble/sfu"

// Hooks returns the sfu observers that turn room events into webhooks. Each callback
// only encodes and enqueues the event.
func (n *Notifier) Hooks() sfu.Hooks {
	return sfu.Hooks{
		RoomStarted: func(r sfu.RoomInfo) {
			n.Send(Event{Type: RoomStarted, Room: &r})
		},
		RoomFinished: func(r sfu.RoomInfo) {
			n.Send(Event{Type: RoomFinished, Room: &r})
		},
		ParticipantJoined: func(r sfu.RoomInfo, p sfu.ParticipantInfo) {
			n.Send(Event{Type: ParticipantJoined, Room: &r, Participant: &p})
		},
		ParticipantLeft: func(r sfu.RoomInfo, p sfu.ParticipantInfo, reason sfu.CloseReason) {
			n.Send(Event{Type: ParticipantLeft, Room: &r, Participant: &p, Reason: string(reason)})
		},
		TrackPublished: func(r sfu.RoomInfo, p sfu.ParticipantInfo, t sfu.TrackInfo) {
			n.Send(Event{Type: TrackPublished, Room: &r, Participant: &p, Track: &t})
		},
		TrackUnpublished: func(r sfu.RoomInfo, p sfu.ParticipantInfo, t sfu.TrackInfo) {
			n.Send(Event{Type: TrackUnpublished, Room: &r, Participant: &p, Track: &t})
		},
	}
}
