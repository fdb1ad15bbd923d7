package compose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
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
	// Participant is whose voice (audio) or face (video) the input is, for the
	// speaker layout: the loudest participant's videos are shown large. ""
	// for inputs that take no part in it (a screen share: only in the strip).
	Participant string
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
	// Speaker lays the videos out with the active speaker large and every
	// tile small in a strip below, instead of a grid; the speaker is decided
	// from the audio inputs' levels (SpeakerTurns). Hold is the least time a
	// speaker stays large (default DefaultHold).
	Speaker bool
	Hold    time.Duration
	// Width and Height are the grid's size (default 1280x720).
	Width, Height int
	// FFmpeg is the program (default: "ffmpeg" on the PATH).
	FFmpeg string
}

// Run composes the job's inputs into its output with ffmpeg.
func Run(ctx context.Context, j Job) error {
	path, err := j.ffmpeg()
	if err != nil {
		return err
	}
	var turns []Turn
	if j.Speaker && !j.AudioOnly {
		if turns, err = SpeakerTurns(ctx, j); err != nil {
			return err
		}
	}
	args, graph, err := j.args(turns)
	if err != nil {
		return err
	}
	// The graph goes in a file beside the output: a long meeting's speaker
	// layout would not fit in one argument (128 KiB on Linux).
	script, err := os.CreateTemp(filepath.Dir(j.Output), ".graph-*.txt")
	if err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	defer os.Remove(script.Name())
	if _, err := script.WriteString(graph); err != nil {
		_ = script.Close()
		return fmt.Errorf("compose: %w", err)
	}
	if err := script.Close(); err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	args = append([]string{"-filter_complex_script", script.Name()}, args...)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %w: %s", ErrFFmpeg, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func (j Job) ffmpeg() (string, error) {
	bin := j.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoFFmpeg, err)
	}
	return path, nil
}

// args builds ffmpeg's command line (the inputs, the codecs) and its filter
// graph; turns, for the speaker layout, say who is shown large when.
func (j Job) args(turns []Turn) ([]string, string, error) {
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
		return nil, "", ErrNothing
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
		if j.Speaker {
			graph = append(graph, speakerGraph(inputs, video, turns, w, h, secs)...)
		} else {
			graph = append(graph, gridGraph(inputs, video, w, h, secs)...)
		}
	}

	if j.AudioOnly {
		args = append(args, "-map", "[aout]", "-c:a", "libopus", "-b:a", "64k", "-t", secs, j.Output)
		return args, strings.Join(graph, ";\n"), nil
	}
	if len(video) > 0 {
		args = append(args, "-map", "[vout]", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23")
	}
	if len(audio) > 0 {
		args = append(args, "-map", "[aout]", "-c:a", "aac", "-b:a", "128k")
	}
	args = append(args, "-t", secs, "-movflags", "+faststart", j.Output)
	return args, strings.Join(graph, ";\n"), nil
}

// gridGraph lays the videos out in a grid of tiles on a black background.
func gridGraph(inputs []Input, video []int, w, h int, secs string) []string {
	tiles := tileOf(inputs, video)
	cols := int(math.Ceil(math.Sqrt(float64(len(tiles.names)))))
	rows := (len(tiles.names) + cols - 1) / cols
	tw, th := w/cols&^1, h/rows&^1
	graph := []string{fmt.Sprintf("color=c=black:s=%dx%d:r=30:d=%s[base0]", w, h, secs)}
	for n, i := range video {
		t := tiles.index[i]
		graph = append(graph, fitted(i, inputs[i], tw, th, fmt.Sprintf("v%d", i)),
			fmt.Sprintf("[base%d][v%d]overlay=x=%d:y=%d:eof_action=pass[base%d]", n, i, t%cols*tw, t/cols*th, n+1))
	}
	return closeChain(graph, len(video))
}

// fitted scales input i into a w×h box (letterboxed) and places it at its
// offset on the time line, as the stream named out.
func fitted(i int, in Input, w, h int, out string) string {
	return fittedFrom(fmt.Sprintf("%d:v", i), in, w, h, out)
}

// fittedFrom is fitted from the stream named src (a split of an input).
func fittedFrom(src string, in Input, w, h int, out string) string {
	return fmt.Sprintf(
		"[%s]scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:(ow-iw)/2:(oh-ih)/2,setsar=1,setpts=PTS-STARTPTS+%.3f/TB[%s]",
		src, w, h, w, h, max(in.Offset.Seconds(), 0), out)
}

// closeChain renames the last overlay's output [baseN] to the graph's video
// output, in the encoder's pixel format.
func closeChain(graph []string, n int) []string {
	last := strings.TrimSuffix(graph[len(graph)-1], fmt.Sprintf("[base%d]", n))
	graph[len(graph)-1] = last + ",format=yuv420p[vout]"
	return graph
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
