package clienttest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/pion/webrtc/v4/pkg/media"
)

// PlayClip plays clips on a track in a loop, one clip per simulcast layer (lowest
// first), at their own pace, until ctx ends, the track is unpublished or the client
// closes; it then returns nil (or the first write error). Run it in a goroutine.
//
// When the receiver asks for a keyframe (PLI/FIR) of a layer, or the server turns a
// layer back on, that layer restarts at its clip's first frame, which is a keyframe:
// a new subscriber gets a picture at once instead of waiting for the next one in the
// clip. Unmuting restarts every layer. Layers the server turned off (dynacast) are
// not written.
func PlayClip(ctx context.Context, t *client.LocalTrack, clips ...*clip.Clip) error {
	if len(clips) != t.Layers() {
		return fmt.Errorf("%w: %d clips for a track with %d layers", client.ErrInvalidOptions, len(clips), t.Layers())
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-t.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for layer, c := range clips {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := playLayer(ctx, t, layer, c); err != nil {
				errOnce.Do(func() { firstErr = err; cancel() })
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func playLayer(ctx context.Context, t *client.LocalTrack, layer int, c *clip.Clip) error {
	loop := c.Loop()
	video := strings.HasPrefix(c.MimeType, "video/")
	seenKeyReqs := t.LayerKeyframeRequests(layer)
	wasMuted := t.Muted()
	timer := time.NewTimer(0)
	defer timer.Stop()
	next := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		if video {
			muted := t.Muted()
			if reqs := t.LayerKeyframeRequests(layer); reqs != seenKeyReqs || (wasMuted && !muted) {
				seenKeyReqs = reqs
				loop.Restart()
			}
			wasMuted = muted
		}
		f := loop.Next()
		if err := t.WriteSample(layer, media.Sample{Data: f.Data, Duration: f.Duration}); err != nil {
			select {
			case <-t.Done():
				return nil
			default:
			}
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		// Keep the pace against the wall clock, not the loop's own delays.
		next = next.Add(f.Duration)
		if d := time.Until(next); d > -time.Second {
			timer.Reset(max(d, 0))
		} else {
			next = time.Now() // far behind (a stalled machine): do not burst to catch up
			timer.Reset(0)
		}
	}
}
