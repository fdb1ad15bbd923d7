package vocab

import "time"

// LayerInfo describes one simulcast layer a publisher declared.
type LayerInfo struct {
	RID     string
	Quality Quality
	Width   int
	Height  int
	Bitrate int // bits per second, as the publisher declared
}

// TrackInfo is the public description of a published track.
type TrackInfo struct {
	SID       string
	Name      string
	Kind      Kind
	Source    Source
	MimeType  string
	Muted     bool
	Width     int
	Height    int
	Simulcast bool
	Layers    []LayerInfo
	// BackupMimeType is the codec of the track's backup while one is live
	// ("" none): the same picture, published beside the track in another
	// codec, which subscribers that cannot decode MimeType receive under
	// the track's SID instead.
	BackupMimeType string
}

// ParticipantInfo is the public description of a participant.
type ParticipantInfo struct {
	SID      string
	Identity string
	Name     string
	Metadata string
	JoinedAt time.Time
	Kind     ParticipantKind
	Hidden   bool
	Tracks   []TrackInfo
}

// RoomInfo is the public description of a room.
type RoomInfo struct {
	SID             string
	Name            string
	Metadata        string
	CreatedAt       time.Time
	MaxParticipants int
	NumParticipants int
	// Recording is true while a recorder is in the room: everyone is told.
	Recording bool
}
