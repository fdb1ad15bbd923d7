package compose_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/compose"
	"github.com/ensemble-sfu/ensemble/recording/internal/mediatest"
)

// Two participants, one red and one blue, speak in turns (a tone each, made by
// ffmpeg): the speaker layout shows the one who speaks large, and both small.
func TestComposeSpeakerShowsWhoSpeaks(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	for _, c := range []struct{ name, colour string }{{"red.webm", "red"}, {"blue.webm", "blue"}} {
		mediatest.Generate(t, "-f", "lavfi", "-i", "color=c="+c.colour+":s=320x180:r=30:d=10",
			"-c:v", "libvpx", "-deadline", "realtime", "-g", "30", file(c.name))
	}
	// Red speaks from 0 to 4 s, blue from 4 s to 9 s.
	mediatest.Generate(t, "-f", "lavfi", "-i", "sine=f=440:d=10", "-af", "volume='if(lt(t,4),0.5,0)':eval=frame",
		"-c:a", "libopus", file("red.ogg"))
	mediatest.Generate(t, "-f", "lavfi", "-i", "sine=f=660:d=10", "-af", "volume='if(between(t,4,9),0.5,0)':eval=frame",
		"-c:a", "libopus", file("blue.ogg"))
	job := compose.Job{Length: 10 * time.Second, Output: file("composite.mp4"), Speaker: true, Inputs: []compose.Input{
		{Path: file("red.webm"), Video: true, Tile: "r", Participant: "r"},
		{Path: file("red.ogg"), Participant: "r"},
		{Path: file("blue.webm"), Video: true, Tile: "b", Participant: "b"},
		{Path: file("blue.ogg"), Participant: "b"},
	}}
	turns, err := compose.SpeakerTurns(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 2 || turns[0].Participant != "r" || turns[1].Participant != "b" ||
		turns[1].Start < 3900*time.Millisecond || turns[1].Start > 4600*time.Millisecond {
		t.Fatalf("turns %+v, want r then b from about 4 s", turns)
	}
	if err := compose.Run(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	streams, d := probe(t, job.Output)
	if len(streams) != 2 || streams[0].CodecName != "h264" || streams[1].CodecName != "aac" {
		t.Errorf("streams %+v", streams)
	}
	if diff := d - job.Length; diff > 200*time.Millisecond || diff < -200*time.Millisecond {
		t.Errorf("duration %v, want %v", d, job.Length)
	}
	mediatest.LargeShows(t, job.Output, 2*time.Second, "red")
	mediatest.LargeShows(t, job.Output, 7*time.Second, "blue")
}
