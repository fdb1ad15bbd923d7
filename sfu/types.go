package sfu

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// Source says what a published track shows or plays. The permission to publish is
// granted per source (see Permissions.Sources).
type Source string

// The sources a participant can publish.
const (
	SourceCamera           Source = "camera"
	SourceMicrophone       Source = "microphone"
	SourceScreenShare      Source = "screen_share"
	SourceScreenShareAudio Source = "screen_share_audio"
)

// Valid reports whether s is one of the known sources.
func (s Source) Valid() bool {
	switch s {
	case SourceCamera, SourceMicrophone, SourceScreenShare, SourceScreenShareAudio:
		return true
	}
	return false
}

// Kind is the media kind of a track.
type Kind string

// Media kinds.
const (
	KindAudio Kind = "audio"
	KindVideo Kind = "video"
)

// Quality names a simulcast layer by its rank rather than by its RID, because
// publishers name RIDs freely ("q/h/f", "0/1/2").
type Quality string

// Simulcast qualities, lowest first.
const (
	QualityLow    Quality = "low"
	QualityMedium Quality = "medium"
	QualityHigh   Quality = "high"
)

// Permissions are what a participant may do in its room. The signalling layer fills
// them from the token's grants; the sfu enforces them and knows nothing of tokens.
type Permissions struct {
	CanPublish     bool
	CanSubscribe   bool
	CanPublishData bool
	// Sources lists the sources the participant may publish; empty means none.
	Sources []Source
	// Hidden participants (recorders, the SIP bridge's control leg) are not announced
	// to others and never appear in participant lists sent to clients.
	Hidden bool
	// CanUpdateMetadata lets the participant change its own name and metadata.
	CanUpdateMetadata bool
}

// CanPublishSource reports whether the permissions allow publishing from src.
func (p Permissions) CanPublishSource(src Source) bool {
	if !p.CanPublish {
		return false
	}
	for _, s := range p.Sources {
		if s == src {
			return true
		}
	}
	return false
}

// Target names one of the two peer connections of a participant.
type Target string

// The publisher connection carries media from the participant (the client offers);
// the subscriber connection carries media to it (the server offers).
const (
	TargetPublisher  Target = "publisher"
	TargetSubscriber Target = "subscriber"
)

// CloseReason says why the server ended a participant's session.
type CloseReason string

// Close reasons, sent to clients as they are.
const (
	ReasonClientLeft        CloseReason = "client_left"
	ReasonRemoved           CloseReason = "removed"
	ReasonRoomDeleted       CloseReason = "room_deleted"
	ReasonDuplicateIdentity CloseReason = "duplicate_identity"
	ReasonServerShutdown    CloseReason = "server_shutdown"
	ReasonTokenExpired      CloseReason = "token_expired"
	ReasonResumeTimeout     CloseReason = "resume_timeout"
	ReasonTransportFailure  CloseReason = "transport_failure"
	// ReasonLobbyRefused ends the session of a guest whom a room admin refused in
	// the room's lobby (the guest never joined the room).
	ReasonLobbyRefused CloseReason = "lobby_refused"
)

// LayerInfo describes one simulcast layer a publisher declared.
type LayerInfo struct {
	RID     string  `json:"rid,omitempty"`
	Quality Quality `json:"quality"`
	Width   int     `json:"width,omitempty"`
	Height  int     `json:"height,omitempty"`
	Bitrate int     `json:"bitrate,omitempty"` // bits per second, as the publisher declared
}

// TrackInfo is the public description of a published track.
type TrackInfo struct {
	SID       string      `json:"sid"`
	Name      string      `json:"name,omitempty"`
	Kind      Kind        `json:"kind"`
	Source    Source      `json:"source"`
	MimeType  string      `json:"mime_type,omitempty"`
	Muted     bool        `json:"muted"`
	Width     int         `json:"width,omitempty"`
	Height    int         `json:"height,omitempty"`
	Simulcast bool        `json:"simulcast"`
	Layers    []LayerInfo `json:"layers,omitempty"`
}

// ParticipantInfo is the public description of a participant.
type ParticipantInfo struct {
	SID      string      `json:"sid"`
	Identity string      `json:"identity"`
	Name     string      `json:"name,omitempty"`
	Metadata string      `json:"metadata,omitempty"`
	JoinedAt time.Time   `json:"joined_at"`
	Hidden   bool        `json:"hidden,omitempty"`
	Tracks   []TrackInfo `json:"tracks"`
}

// RoomInfo is the public description of a room.
type RoomInfo struct {
	SID             string    `json:"sid"`
	Name            string    `json:"name"`
	Metadata        string    `json:"metadata,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	MaxParticipants int       `json:"max_participants,omitempty"`
	NumParticipants int       `json:"num_participants"`
}

// DataKind says how a data message travels.
type DataKind string

// Reliable messages are delivered in order or the session fails; lossy messages may
// be dropped when the receiver is behind, and never delay reliable ones.
const (
	DataReliable DataKind = "reliable"
	DataLossy    DataKind = "lossy"
)

// DataPacket is a data message between participants (chat rides on these).
type DataPacket struct {
	Kind  DataKind
	Topic string
	// Payload is owned by the packet once sent: senders must not change it afterwards.
	Payload []byte
	// DestinationIdentities restricts delivery; empty means everyone in the room but
	// the sender.
	DestinationIdentities []string
	// FromSID and FromIdentity are set by the room; empty when the server sent it.
	FromSID      string
	FromIdentity string
}

// SpeakerInfo is one entry of an active-speakers update.
type SpeakerInfo struct {
	ParticipantSID string  `json:"sid"`
	Level          float32 `json:"level"` // 0 (silence) to 1 (loudest)
	Active         bool    `json:"active"`
}

// ConnectionQuality grades a participant's link.
type ConnectionQuality string

// Connection quality grades.
const (
	QualityExcellent ConnectionQuality = "excellent"
	QualityGood      ConnectionQuality = "good"
	QualityPoor      ConnectionQuality = "poor"
	QualityLost      ConnectionQuality = "lost"
)

// ConnectionQualityInfo is one participant's grade with the measurements behind it.
type ConnectionQualityInfo struct {
	ParticipantSID string            `json:"sid"`
	Quality        ConnectionQuality `json:"quality"`
	Score          float32           `json:"score"` // 1 (bad) to 5 (perfect), MOS-like
}

// ICECandidate is a trickled ICE candidate for one of the two connections.
type ICECandidate struct {
	Target    Target
	Candidate webrtc.ICECandidateInit
}
