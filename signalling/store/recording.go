package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// RecordingStatus is where a recording is in its life. starting → recording →
// (composing) → (uploading) → complete; failed at any point, with a reason.
type RecordingStatus string

// The statuses of a recording.
const (
	RecordingStarting  RecordingStatus = "starting"
	RecordingRecording RecordingStatus = "recording"
	RecordingComposing RecordingStatus = "composing"
	RecordingUploading RecordingStatus = "uploading"
	RecordingComplete  RecordingStatus = "complete"
	RecordingFailed    RecordingStatus = "failed"
)

// Ended reports whether the status is final (complete or failed).
func (s RecordingStatus) Ended() bool { return s == RecordingComplete || s == RecordingFailed }

// RecordingOptions are what was asked when the recording started.
type RecordingOptions struct {
	// Composite asks for one composed file at stop, in Layout ("grid" or
	// "speaker"); AudioOnly makes it one audio mix instead.
	Composite bool   `json:"composite"`
	Layout    string `json:"layout,omitempty"`
	AudioOnly bool   `json:"audio_only"`
}

// Recording is one recording of a room, from its request to its last file.
// A recording survives the process that made it: one found unfinished at
// start-up was interrupted, and is marked failed with its partial files.
type Recording struct {
	ID      string           `json:"id"`
	Room    string           `json:"room"`
	Options RecordingOptions `json:"options"`
	Status  RecordingStatus  `json:"status"`
	// Reason says why a recording failed, or what is missing from a complete
	// one (a composition that could not be made).
	Reason string `json:"reason,omitempty"`
	// Node is who records it (a server's or a record worker's name); empty
	// while the job waits for a worker to claim it.
	Node string `json:"node,omitempty"`
	// LeaseUntil is, for a recording a record worker claimed (or a cluster
	// node's own), when its claim lapses unless the worker renews it: a worker
	// that died or lost the server stops renewing, and the server then marks
	// the recording failed (package recording/jobs, ExpireLeases). Zero for a
	// single server's own.
	LeaseUntil time.Time `json:"lease_until,omitzero"`
	// InClusterNode says that Node is a cluster node's id and the recording runs
	// inside that server: it holds a lease too, and ends when that node is lost
	// (a record worker's recording does not: its worker is not a cluster node).
	InClusterNode bool `json:"in_cluster_node,omitempty"`
	// Continues is the recording this one continues: that one's node was lost
	// while it recorded, and the room's new host went on recording. ContinuedBy
	// is the other way round.
	Continues   string `json:"continues,omitempty"`
	ContinuedBy string `json:"continued_by,omitempty"`
	// StopRequested is set by a stop request, for the node that records.
	StopRequested bool      `json:"stop_requested,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	StartedAt     time.Time `json:"started_at,omitzero"`
	EndedAt       time.Time `json:"ended_at,omitzero"`
	// Location is where the files are: a local directory, or s3://bucket/prefix.
	Location  string          `json:"location,omitempty"`
	Files     []RecordingFile `json:"files"`
	Composite *RecordingFile  `json:"composite,omitempty"`
	// Manifest is the recording's manifest.json (package recording), once written.
	Manifest json.RawMessage `json:"manifest,omitempty"`
}

// RecordingFile is one stored file of a recording.
type RecordingFile struct {
	// Path is the local file (under the recordings directory); ObjectKey the
	// object in the bucket, when the recording went to object storage.
	Path                string `json:"path,omitempty"`
	ObjectKey           string `json:"object_key,omitempty"`
	Kind                string `json:"kind,omitempty"`
	ParticipantIdentity string `json:"participant_identity,omitempty"`
	ParticipantSID      string `json:"participant_sid,omitempty"`
	TrackSID            string `json:"track_sid,omitempty"`
	Source              string `json:"source,omitempty"`
	Codec               string `json:"codec,omitempty"`
	// StartOffset is the file's place on the recording's time line, Duration
	// its length; both in nanoseconds as in the manifest.
	StartOffset time.Duration `json:"start_offset_ns"`
	Duration    time.Duration `json:"duration_ns"`
	Bytes       int64         `json:"bytes"`
	// Partial marks a file of an interrupted recording, as found on disk.
	Partial bool `json:"partial,omitempty"`
}

func checkRecording(r Recording) error {
	switch {
	case r.ID == "":
		return fmt.Errorf("%w: recording id is empty", ErrInvalid)
	case r.Room == "":
		return fmt.Errorf("%w: recording %s names no room", ErrInvalid, r.ID)
	}
	return nil
}

// checkRecordingImmutable refuses updates that change what identifies a recording.
func checkRecordingImmutable(before, after Recording) error {
	if before.ID != after.ID || before.Room != after.Room {
		return fmt.Errorf("%w: recording id and room cannot change", ErrInvalid)
	}
	return nil
}

func encodeRecording(r Recording) ([]byte, error) {
	return json.Marshal(envelope{V: formatVersion, Recording: &r})
}

func decodeRecording(b []byte) (Recording, error) {
	env, err := decode(b)
	if err != nil {
		return Recording{}, err
	}
	if env.Recording == nil {
		return Recording{}, fmt.Errorf("%w: value holds no recording", ErrInvalid)
	}
	return *env.Recording, nil
}

// keepRoom filters recs to room's ("" keeps all) and sorts them by creation
// time, then id.
func keepRoom(recs []Recording, room string) []Recording {
	out := recs[:0]
	for _, r := range recs {
		if room == "" || r.Room == room {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// cloneRecording copies the slices so that a caller's changes stay its own.
func cloneRecording(r Recording) Recording {
	r.Files = append([]RecordingFile(nil), r.Files...)
	if r.Composite != nil {
		c := *r.Composite
		r.Composite = &c
	}
	r.Manifest = append(json.RawMessage(nil), r.Manifest...)
	return r
}
