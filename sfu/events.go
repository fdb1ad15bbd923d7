package sfu

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
type ParticipantJoined struct{ Participant ParticipantInfo }

// ParticipantLeft announces that another participant left.
type ParticipantLeft struct {
	Participant ParticipantInfo
	Reason      CloseReason
}

// ParticipantUpdated carries another participant's new name or metadata.
type ParticipantUpdated struct{ Participant ParticipantInfo }

// TrackPublished announces a track; sent to the publisher too once its media arrives
// (with the server-assigned SID the client matches by ClientID).
type TrackPublished struct {
	ParticipantSID string
	ClientID       string // the publisher's own id for the track; empty for others
	Track          TrackInfo
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
type ActiveSpeakers struct{ Speakers []SpeakerInfo }

// ConnectionQualityUpdate carries link grades for the participant and the others.
type ConnectionQualityUpdate struct{ Updates []ConnectionQualityInfo }

// DataReceived carries a data message for the participant.
type DataReceived struct{ Packet DataPacket }

// LayerReason says why a subscriber gets the layer it gets.
type LayerReason string

// Layer reasons.
const (
	// LayerRequested: the layer the subscriber asked for (quality or size).
	LayerRequested LayerReason = "requested"
	// LayerBandwidth: the subscriber's estimated bandwidth allows no better
	// (or, with Paused, not even the lowest layer).
	LayerBandwidth LayerReason = "bandwidth"
	// LayerPublisher: the publisher sends no better layer now.
	LayerPublisher LayerReason = "publisher"
)

// SubscriptionLayer tells a subscriber which layer of a subscribed video it
// receives and why; sent when that changes.
type SubscriptionLayer struct {
	TrackSID string
	Quality  Quality
	Width    int // of the layer, as the publisher declared it; 0 if unknown
	Height   int
	// Paused: not even the lowest layer fits the subscriber's bandwidth; the
	// video stops until it does (a client shows "paused for bandwidth").
	Paused bool
	Reason LayerReason
	// EstimateBps is the subscriber's estimated downstream bandwidth.
	EstimateBps int
}

// PublisherLayer is one simulcast layer in PublisherLayers.
type PublisherLayer struct {
	Quality Quality
	Enabled bool
}

// PublisherLayers tells a publisher which simulcast layers of one of its
// tracks to send (dynacast): a layer no subscriber receives is disabled, and
// enabled again, with a keyframe, when one needs it.
type PublisherLayers struct {
	TrackSID string
	Layers   []PublisherLayer
}

// Closed ends the session; no event follows it.
type Closed struct{ Reason CloseReason }

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
func (SubscriptionLayer) isEvent()       {}
func (PublisherLayers) isEvent()         {}
