package client

import (
	"sync"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Event is something that happened in the session; read them from Client.Events.
// The concrete types below are the whole set.
type Event interface{ isEvent() }

// ParticipantJoined announces another participant.
type ParticipantJoined struct{ Participant vocab.ParticipantInfo }

// ParticipantLeft announces that another participant left.
type ParticipantLeft struct {
	Participant vocab.ParticipantInfo
	Reason      vocab.CloseReason
}

// ParticipantUpdated carries another participant's new name or metadata, or the
// client's own when the server changed them (compare with Client.Self().SID).
type ParticipantUpdated struct{ Participant vocab.ParticipantInfo }

// TrackPublished announces a track of another participant. The client's own tracks
// are reported by PublishTrack instead.
type TrackPublished struct {
	ParticipantSID string
	Track          vocab.TrackInfo
}

// TrackUnpublished announces that a track is gone: another participant's, or one
// of the client's own when the server removed it (then its LocalTrack is done).
type TrackUnpublished struct{ ParticipantSID, TrackSID string }

// TrackMuted announces a mute or unmute of another participant's track (or, with
// the client's own SID, a mute of its own track done by the server).
type TrackMuted struct {
	ParticipantSID, TrackSID string
	Muted                    bool
}

// TrackSubscribed hands over the media of a subscribed track. Read its RTP (or
// call Discard): Pion buffers a little and then drops.
type TrackSubscribed struct{ Track *RemoteTrack }

// ActiveSpeakers lists who speaks now, loudest first.
type ActiveSpeakers struct{ Speakers []vocab.SpeakerInfo }

// ConnectionQuality carries link grades.
type ConnectionQuality struct{ Updates []vocab.ConnectionQualityInfo }

// DataReceived carries a data message.
type DataReceived struct {
	Kind         vocab.DataKind
	Topic        string
	Payload      []byte
	FromSID      string
	FromIdentity string // "" when the server sent it
	// To are the message's destinations, told to a relay only (package
	// cascade); empty otherwise.
	To []string
}

// Reconnecting says the signalling connection dropped and the client is resuming.
type Reconnecting struct{ Cause error }

// Resumed says the session continues on a new connection; media restarts ICE.
type Resumed struct{}

// RoomUpdated says the room's state changed (Room.Recording: a recording
// started or ended); Client.Room returns it from now on.
type RoomUpdated struct{ Room vocab.RoomInfo }

// Draining says the server is shutting down; the session goes on until it closes.
type Draining struct{}

// Closed is the last event: the session ended. Reason is the server's close reason,
// or "" when the client gave up (Err says why) or was closed by its owner.
type Closed struct {
	Reason  vocab.CloseReason
	Message string
	Err     error
}

func (ParticipantJoined) isEvent()  {}
func (ParticipantLeft) isEvent()    {}
func (ParticipantUpdated) isEvent() {}
func (TrackPublished) isEvent()     {}
func (TrackUnpublished) isEvent()   {}
func (TrackMuted) isEvent()         {}
func (TrackSubscribed) isEvent()    {}
func (ActiveSpeakers) isEvent()     {}
func (ConnectionQuality) isEvent()  {}
func (DataReceived) isEvent()       {}
func (Reconnecting) isEvent()       {}
func (Resumed) isEvent()            {}
func (Draining) isEvent()           {}
func (RoomUpdated) isEvent()        {}
func (Closed) isEvent()             {}

// eventQueue is an unbounded queue in front of the Events channel, so that the
// session's read loop never blocks on a slow consumer and never drops an event.
type eventQueue struct {
	out    chan Event
	signal chan struct{}
	stop   chan struct{}
	mu     sync.Mutex
	items  []Event
}

func newEventQueue() *eventQueue {
	return &eventQueue{
		out:    make(chan Event, 16),
		signal: make(chan struct{}, 1),
		stop:   make(chan struct{}),
	}
}

func (q *eventQueue) push(ev Event) {
	q.mu.Lock()
	q.items = append(q.items, ev)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// run delivers queued events until stop is closed, then closes out.
func (q *eventQueue) run() {
	defer close(q.out)
	for {
		q.mu.Lock()
		batch := q.items
		q.items = nil
		q.mu.Unlock()
		for _, ev := range batch {
			select {
			case q.out <- ev:
			case <-q.stop:
				return
			}
		}
		select {
		case <-q.signal:
		case <-q.stop:
			return
		}
	}
}
