package clip

import (
	"errors"
	"time"
)

// ErrEmpty is returned for a file that holds no media frame.
var ErrEmpty = errors.New("clip: no media frames")

// Frame is one encoded frame (video) or packet (audio).
type Frame struct {
	// Data is the encoded payload; shared between players, so never modify it.
	Data []byte
	// Duration is how long the frame lasts (until the next one starts).
	Duration time.Duration
	// Keyframe is set for video frames that decode on their own (and always for audio).
	Keyframe bool
}

// Clip is a parsed file: an immutable list of frames.
type Clip struct {
	// MimeType is the codec, as webrtc.MimeTypeVP8 etc.
	MimeType string
	// Width and Height are the video size (0 for audio or when unknown).
	Width, Height int
	Frames        []Frame
	// Skip is how much of the start of the decoded audio a player drops: an
	// Ogg Opus file's pre-skip (RFC 7845, 4.2), the decoder's warm-up. The
	// first frame plays at -Skip.
	Skip time.Duration
}

// Duration is the length of one pass over the clip.
func (c *Clip) Duration() time.Duration {
	var d time.Duration
	for _, f := range c.Frames {
		d += f.Duration
	}
	return d
}

// Loop returns a new endless reader positioned at the clip's first frame.
func (c *Clip) Loop() *Loop { return &Loop{clip: c} }

// Loop plays a clip forever. It is not safe for concurrent use.
type Loop struct {
	clip *Clip
	next int
	// Passes counts completed passes over the clip.
	Passes int
}

// Next returns the next frame, wrapping to the first at the end.
func (l *Loop) Next() Frame {
	f := l.clip.Frames[l.next]
	l.next++
	if l.next == len(l.clip.Frames) {
		l.next = 0
		l.Passes++
	}
	return f
}

// Restart makes Next return the clip's first frame, which is a keyframe in the clips
// we make; a publisher calls it when a receiver asks for a keyframe.
func (l *Loop) Restart() { l.next = 0 }
