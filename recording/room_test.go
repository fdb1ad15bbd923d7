package recording_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// room is a recorded room: a server, the recorder, and what its publishers do.
type room struct {
	t    *testing.T
	ctx  context.Context
	srv  *servertest.Server
	name string
	wg   sync.WaitGroup
	stop context.CancelFunc
}

func newRoom(t *testing.T, name string) *room {
	requireTool(t, "ffmpeg")
	requireTool(t, "ffprobe")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	r := &room{t: t, ctx: ctx, srv: servertest.Start(t), name: name}
	play, stop := context.WithCancel(ctx)
	r.stop = stop
	r.ctx = play
	t.Cleanup(func() { stop(); r.wg.Wait() })
	return r
}

// join joins a publisher through its own Network.
func (r *room) join(identity string) (*client.Client, *clienttest.Network) {
	r.t.Helper()
	n, err := clienttest.NewNetwork()
	if err != nil {
		r.t.Fatal(err)
	}
	c, err := client.Join(r.ctx, r.srv.URL, r.srv.Token(r.name, identity), client.WithNet(n),
		client.WithLogger(testLogger(r.t)))
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { _ = c.Close() })
	return c, n
}

func (r *room) publish(c *client.Client, o client.TrackOptions) *client.LocalTrack {
	r.t.Helper()
	tr, err := c.PublishTrack(r.ctx, o)
	if err != nil {
		r.t.Fatal(err)
	}
	return tr
}

func (r *room) run(f func()) {
	r.wg.Add(1)
	go func() { defer r.wg.Done(); f() }()
}

// wait lets the scenario run for d (the recording's content is time).
func (r *room) wait(d time.Duration) {
	select {
	case <-time.After(d):
	case <-r.ctx.Done():
		r.t.Fatal("test timed out")
	}
}

// waitFor waits until cond holds (checked every 20 ms).
func (r *room) waitFor(what string, cond func() bool) {
	r.t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-r.ctx.Done():
			r.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func parse(t *testing.T, f func([]byte) (*clip.Clip, error), b []byte) *clip.Clip {
	t.Helper()
	c, err := f(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func h264Clip(b []byte) (*clip.Clip, error) { return clip.ParseH264(b, clips.H264FrameRate) }
