package mediafile

import (
	"fmt"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
)

// Track describes the media written to one file.
type Track struct {
	MimeType string // webrtc.MimeTypeOpus, MimeTypeVP8, ...
	// ClockRate and Channels describe audio (Opus: 48000 and 2 as negotiated;
	// the Ogg header says what the decoder outputs).
	ClockRate uint32
	Channels  uint16
	// Width and Height are the video size as far as it is known (the
	// container's header; decoders read the real size from the bitstream).
	Width, Height int
	// Name is stored in the container as the track's name.
	Name string
}

// Container is a file format.
type Container string

// The containers the recorder writes.
const (
	Ogg      Container = "ogg"
	WebM     Container = "webm"
	Matroska Container = "mkv"
)

// ContainerFor tells which container takes a codec (also the file extension).
func ContainerFor(mimeType string) (Container, error) {
	switch strings.ToLower(mimeType) {
	case strings.ToLower(webrtc.MimeTypeOpus):
		return Ogg, nil
	case strings.ToLower(webrtc.MimeTypeVP8), strings.ToLower(webrtc.MimeTypeVP9):
		return WebM, nil
	case strings.ToLower(webrtc.MimeTypeH264), strings.ToLower(webrtc.MimeTypeAV1):
		return Matroska, nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnsupportedCodec, mimeType)
}

// matroskaCodecID is the Matroska CodecID of a video codec.
func matroskaCodecID(mimeType string) string {
	switch strings.ToLower(mimeType) {
	case strings.ToLower(webrtc.MimeTypeVP8):
		return "V_VP8"
	case strings.ToLower(webrtc.MimeTypeVP9):
		return "V_VP9"
	case strings.ToLower(webrtc.MimeTypeH264):
		// Frames stay in Annex-B as RTP carried them, with no CodecPrivate: the
		// parameter sets travel in band before each key frame (ffmpeg and
		// GStreamer read it so; Galène's recorder writes the same).
		return "V_MPEG4/ISO/AVC"
	case strings.ToLower(webrtc.MimeTypeAV1):
		return "V_AV1"
	}
	return ""
}

// Writer writes one track's frames to one file.
type Writer interface {
	// WriteFrame writes one whole frame at pos from the file's start. Positions
	// must not go backwards. Video frames must start with a key frame (the
	// caller waits for one).
	WriteFrame(frame []byte, pos time.Duration) error
	// Duration is the position of the end of the last frame written.
	Duration() time.Duration
	// Close flushes, syncs and closes the file; Size is final afterwards.
	Close() error
	// Size is the file's length in bytes once closed.
	Size() int64
}

// Create creates the file at path for the track, in the container its codec
// belongs in (the caller chose the extension with ContainerFor).
func Create(path string, t Track) (Writer, error) {
	c, err := ContainerFor(t.MimeType)
	if err != nil {
		return nil, err
	}
	if c == Ogg {
		return createOgg(path, t)
	}
	return createMatroska(path, t, c)
}
