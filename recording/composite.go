package recording

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ensemble-sfu/ensemble/recording/compose"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Layout says whether and how Stop composes the files into one.
type Layout string

// The layouts.
const (
	// LayoutNone keeps the per-track files only.
	LayoutNone Layout = ""
	// LayoutGrid makes composite.mp4: H.264 + AAC, the videos in a grid, all
	// audio mixed.
	LayoutGrid Layout = "grid"
	// LayoutSpeaker makes composite.mp4 with the active speaker large and
	// every camera small in a strip below, the speaker decided from the
	// recorded audio levels (compose.SpeakerTurns); all audio mixed.
	LayoutSpeaker Layout = "speaker"
	// LayoutAudioOnly makes composite.ogg: all audio mixed into Opus.
	LayoutAudioOnly Layout = "audio_only"
)

// Composite is the composed file of a recording.
type Composite struct {
	Path   string `json:"path"`
	Layout Layout `json:"layout"`
	Bytes  int64  `json:"bytes"`
}

func (l Layout) valid() bool {
	return l == LayoutNone || l == LayoutGrid || l == LayoutSpeaker || l == LayoutAudioOnly
}

// composite runs ffmpeg over the manifest's files (package compose).
func (r *Recorder) composite(ctx context.Context, m Manifest) (*Composite, error) {
	name := "composite.mp4"
	if r.cfg.Layout == LayoutAudioOnly {
		name = "composite.ogg"
	}
	job := compose.Job{Length: m.EndedAt.Sub(m.StartedAt), Output: filepath.Join(r.cfg.Dir, name),
		AudioOnly: r.cfg.Layout == LayoutAudioOnly, Speaker: r.cfg.Layout == LayoutSpeaker, FFmpeg: r.cfg.FFmpeg}
	for _, f := range m.Files {
		in := compose.Input{Path: filepath.Join(r.cfg.Dir, f.Path),
			Video: f.Kind == vocab.KindVideo, Offset: f.StartOffset, Tile: f.ParticipantSID + "/" + string(f.Source)}
		// The speaker layout matches a microphone's voice to a camera.
		if f.Source == vocab.SourceCamera || f.Source == vocab.SourceMicrophone {
			in.Participant = f.ParticipantSID
		}
		job.Inputs = append(job.Inputs, in)
	}
	if err := compose.Run(ctx, job); err != nil {
		return nil, err
	}
	st, err := os.Stat(job.Output)
	if err != nil {
		return nil, fmt.Errorf("recording: composite: %w", err)
	}
	if err := syncFile(job.Output); err != nil {
		return nil, err
	}
	return &Composite{Path: name, Layout: r.cfg.Layout, Bytes: st.Size()}, nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("recording: sync %s: %w", path, err)
	}
	return nil
}
