package protocol

import (
	"encoding/json"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Version is the protocol version this package speaks. A client names the version
// it speaks in the `protocol` query parameter of /rtc; the server refuses others.
const Version = 1

// Envelope is the frame of every message in both directions:
//
//	{"type": "offer", "req_id": 7, "data": {...}}
//
// ReqID is set by the client on requests it wants acknowledged; the server echoes it
// on the response or on the error that refuses the request.
type Envelope struct {
	Type  string          `json:"type"`
	ReqID uint32          `json:"req_id,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// Message types sent by the client.
const (
	TypeOffer              = "offer"               // SDPMessage: publisher offer (client → server); subscriber offer (server → client)
	TypeAnswer             = "answer"              // SDPMessage: publisher answer (server → client); subscriber answer (client → server)
	TypeTrickle            = "trickle"             // TrickleMessage, both directions
	TypeAddTrack           = "add_track"           // AddTrackRequest
	TypeMute               = "mute"                // MuteRequest
	TypeUnpublish          = "unpublish"           // UnpublishRequest
	TypeSubscribe          = "subscribe"           // SubscribeRequest
	TypeUpdateSubscription = "update_subscription" // UpdateSubscriptionRequest
	TypeSendData           = "send_data"           // SendDataRequest
	TypeUpdateMetadata     = "update_metadata"     // UpdateMetadataRequest
	TypeLeave              = "leave"               // no data
	TypePing               = "ping"                // PingMessage
)

// Message types sent by the server.
const (
	TypeJoin               = "join"                // JoinResponse, first message of a session
	TypeResumed            = "resumed"             // JoinResponse, first message of a resumed session
	TypeTrackPublished     = "track_published"     // TrackPublishedEvent
	TypeTrackUnpublished   = "track_unpublished"   // TrackUnpublishedEvent
	TypeTrackMuted         = "track_muted"         // TrackMutedEvent
	TypeParticipantJoined  = "participant_joined"  // ParticipantEvent
	TypeParticipantLeft    = "participant_left"    // ParticipantLeftEvent
	TypeParticipantUpdated = "participant_updated" // ParticipantEvent
	TypeActiveSpeakers     = "active_speakers"     // ActiveSpeakersEvent
	TypeConnectionQuality  = "connection_quality"  // ConnectionQualityEvent
	TypeData               = "data"                // DataEvent
	TypeClose              = "close"               // CloseEvent, last message of a session
	TypeError              = "error"               // ErrorMessage
	TypeAck                = "ack"                 // no data: the request named by req_id succeeded
	TypePong               = "pong"                // PingMessage
	TypeDraining           = "draining"            // DrainingEvent: the server is shutting down
	TypeRoomUpdated        = "room_updated"        // RoomUpdatedEvent: the room's state changed (recording)
)

// SDPMessage carries a session description.
type SDPMessage struct {
	SDP string `json:"sdp"`
	// ICERestart is set by the server on a subscriber offer that restarts ICE.
	ICERestart bool `json:"ice_restart,omitempty"`
}

// TrickleMessage carries one ICE candidate for one of the two connections.
type TrickleMessage struct {
	Target    vocab.Target            `json:"target"`
	Candidate webrtc.ICECandidateInit `json:"candidate"`
}

// AddTrackRequest declares a track before its media arrives on the publisher
// connection. The server matches the media to the request by the MID or, failing
// that, by the WebRTC track id (= ClientID) and answers with track_published.
type AddTrackRequest struct {
	ClientID string       `json:"cid"`
	Name     string       `json:"name,omitempty"`
	Kind     vocab.Kind   `json:"kind"`
	Source   vocab.Source `json:"source"`
	Muted    bool         `json:"muted,omitempty"`
	Width    int          `json:"width,omitempty"`
	Height   int          `json:"height,omitempty"`
	Layers   []LayerInfo  `json:"layers,omitempty"` // simulcast layers, lowest first; empty for one stream
	// Owner, from a relay only (another node, package cascade), names the
	// participant of the relay's node the track is published for.
	Owner *RelayedOwner `json:"owner,omitempty"`
	// BackupOf makes the track the backup of one of the sender's own video
	// tracks (its SID): the same picture in another codec, named by MimeType,
	// for subscribers that cannot decode the primary (see publisher_backup).
	// Nobody else sees it as a track of its own.
	BackupOf string `json:"backup_of,omitempty"`
	// MimeType is the codec a backup is sent in ("video/H264"); only with
	// BackupOf.
	MimeType string `json:"mime_type,omitempty"`
}

// RelayedOwner is the participant of another node a relay publishes a track for.
type RelayedOwner struct {
	Identity string `json:"identity"`
	Name     string `json:"name,omitempty"`
	Metadata string `json:"metadata,omitempty"`
	// Kind is the participant's kind on its node (a SIP caller stays one
	// across nodes); empty is standard. Never relay.
	Kind vocab.ParticipantKind `json:"kind,omitempty"`
}

// MuteRequest mutes or unmutes one of the participant's own tracks.
type MuteRequest struct {
	TrackSID string `json:"track_sid"`
	Muted    bool   `json:"muted"`
}

// UnpublishRequest removes one of the participant's own tracks.
type UnpublishRequest struct {
	TrackSID string `json:"track_sid"`
}

// SubscribeRequest subscribes to or unsubscribes from tracks (auto-subscribe is on
// unless the join asked otherwise).
type SubscribeRequest struct {
	TrackSIDs []string `json:"track_sids"`
	Subscribe bool     `json:"subscribe"`
}

// UpdateSubscriptionRequest pauses or resumes a subscription and says what the
// subscriber wants of it (a small tile asks for less).
type UpdateSubscriptionRequest struct {
	TrackSID string `json:"track_sid"`
	Paused   bool   `json:"paused"`
	Quality  string `json:"quality,omitempty"`
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
}

// SendDataRequest sends a data message to the room or to some participants.
type SendDataRequest struct {
	Kind                  vocab.DataKind `json:"kind"`
	Topic                 string         `json:"topic,omitempty"`
	Payload               []byte         `json:"payload"` // base64 in JSON
	DestinationIdentities []string       `json:"destination_identities,omitempty"`
	// FromIdentity, from a relay only (package cascade), is who sent the
	// message on the relay's node; "" is that node's server.
	FromIdentity *string `json:"from_identity,omitempty"`
}

// UpdateMetadataRequest changes the participant's own name or metadata.
type UpdateMetadataRequest struct {
	Name     *string `json:"name,omitempty"`
	Metadata *string `json:"metadata,omitempty"`
}

// PingMessage carries the sender's clock in Unix milliseconds; pong echoes it.
type PingMessage struct {
	Timestamp int64 `json:"timestamp"`
}

// ICEServer is a STUN or TURN server the client may use.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// JoinResponse opens a session: who the client is and what the room holds.
type JoinResponse struct {
	Protocol      int               `json:"protocol"`
	ServerVersion string            `json:"server_version"`
	Room          RoomInfo          `json:"room"`
	Participant   ParticipantInfo   `json:"participant"`
	Others        []ParticipantInfo `json:"others"`
	// ICEServers is always present: an empty list when the server has none.
	ICEServers []ICEServer `json:"ice_servers"`
	// ResumeGraceMS is how long the server keeps the session after the WebSocket or
	// the network drops; within it the client may resume.
	ResumeGraceMS int64 `json:"resume_grace_ms"`
	// PingIntervalMS is how often the client should ping.
	PingIntervalMS int64 `json:"ping_interval_ms"`
}

// TrackPublishedEvent announces a track. For the publisher itself it acknowledges an
// add_track, and ClientID is the cid of that request.
type TrackPublishedEvent struct {
	ParticipantSID string    `json:"participant_sid"`
	ClientID       string    `json:"cid,omitempty"`
	Track          TrackInfo `json:"track"`
}

// TrackUnpublishedEvent announces that a track is gone.
type TrackUnpublishedEvent struct {
	ParticipantSID string `json:"participant_sid"`
	TrackSID       string `json:"track_sid"`
}

// TrackMutedEvent announces a mute or unmute.
type TrackMutedEvent struct {
	ParticipantSID string `json:"participant_sid"`
	TrackSID       string `json:"track_sid"`
	Muted          bool   `json:"muted"`
}

// ParticipantEvent carries a participant that joined or changed.
type ParticipantEvent struct {
	Participant ParticipantInfo `json:"participant"`
}

// ParticipantLeftEvent announces a departure.
type ParticipantLeftEvent struct {
	Participant ParticipantInfo   `json:"participant"`
	Reason      vocab.CloseReason `json:"reason,omitempty"`
}

// ActiveSpeakersEvent lists who speaks now, loudest first.
type ActiveSpeakersEvent struct {
	Speakers []SpeakerInfo `json:"speakers"`
}

// ConnectionQualityEvent carries link grades.
type ConnectionQualityEvent struct {
	Updates []ConnectionQualityInfo `json:"updates"`
}

// DataEvent carries a data message.
type DataEvent struct {
	Kind         vocab.DataKind `json:"kind"`
	Topic        string         `json:"topic,omitempty"`
	Payload      []byte         `json:"payload"`
	FromSID      string         `json:"from_sid,omitempty"`
	FromIdentity string         `json:"from_identity,omitempty"`
	// DestinationIdentities are told to a relay only, which routes the
	// message on, on its node.
	DestinationIdentities []string `json:"destination_identities,omitempty"`
}

// CloseEvent ends a session.
type CloseEvent struct {
	Reason  vocab.CloseReason `json:"reason"`
	Message string            `json:"message,omitempty"`
}

// RoomUpdatedEvent gives the room's new state, sent to everyone in it when it
// changes: a recording started or ended (Room.Recording).
type RoomUpdatedEvent struct {
	Room RoomInfo `json:"room"`
}

// DrainingEvent warns that the server is shutting down: it takes no new joins and
// closes this session (close with reason server_shutdown) at the latest after
// DeadlineMS milliseconds. A client may leave early and join again elsewhere.
type DrainingEvent struct {
	DeadlineMS int64 `json:"deadline_ms"`
}

// ErrorMessage refuses a request (ReqID in the envelope) or reports a problem.
type ErrorMessage struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
