package compose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrNoFFmpeg is returned when the ffmpeg program is not found.
	ErrNoFFmpeg = errors.New("compose: ffmpeg not found (apt-get install ffmpeg)")
	// ErrNothing is returned for a job without inputs of the kind it needs.
	ErrNothing = errors.New("compose: no input to compose")
	// ErrFFmpeg is returned when ffmpeg fails; the error carries its message.
	ErrFFmpeg = errors.New("compose: ffmpeg failed")
)

// Input is one file of the recording.
type Input struct {
	Path string
	// Video or audio.
	Video bool
	// Offset is where the file starts on the recording's time line.
	Offset time.Duration
	// Tile groups the videos shown in one place of the grid, one after the
	// other (a participant's camera over several files); "" is a tile of its own.
	Tile string
}

// Job is one composition.
type Job struct {
	Inputs []Input
	// Length is the recording's length; the output lasts as long.
	Length time.Duration
	// Output is the file to write: .mp4 for the grid, .ogg for audio only.
	Output string
	// AudioOnly mixes the audio into Ogg Opus and ignores the videos.
	AudioOnly bool
	// Width and Height are the grid's size (default 1280x720).
	Width, Height int
	// FFmpeg is the program (default: "ffmpeg" on the PATH).
	FFmpeg string
}

// Run composes the job's inputs into its output with ffmpeg.
func Run(ctx context.Context, j Job) error {
	bin := j.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoFFmpeg, err)
	}
	args, err := j.args()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %w: %s", ErrFFmpeg, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// args builds ffmpeg's command line: the inputs, one filter graph, the codecs.
func (j Job) args() ([]string, error) {
	w, h := j.Width, j.Height
	if w <= 0 || h <= 0 {
		w, h = 1280, 720
	}
	secs := strconv.FormatFloat(j.Length.Seconds(), 'f', 3, 64)
	args := []string{"-nostdin", "-y", "-v", "error"}
	var graph []string
	var audio, video []int // input indexes
	for _, in := range j.Inputs {
		if in.Video && j.AudioOnly {
			continue
		}
		i := len(audio) + len(video)
		args = append(args, "-i", in.Path)
		if in.Video {
			video = append(video, i)
		} else {
			audio = append(audio, i)
		}
	}
	inputs := j.usedInputs()
	if len(audio) == 0 && (j.AudioOnly || len(video) == 0) {
		return nil, ErrNothing
	}

	// Audio: each input delayed to its offset, all mixed (not normalised:
	// one speaker alone keeps its level).
	var mixIn string
	for _, i := range audio {
		ms := max(inputs[i].Offset.Milliseconds(), 0)
		graph = append(graph, fmt.Sprintf("[%d:a]aresample=48000,adelay=%d:all=1[a%d]", i, ms, i))
		mixIn += fmt.Sprintf("[a%d]", i)
	}
	if len(audio) > 0 {
		graph = append(graph, fmt.Sprintf("%samix=inputs=%d:duration=longest:normalize=0,apad,atrim=0:%s[aout]", mixIn, len(audio), secs))
	}

	if !j.AudioOnly && len(video) > 0 {
		tiles := tileOf(inputs, video)
		cols := int(math.Ceil(math.Sqrt(float64(len(tiles.names)))))
		rows := (len(tiles.names) + cols - 1) / cols
		tw, th := w/cols&^1, h/rows&^1
		graph = append(graph, fmt.Sprintf("color=c=black:s=%dx%d:r=30:d=%s[base0]", w, h, secs))
		for n, i := range video {
			in := inputs[i]
			t := tiles.index[i]
			x, y := t%cols*tw, t/cols*th
			start := max(in.Offset.Seconds(), 0)
			graph = append(graph, fmt.Sprintf(
				"[%d:v]scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:(ow-iw)/2:(oh-ih)/2,setsar=1,setpts=PTS-STARTPTS+%.3f/TB[v%d]",
				i, tw, th, tw, th, start, i))
			graph = append(graph, fmt.Sprintf("[base%d][v%d]overlay=x=%d:y=%d:eof_action=pass[base%d]", n, i, x, y, n+1))
		}
		graph[len(graph)-1] = strings.TrimSuffix(graph[len(graph)-1], fmt.Sprintf("[base%d]", len(video))) + ",format=yuv420p[vout]"
	}

	args = append(args, "-filter_complex", strings.Join(graph, ";"))
	if j.AudioOnly {
		args = append(args, "-map", "[aout]", "-c:a", "libopus", "-b:a", "64k", "-t", secs, j.Output)
		return args, nil
	}
	if len(video) > 0 {
		args = append(args, "-map", "[vout]", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23")
	}
	if len(audio) > 0 {
		args = append(args, "-map", "[aout]", "-c:a", "aac", "-b:a", "128k")
	}
	args = append(args, "-t", secs, "-movflags", "+faststart", j.Output)
	return args, nil
}

// usedInputs lists the inputs in ffmpeg's numbering (videos left out for audio only).
func (j Job) usedInputs() []Input {
	var used []Input
	for _, in := range j.Inputs {
		if in.Video && j.AudioOnly {
			continue
		}
		used = append(used, in)
	}
	return used
}

// tiles numbers the grid's tiles in the order their first video comes.
type tiles struct {
	names []string
	index map[int]int // input → tile
}

func tileOf(inputs []Input, video []int) tiles {
	t := tiles{index: make(map[int]int)}
	seen := make(map[string]int)
	for _, i := range video {
		name := inputs[i].Tile
		if name == "" {
			name = "\x00" + strconv.Itoa(i)
		}
		n, ok := seen[name]
		if !ok {
			n = len(t.names)
			seen[name] = n
			t.names = append(t.names, name)
		}
		t.index[i] = n
	}
	return t
}
