package apiwire

import (
	"encoding/json"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// StartRecordingRequest is the body of POST /api/v1/rooms/{room}/recordings.
type StartRecordingRequest struct {
	// Composite asks for one composed file at stop: a video in Layout
	// ("grid", or "speaker": the active speaker, decided from the recorded
	// audio levels, large above a strip of every camera), or with AudioOnly
	// one audio mix.
	Composite bool   `json:"composite"`
	Layout    string `json:"layout,omitempty"`
	AudioOnly bool   `json:"audio_only"`
}

// RecordingList is the body of GET /api/v1/rooms/{room}/recordings.
type RecordingList struct {
	Recordings []store.Recording `json:"recordings"`
}

// ClaimRequest is the body of POST /api/v1/recording-jobs: a record worker
// asks for a queued recording.
type ClaimRequest struct {
	Node string `json:"node"`
}

// RecordingReport is the body of PUT /api/v1/recording-jobs/{id}: the
// state of a recording, from the record worker that claimed it.
type RecordingReport struct {
	Node      string                `json:"node"`
	Status    store.RecordingStatus `json:"status"`
	Reason    string                `json:"reason,omitempty"`
	StartedAt time.Time             `json:"started_at,omitzero"`
	EndedAt   time.Time             `json:"ended_at,omitzero"`
	Location  string                `json:"location,omitempty"`
	Files     []store.RecordingFile `json:"files"`
	Composite *store.RecordingFile  `json:"composite,omitempty"`
	Manifest  json.RawMessage       `json:"manifest,omitempty"`
}

// LeaseRequest is the body of POST /api/v1/recording-jobs/{id}/lease: a
// record worker renews its claim and lists the files written so far.
type LeaseRequest struct {
	Node  string                `json:"node"`
	Files []store.RecordingFile `json:"files"`
}
