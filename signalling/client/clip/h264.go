package clip

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/h264reader"
)

// ParseH264 reads an H.264 Annex-B stream and groups its NAL units into access
// units: parameter sets and SEI are kept with the slice that follows them, and each
// slice ends a frame (the clips have one slice per frame). Annex-B carries no timing,
// so every frame lasts 1/frameRate.
func ParseH264(data []byte, frameRate int) (*Clip, error) {
	if frameRate <= 0 {
		return nil, fmt.Errorf("clip: h264 frame rate %d must be positive", frameRate)
	}
	r, err := h264reader.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("clip: h264: %w", err)
	}
	c := &Clip{MimeType: webrtc.MimeTypeH264}
	dur := time.Second / time.Duration(frameRate)
	var au []byte
	key := false
	for {
		nal, err := r.NextNAL()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("clip: h264 NAL after frame %d: %w", len(c.Frames), err)
		}
		au = append(au, 0, 0, 0, 1)
		au = append(au, nal.Data...)
		switch nal.UnitType {
		case h264reader.NalUnitTypeCodedSliceIdr:
			key = true
			fallthrough
		case h264reader.NalUnitTypeCodedSliceNonIdr:
			c.Frames = append(c.Frames, Frame{Data: au, Duration: dur, Keyframe: key})
			au, key = nil, false
		}
	}
	if len(c.Frames) == 0 {
		return nil, ErrEmpty
	}
	return c, nil
}
