// Package clips embeds the small encoded media clips that tests, the load tester and
// the recorder's tests play: three VP8 simulcast layers, a VP9 and an AV1 clip in IVF, an H.264 Annex-B
// clip and Opus in Ogg, 2 to 5 s long. testdata/make-clips.sh made them (the
// exact ffmpeg commands are there and in testdata/README.md); they are committed so
// that no test needs ffmpeg. Parse them with package signalling/client/clip:
//
//	c, err := clip.ParseIVF(clips.VP8Medium)
//
// Only files live here; the readers belong to the client package so that the same
// code plays a clip from disk too.
package clips

import _ "embed" // the clips are embedded byte slices

// VP8 simulcast layers: the same testsrc2 scene, 30 fps, a keyframe every 2 s (frames
// 0, 60, 120), with a red (low), green (medium) or blue (high) border.
var (
	//go:embed vp8-320x180.ivf
	VP8Low []byte // 320x180, ~150 kbps
	//go:embed vp8-640x360.ivf
	VP8Medium []byte // 640x360, ~500 kbps
	//go:embed vp8-1280x720.ivf
	VP8High []byte // 1280x720, ~1500 kbps
)

// VP9 is 320x180 VP9 (profile 0) in IVF, 30 fps, 3 s, ~150 kbps, a keyframe every 2 s.
//
//go:embed vp9-320x180.ivf
var VP9 []byte

// AV1 is 320x180 AV1 in IVF, 30 fps, 2 s, ~150 kbps, one keyframe (the first frame).
//
//go:embed av1-320x180.ivf
var AV1 []byte

// H264 is 640x360 constrained-baseline H.264 in Annex-B, 30 fps, ~300 kbps, a keyframe
// with SPS/PPS every 2 s.
//
//go:embed h264-640x360.h264
var H264 []byte

// Opus is 48 kHz mono Opus in Ogg, 20 ms packets, ~32 kbps: a 440 Hz tone switched on
// and off twice a second, so audio-level and speaker detection see talk and silence.
//
//go:embed opus-48k-mono.ogg
var Opus []byte

// H264FrameRate is the frame rate of H264 (Annex-B carries no timing).
const H264FrameRate = 30

// VP8Layers are the three VP8 layers, lowest first, as a publisher sends them.
func VP8Layers() [][]byte { return [][]byte{VP8Low, VP8Medium, VP8High} }
