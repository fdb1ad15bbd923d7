package sfu

import "github.com/ensemble-sfu/ensemble/vocab"

// Event is something a participant's session must tell its client. The sfu delivers
// events through the participant's EventSink; the signalling layer turns each into a
// protocol message. The concrete types below are the whole set.
type Event interface{ isEvent() }

// EventSink receives a participant's events in order. Send must not block: the room
// and the media path call it, so an implementation queues and drops the session when
// its queue overflows rather than stalling the room.
type EventSink interface {
	Send(ev Event)
}

// EventSinkFunc adapts a function to EventSink.
type EventSinkFunc func(Event)

// Send calls f(ev).
func (f EventSinkFunc) Send(ev Event) { f(ev) }

// SubscriberOffer carries the server's offer for the subscriber connection; the
// client answers with Participant.HandleAnswer.
type SubscriberOffer struct {
	SDP        string
	ICERestart bool
}

// ICECandidateEvent carries a local candidate of one of the two connections.
type ICECandidateEvent struct{ ICECandidate }

// ParticipantJoined announces another participant.
type ParticipantJoined struct{ Participant vocab.ParticipantInfo }

// ParticipantLeft announces that another participant left.
type ParticipantLeft struct {
	Participant vocab.ParticipantInfo
	Reason      vocab.CloseReason
}

// ParticipantUpdated carries another participant's new name or metadata.
type ParticipantUpdated struct{ Participant vocab.ParticipantInfo }

// TrackPublished announces a track; sent to the publisher too once its media arrives
// (with the server-assigned SID the client matches by ClientID).
type TrackPublished struct {
	ParticipantSID string
	ClientID       string // the publisher's own id for the track; empty for others
	Track          vocab.TrackInfo
}

// TrackUnpublished announces that a track is gone.
type TrackUnpublished struct {
	ParticipantSID string
	TrackSID       string
}

// TrackMuted announces a mute or unmute.
type TrackMuted struct {
	ParticipantSID string
	TrackSID       string
	Muted          bool
}

// ActiveSpeakers lists who speaks now, loudest first; sent a few times a second at
// most and only when the list changes.
type ActiveSpeakers struct{ Speakers []vocab.SpeakerInfo }

// ConnectionQualityUpdate carries link grades for the participant and the others.
type ConnectionQualityUpdate struct{ Updates []vocab.ConnectionQualityInfo }

// DataReceived carries a data message for the participant.
type DataReceived struct{ Packet DataPacket }

// SubscriptionLayer tells a subscriber which layer of a subscribed video it
// receives and why; sent when that changes.
type SubscriptionLayer struct {
	TrackSID string
	Quality  vocab.Quality
	Width    int // of the layer, as the publisher declared it; 0 if unknown
	Height   int
	// Paused: not even the lowest layer fits the subscriber's bandwidth; the
	// video stops until it does (a client shows "paused for bandwidth").
	Paused bool
	Reason vocab.LayerReason
	// EstimateBps is the subscriber's estimated downstream bandwidth.
	EstimateBps int
}

// PublisherLayer is one simulcast layer in PublisherLayers.
type PublisherLayer struct {
	Quality vocab.Quality
	Enabled bool
}

// PublisherLayers tells a publisher which simulcast layers of one of its
// tracks to send (dynacast): a layer no subscriber receives is disabled, and
// enabled again, with a keyframe, when one needs it.
type PublisherLayers struct {
	TrackSID string
	Layers   []PublisherLayer
}

// PublisherBackup asks a publisher to send a backup of one of its video
// tracks in MimeType (Enabled), because someone in the room cannot decode the
// track's codec, or tells it that nobody needs the backup any more (backup.go).
type PublisherBackup struct {
	TrackSID string
	MimeType string
	Enabled  bool
}

// Closed ends the session; no event follows it.
type Closed struct{ Reason vocab.CloseReason }

// RoomUpdated tells everyone in the room that its state changed: a recorder
// joined or left (Room.Recording).
type RoomUpdated struct{ Room vocab.RoomInfo }

func (SubscriberOffer) isEvent()         {}
func (ICECandidateEvent) isEvent()       {}
func (ParticipantJoined) isEvent()       {}
func (ParticipantLeft) isEvent()         {}
func (ParticipantUpdated) isEvent()      {}
func (TrackPublished) isEvent()          {}
func (TrackUnpublished) isEvent()        {}
func (TrackMuted) isEvent()              {}
func (ActiveSpeakers) isEvent()          {}
func (ConnectionQualityUpdate) isEvent() {}
func (DataReceived) isEvent()            {}
func (Closed) isEvent()                  {}
func (RoomUpdated) isEvent()             {}
func (SubscriptionLayer) isEvent()       {}
func (PublisherLayers) isEvent()         {}
func (PublisherBackup) isEvent()         {}
