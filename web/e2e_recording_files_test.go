package web_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// mediaTool finds ffmpeg or ffprobe; missing, it skips the test, or fails it
// under CI=true (as chromiumPath does).
func mediaTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := "no " + name + " found: apt-get install -y ffmpeg"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// checkRecordedFiles checks what a recording of Chromium pages wrote: for each
// of the participants, files of each wanted source in the codec the pages send,
// whose every packet ffprobe decodes without a word, and that last until the recording's end,
// within slack (a source whose resolution changes gets a new file; a gap
// between two files is logged). The first participant's files also begin with
// the recording, within startWithin.
func checkRecordedFiles(t *testing.T, dir string, m recording.Manifest, participants int, want map[vocab.Source]string, slack time.Duration) {
	t.Helper()
	ffprobe := mediaTool(t, "ffprobe")
	length := m.EndedAt.Sub(m.StartedAt)
	type run struct{ start, end time.Duration }
	runs := map[string]map[vocab.Source][]run{} // by identity; the manifest lists files by start offset
	for _, f := range m.Files {
		codec, ok := want[f.Source]
		if !ok {
			t.Errorf("%s: a file of source %q", f.Path, f.Source)
			continue
		}
		path := filepath.Join(dir, f.Path)
		probe := decodeRecordedFile(t, ffprobe, path)
		if probe.codec != codec {
			t.Errorf("%s: codec %s, want %s", path, probe.codec, codec)
		}
		d := f.Duration
		if probe.duration > 0 { // none for a file of one frame (a layer held a moment)
			d = probe.duration
		}
		if runs[f.ParticipantIdentity] == nil {
			runs[f.ParticipantIdentity] = map[vocab.Source][]run{}
		}
		r := run{f.StartOffset, f.StartOffset + d}
		runs[f.ParticipantIdentity][f.Source] = append(runs[f.ParticipantIdentity][f.Source], r)
	}
	if len(runs) != participants {
		t.Fatalf("files of %d participants, want %d: %+v", len(runs), participants, m.Files)
	}
	first := length
	for identity, sources := range runs {
		for src := range want {
			rs := sources[src]
			if len(rs) == 0 {
				t.Errorf("no %s file of %s", src, identity)
				continue
			}
			first = min(first, rs[0].start)
			for i := 1; i < len(rs); i++ {
				// A gap between two files is a key frame awaited after a
				// loss: on a starved machine (a clean-clone run beside
				// other jobs) seconds of it were seen, so it is reported,
				// not failed; the files' ends are what must hold.
				if gap := rs[i].start - rs[i-1].end; gap > slack/2 {
					t.Logf("%s of %s: %v missing between files %d and %d", src, identity, gap, i, i+1)
				}
			}
			if end := rs[len(rs)-1].end; (end - length).Abs() > slack {
				t.Errorf("%s of %s ends at %v of a %v recording", src, identity, end, length)
			}
		}
	}
	// The recorder's own connection (signalling, ICE, DTLS) comes first:
	// 1.1 s of it was seen on a loaded machine. What this guards against, a
	// recorder waiting for a periodic key frame (Chromium's are minutes
	// apart), would start the files the whole recording late.
	if first > startWithin {
		t.Errorf("the first participant's files begin %v into the recording", first)
	}
}

// startWithin bounds how far into a recording the files of a participant
// present from its start may begin (see checkRecordedFiles).
const startWithin = 3 * time.Second

// decodedFile is what ffprobe found in a recorded file.
type decodedFile struct {
	codec    string
	duration time.Duration
}

// decodeRecordedFile has ffprobe decode every frame of a file of one stream,
// and fails the test if the decoder says a word or a packet played does not
// decode into a frame (those before zero are an Ogg file's pre-skip, decoded
// and dropped). It decodes, rather than having ffmpeg write the frames to its
// null muxer: that muxer times frames by the rate ffmpeg guesses from the file
// (20 fps for Chromium's camera), and two frames of a browser's variable frame
// rate that fall in one of its slots (Chromium's capture times step 20 ms, then
// 68 ms, under load) make it complain of equal DTS in its own output, not in
// the file.
func decodeRecordedFile(t *testing.T, ffprobe, path string) decodedFile {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(ffprobe, "-v", "error", "-count_frames", "-count_packets",
		"-show_entries", "stream=codec_name,nb_read_frames:packet=pts_time:format=duration", "-of", "json", path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v %s", path, err, stderr.String())
	}
	if msg := strings.TrimSpace(stderr.String()); msg != "" {
		t.Errorf("%s does not decode cleanly: %s", path, msg)
	}
	var probe struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
			Frames    string `json:"nb_read_frames"`
		} `json:"streams"`
		Packets []struct {
			PTS string `json:"pts_time"`
		} `json:"packets"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &probe); err != nil || len(probe.Streams) != 1 {
		t.Fatalf("ffprobe %s: %s (%v)", path, out, err)
	}
	s := probe.Streams[0]
	played := 0
	for _, p := range probe.Packets {
		if !strings.HasPrefix(p.PTS, "-") {
			played++
		}
	}
	if s.Frames != strconv.Itoa(played) || played == 0 {
		t.Errorf("%s: %s frames decoded from %d packets played", path, s.Frames, played)
	}
	got := decodedFile{codec: s.CodecName}
	if probe.Format.Duration != "" {
		secs, err := strconv.ParseFloat(probe.Format.Duration, 64)
		if err != nil {
			t.Fatalf("ffprobe %s: duration %q", path, probe.Format.Duration)
		}
		got.duration = time.Duration(secs * float64(time.Second))
	}
	return got
}
