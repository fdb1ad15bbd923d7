package compose

import (
	"context"
	"fmt"
	"strings"
)

// SpeakerTurns measures the levels of the job's audio inputs (decoding each
// with ffmpeg) and decides who is shown large when (see speakerTurns): the
// candidates are the participants of the video inputs, in the order their
// first video comes.
func SpeakerTurns(ctx context.Context, j Job) ([]Turn, error) {
	path, err := j.ffmpeg()
	if err != nil {
		return nil, err
	}
	voices := map[string]voice{}
	var candidates []string
	seen := map[string]bool{}
	for _, in := range j.Inputs {
		if in.Participant == "" {
			continue
		}
		if in.Video {
			if !seen[in.Participant] {
				seen[in.Participant] = true
				candidates = append(candidates, in.Participant)
			}
			continue
		}
		levels, err := audioLevels(ctx, path, in.Path)
		if err != nil {
			return nil, err
		}
		v := voices[in.Participant]
		v.place(levels, in.Offset)
		voices[in.Participant] = v
	}
	hold := j.Hold
	if hold <= 0 {
		hold = DefaultHold
	}
	return speakerTurns(voices, candidates, j.Length, hold), nil
}

// speakerGraph lays the videos out for the speaker layout: the strip along
// the bottom (a quarter of the height) holds every tile small, side by side;
// above it, the videos of the participant whose turn it is fill the large
// region. Each participant's large overlay is enabled during its turns only
// (one between() per turn), so the graph grows by one term per switch.
func speakerGraph(inputs []Input, video []int, turns []Turn, w, h int, secs string) []string {
	tiles := tileOf(inputs, video)
	sh := h / 4 &^ 1
	bh := h - sh
	tw := min(w/len(tiles.names), sh*16/9) &^ 1
	x0 := (w - tw*len(tiles.names)) / 2 &^ 1
	when := map[string][]string{}
	for _, t := range turns {
		when[t.Participant] = append(when[t.Participant],
			fmt.Sprintf("between(t,%.3f,%.3f)", t.Start.Seconds(), t.End.Seconds()))
	}
	graph := []string{fmt.Sprintf("color=c=black:s=%dx%d:r=30:d=%s[base0]", w, h, secs)}
	n := 0
	overlay := func(in, opts string) {
		graph = append(graph, fmt.Sprintf("[base%d][%s]overlay=%s:eof_action=pass[base%d]", n, in, opts, n+1))
		n++
	}
	var large []string // the large overlays go over the strip's
	for _, i := range video {
		in := inputs[i]
		src := fmt.Sprintf("%d:v", i)
		enable := strings.Join(when[in.Participant], "+")
		if in.Participant != "" && enable != "" {
			graph = append(graph, fmt.Sprintf("[%d:v]split[s%d][l%d]", i, i, i))
			graph = append(graph, fittedFrom(fmt.Sprintf("l%d", i), in, w, bh, fmt.Sprintf("big%d", i)))
			large = append(large, fmt.Sprintf("big%d|x=0:y=0:enable='%s'", i, enable))
			src = fmt.Sprintf("s%d", i)
		}
		graph = append(graph, fittedFrom(src, in, tw, sh, fmt.Sprintf("v%d", i)))
		overlay(fmt.Sprintf("v%d", i), fmt.Sprintf("x=%d:y=%d", x0+tiles.index[i]*tw, bh))
	}
	for _, l := range large {
		name, opts, _ := strings.Cut(l, "|")
		overlay(name, opts)
	}
	return closeChain(graph, n)
}
