package protocol

import (
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// The wire shapes of the shared descriptions (package vocab). They are the only
// place their JSON names are decided: the WebSocket protocol, the webhooks and
// the HTTP API all send these. Qualities travel by name ("low", "medium",
// "high"); the other enumerations travel as their vocab values.

// LayerInfo describes one simulcast layer a publisher declared.
type LayerInfo struct {
	RID     string `json:"rid,omitempty"`
	Quality string `json:"quality"` // low, medium or high
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
	Bitrate int    `json:"bitrate,omitempty"` // bits per second, as the publisher declared
}

// TrackInfo is the public description of a published track.
type TrackInfo struct {
	SID       string       `json:"sid"`
	Name      string       `json:"name,omitempty"`
	Kind      vocab.Kind   `json:"kind"`
	Source    vocab.Source `json:"source"`
	MimeType  string       `json:"mime_type,omitempty"`
	Muted     bool         `json:"muted"`
	Width     int          `json:"width,omitempty"`
	Height    int          `json:"height,omitempty"`
	Simulcast bool         `json:"simulcast"`
	Layers    []LayerInfo  `json:"layers,omitempty"`
	// BackupMimeType is the codec of the track's backup while one is live:
	// subscribers that cannot decode MimeType receive it under this SID.
	BackupMimeType string `json:"backup_mime_type,omitempty"`
}

// ParticipantInfo is the public description of a participant.
type ParticipantInfo struct {
	SID      string    `json:"sid"`
	Identity string    `json:"identity"`
	Name     string    `json:"name,omitempty"`
	Metadata string    `json:"metadata,omitempty"`
	JoinedAt time.Time `json:"joined_at"`
	// Kind is standard, recorder, sip, agent or ingress; clients mark sip participants (a
	// phone or a room system) and never see recorders.
	Kind   vocab.ParticipantKind `json:"kind"`
	Hidden bool                  `json:"hidden,omitempty"`
	Tracks []TrackInfo           `json:"tracks"`
}

// RoomInfo is the public description of a room.
type RoomInfo struct {
	SID             string    `json:"sid"`
	Name            string    `json:"name"`
	Metadata        string    `json:"metadata,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	MaxParticipants int       `json:"max_participants,omitempty"`
	NumParticipants int       `json:"num_participants"`
	// Recording is true while the room is recorded; clients show it to everyone.
	Recording bool `json:"recording"`
}

// SpeakerInfo is one entry of an active-speakers update.
type SpeakerInfo struct {
	ParticipantSID string  `json:"sid"`
	Level          float32 `json:"level"` // 0 (silence) to 1 (loudest)
	Active         bool    `json:"active"`
}

// ConnectionQualityInfo is one participant's link grade.
type ConnectionQualityInfo struct {
	ParticipantSID string                  `json:"sid"`
	Quality        vocab.ConnectionQuality `json:"quality"`
	Score          float32                 `json:"score"` // 1 (bad) to 5 (perfect), MOS-like
}
