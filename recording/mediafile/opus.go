package mediafile

import (
	"errors"
	"fmt"
	"time"
)

// ErrBadOpus is returned for an Opus packet whose table of contents is cut.
var ErrBadOpus = errors.New("mediafile: malformed opus packet")

// opusFrameDurations is the duration of one frame for each of the 32
// configurations of an Opus TOC byte (RFC 6716, 3.1), in microseconds.
var opusFrameDurations = [32]time.Duration{
	10000, 20000, 40000, 60000, // SILK NB
	10000, 20000, 40000, 60000, // SILK MB
	10000, 20000, 40000, 60000, // SILK WB
	10000, 20000, // hybrid SWB
	10000, 20000, // hybrid FB
	2500, 5000, 10000, 20000, // CELT NB
	2500, 5000, 10000, 20000, // CELT WB
	2500, 5000, 10000, 20000, // CELT SWB
	2500, 5000, 10000, 20000, // CELT FB
}

// OpusDuration is the audio length of an Opus packet, from its TOC byte and
// frame count (RFC 6716, 3.1 and 3.2).
func OpusDuration(p []byte) (time.Duration, error) {
	if len(p) == 0 {
		return 0, fmt.Errorf("%w: empty", ErrBadOpus)
	}
	frames := 1
	switch p[0] & 3 {
	case 1, 2:
		frames = 2
	case 3:
		if len(p) < 2 {
			return 0, fmt.Errorf("%w: code 3 without a frame count", ErrBadOpus)
		}
		frames = int(p[1] & 0x3F)
	}
	return time.Duration(frames) * opusFrameDurations[p[0]>>3] * time.Microsecond, nil
}
