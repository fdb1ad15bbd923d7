// Package sfuhooks wires a webhook Notifier to the media engine's room events. It is
// apart from package webhook so that clients of the server that send webhooks (the
// recording runner) do not link the media plane.
package sfuhooks

import (
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
)

// Of returns the sfu observers that turn room events into n's webhooks.
func Of(n *webhook.Notifier) sfu.Hooks {
	return sfu.Hooks{
		RoomStarted:       n.OnRoomStarted,
		RoomFinished:      n.OnRoomFinished,
		ParticipantJoined: n.OnParticipantJoined,
		ParticipantLeft:   n.OnParticipantLeft,
		TrackPublished:    n.OnTrackPublished,
		TrackUnpublished:  n.OnTrackUnpublished,
	}
}
