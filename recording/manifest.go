package recording

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// ManifestName is the manifest's file name in the recording's directory.
const ManifestName = "manifest.json"

// Manifest describes a finished recording.
type Manifest struct {
	Room      string    `json:"room"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at"`
	Files     []File    `json:"files"`
	// Composite is the composed file when the Recorder was asked for one;
	// CompositeError says why it is missing.
	Composite      *Composite `json:"composite,omitempty"`
	CompositeError string     `json:"composite_error,omitempty"`
}

// Sync says where a file's start offset comes from.
type Sync string

// The sources of a start offset.
const (
	SyncSenderReport Sync = "sender_report"
	SyncArrival      Sync = "arrival"
)

// File is one file of a recording: one run of one track.
type File struct {
	// Path is relative to the recording's directory.
	Path                string       `json:"path"`
	Kind                vocab.Kind   `json:"kind"`
	ParticipantIdentity string       `json:"participant_identity"`
	ParticipantSID      string       `json:"participant_sid"`
	TrackSID            string       `json:"track_sid"`
	Source              vocab.Source `json:"source"`
	Codec               string       `json:"codec"`
	Width               int          `json:"width,omitempty"`
	Height              int          `json:"height,omitempty"`
	// StartOffset is where the file's first frame lies on the recording's
	// time line (from StartedAt); Duration is the file's length.
	StartOffset time.Duration `json:"start_offset_ns"`
	Duration    time.Duration `json:"duration_ns"`
	Bytes       int64         `json:"bytes"`
	Sync        Sync          `json:"sync"`
}

// writeManifest writes m to dir/manifest.json: to a temporary file first,
// synced, then renamed and the directory synced, so a manifest that exists is
// whole.
func writeManifest(dir string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("recording: manifest: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".manifest-*.json")
	if err != nil {
		return fmt.Errorf("recording: manifest: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("recording: manifest: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("recording: manifest: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("recording: manifest: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, ManifestName)); err != nil {
		return fmt.Errorf("recording: manifest: %w", err)
	}
	return syncDir(dir)
}

// syncDir makes the directory's entries (the files' names) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("recording: sync %s: %w", dir, err)
	}
	return nil
}

// ReadManifest reads the manifest of the recording in dir.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return m, fmt.Errorf("recording: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("recording: manifest %s: %w", dir, err)
	}
	return m, nil
}
