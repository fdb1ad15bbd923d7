package mediafile

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
)

// opusSilence is one 20 ms Opus frame of silence (CELT, full band, one frame:
// TOC 0xF8 and an empty range-coded frame), which every decoder turns into
// 20 ms of zeros.
var opusSilence = []byte{0xF8, 0xFF, 0xFE}

const opusSilenceDuration = 20 * time.Millisecond

// opusPreSkip is the pre-skip oggwriter puts in every file's header (3840
// samples at 48 kHz, the warm-up RFC 7845 4.2 recommends). Players drop that
// much of the decoded start, so each file begins with as much silence: the
// first frame written then plays at zero, where the recording's time line
// puts it, rather than 80 ms of it being cut and the audio running 80 ms
// ahead of the video.
const opusPreSkip = 80 * time.Millisecond

// oggWriter writes Opus to Ogg. Ogg has no timestamps of its own: a packet's
// time is the sum of the samples before it (the granule position). A gap in the
// stream (a mute, lost packets, a publisher away) is therefore filled with
// silent frames, so that the file keeps the recording's time line. Its start is
// the header's pre-skip of silence (opusPreSkip).
type oggWriter struct {
	path   string
	w      *oggwriter.OggWriter
	end    time.Duration
	size   int64
	closed bool
}

func createOgg(path string, t Track) (*oggWriter, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("mediafile: %s: %w", path, os.ErrExist)
	}
	rate, channels := t.ClockRate, t.Channels
	if rate == 0 {
		rate = 48000
	}
	if channels == 0 {
		channels = 2
	}
	w, err := oggwriter.New(path, rate, channels)
	if err != nil {
		return nil, fmt.Errorf("mediafile: create %s: %w", path, err)
	}
	o := &oggWriter{path: path, w: w}
	for range opusPreSkip / opusSilenceDuration {
		if err := o.write(opusSilence, 0); err != nil {
			return nil, errors.Join(err, w.Close())
		}
	}
	return o, nil
}

func (o *oggWriter) WriteFrame(frame []byte, pos time.Duration) error {
	if o.closed {
		return ErrClosed
	}
	d, err := OpusDuration(frame)
	if err != nil {
		return err
	}
	for pos-o.end >= opusSilenceDuration-opusSilenceDuration/2 {
		if err := o.write(opusSilence, opusSilenceDuration); err != nil {
			return err
		}
	}
	return o.write(frame, d)
}

func (o *oggWriter) write(frame []byte, d time.Duration) error {
	if err := o.w.WriteRTP(&rtp.Packet{Payload: frame}); err != nil {
		return fmt.Errorf("mediafile: write %s: %w", o.path, err)
	}
	o.end += d
	return nil
}

func (o *oggWriter) Duration() time.Duration { return o.end }

func (o *oggWriter) Size() int64 { return o.size }

// Close ends the Ogg stream (oggwriter marks its last page) and syncs the file,
// which oggwriter does not do.
func (o *oggWriter) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	err := o.w.Close()
	f, openErr := os.OpenFile(o.path, os.O_RDWR, 0)
	if openErr != nil {
		return errors.Join(err, fmt.Errorf("mediafile: %w", openErr))
	}
	if st, statErr := f.Stat(); statErr == nil {
		o.size = st.Size()
	}
	if syncErr := f.Sync(); syncErr != nil {
		err = errors.Join(err, fmt.Errorf("mediafile: sync %s: %w", o.path, syncErr))
	}
	return errors.Join(err, f.Close())
}
