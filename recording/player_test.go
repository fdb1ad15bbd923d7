package recording_test

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/pion/webrtc/v4/pkg/media"
)

// sendLog is a player that plays one clip on a single-layer track like
// clienttest.PlayClip (restarting at the first frame, a key frame, when a key
// frame is asked for) and remembers when it sent each frame: what the
// publisher sent, to hold the recording against.
type sendLog struct {
	mu   sync.Mutex
	sent []sent
}

type sent struct {
	at   time.Time
	data []byte
}

func (l *sendLog) play(ctx context.Context, t *client.LocalTrack, c *clip.Clip) {
	i := 0
	requests := t.KeyframeRequests()
	next := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.Done():
			return
		case <-time.After(time.Until(next)):
		}
		if r := t.KeyframeRequests(); r != requests {
			requests, i = r, 0
		}
		f := c.Frames[i%len(c.Frames)]
		i++
		now := time.Now()
		if !t.Muted() {
			l.mu.Lock()
			l.sent = append(l.sent, sent{at: now, data: f.Data})
			l.mu.Unlock()
		}
		_ = t.WriteSample(0, media.Sample{Data: f.Data, Duration: f.Duration})
		next = next.Add(f.Duration)
	}
}

// lastSent is when data was last sent at or before t (false: never).
func (l *sendLog) lastSent(data []byte, before time.Time) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.sent) - 1; i >= 0; i-- {
		if s := l.sent[i]; !s.at.After(before) && bytes.Equal(s.data, data) {
			return s.at, true
		}
	}
	return time.Time{}, false
}
