package jobs

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ensemble-sfu/ensemble/recording"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// filesOf lists a manifest's files as the store keeps them, with their local
// paths under dir.
func filesOf(dir string, m recording.Manifest) []store.RecordingFile {
	files := make([]store.RecordingFile, 0, len(m.Files))
	for _, f := range m.Files {
		files = append(files, store.RecordingFile{
			Path: filepath.Join(dir, f.Path), Kind: string(f.Kind),
			ParticipantIdentity: f.ParticipantIdentity, ParticipantSID: f.ParticipantSID, TrackSID: f.TrackSID,
			Source: string(f.Source), Codec: f.Codec, StartOffset: f.StartOffset, Duration: f.Duration, Bytes: f.Bytes,
		})
	}
	return files
}

// compositeOf is the composed file of m, if it was made.
func compositeOf(dir string, m recording.Manifest) *store.RecordingFile {
	if m.Composite == nil {
		return nil
	}
	kind := "video"
	if m.Composite.Layout == recording.LayoutAudioOnly {
		kind = "audio"
	}
	return &store.RecordingFile{Path: filepath.Join(dir, m.Composite.Path), Kind: kind,
		Duration: m.EndedAt.Sub(m.StartedAt), Bytes: m.Composite.Bytes}
}

// PartialFiles lists the files recording id has written here so far (a
// worker's lease renewal reports them).
func (r *Runner) PartialFiles(id string) []store.RecordingFile {
	return partialFiles(filepath.Join(r.cfg.Dir, id))
}

// partialFiles lists what an interrupted recording left in dir: every media
// file, as it is on disk (its end may be cut).
func partialFiles(dir string) []store.RecordingFile {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return []store.RecordingFile{}
	}
	files := []store.RecordingFile{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || name == recording.ManifestName {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		f := store.RecordingFile{Path: filepath.Join(dir, name), Bytes: info.Size(), Partial: true}
		switch filepath.Ext(name) {
		case ".ogg":
			f.Kind = "audio"
		case ".webm", ".mkv", ".mp4":
			f.Kind = "video"
		}
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files
}
