package forward

import (
	"testing"

	"github.com/pion/webrtc/v4"
)

func TestIsKeyframe(t *testing.T) {
	cases := []struct {
		name    string
		mime    string
		payload []byte
		want    bool
	}{
		{"opus always", webrtc.MimeTypeOpus, []byte{0xfc}, true},
		{"vp8 key frame", webrtc.MimeTypeVP8, []byte{0x90, 0x80, 0x81, 0x23, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}, true},
		{"vp8 key frame, no extension", webrtc.MimeTypeVP8, []byte{0x10, 0x00}, true},
		{"vp8 delta frame (P=1)", webrtc.MimeTypeVP8, []byte{0x90, 0x80, 0x81, 0x23, 0x11}, false},
		{"vp8 continuation (S=0)", webrtc.MimeTypeVP8, []byte{0x80, 0x80, 0x81, 0x23, 0x00}, false},
		{"vp8 other partition", webrtc.MimeTypeVP8, []byte{0x11, 0x00}, false},
		{"vp8 truncated", webrtc.MimeTypeVP8, []byte{0x90, 0x80}, false},
		{"h264 IDR", webrtc.MimeTypeH264, []byte{0x65, 0x88}, true},
		{"h264 SPS", webrtc.MimeTypeH264, []byte{0x67, 0x42}, true},
		{"h264 non-IDR slice", webrtc.MimeTypeH264, []byte{0x41, 0x9a}, false},
		{"h264 STAP-A with SPS+PPS", webrtc.MimeTypeH264, []byte{0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce}, true},
		{"h264 STAP-A without key", webrtc.MimeTypeH264, []byte{0x78, 0x00, 0x02, 0x06, 0x05, 0x00, 0x02, 0x41, 0x9a}, false},
		{"h264 STAP-A truncated", webrtc.MimeTypeH264, []byte{0x78, 0x00, 0x09, 0x67}, false},
		{"h264 FU-A start of IDR", webrtc.MimeTypeH264, []byte{0x7c, 0x85, 0x88}, true},
		{"h264 FU-A middle of IDR", webrtc.MimeTypeH264, []byte{0x7c, 0x05, 0x88}, false},
		{"h264 FU-A start of non-IDR", webrtc.MimeTypeH264, []byte{0x7c, 0x81, 0x9a}, false},
		{"h264 empty", webrtc.MimeTypeH264, nil, false},
		{"vp9 key frame start", webrtc.MimeTypeVP9, []byte{0x88, 0x00}, true},
		{"vp9 key frame with picture id", webrtc.MimeTypeVP9, []byte{0x88 | 0x80, 0x81, 0x02, 0x00}, true},
		{"vp9 inter frame", webrtc.MimeTypeVP9, []byte{0xc8, 0x00}, false},
		{"vp9 not frame start", webrtc.MimeTypeVP9, []byte{0x80, 0x05, 0x00}, false},
		{"vp9 key in upper spatial layer", webrtc.MimeTypeVP9, []byte{0xa8 | 0x80, 0x05, 0x02, 0x00}, false},
		{"vp9 key in base spatial layer", webrtc.MimeTypeVP9, []byte{0xa8 | 0x80, 0x05, 0x00, 0x00}, true},
		{"av1 new coded video sequence (N)", webrtc.MimeTypeAV1, []byte{0x18, 0x0a, 0x0b}, true},
		{"av1 sequence header OBU first", webrtc.MimeTypeAV1, []byte{0x10, 0x0a, 0x0b}, true},
		{"av1 frame OBU", webrtc.MimeTypeAV1, []byte{0x10, 0x32, 0x00}, false},
		{"av1 continuation", webrtc.MimeTypeAV1, []byte{0x90, 0x0a}, false},
		{"av1 W=0 with length", webrtc.MimeTypeAV1, []byte{0x00, 0x03, 0x0a, 0x00, 0x00}, true},
		{"h265 IDR", webrtc.MimeTypeH265, []byte{0x26, 0x01}, true},
		{"h265 trail", webrtc.MimeTypeH265, []byte{0x02, 0x01}, false},
		{"unknown codec", "video/unknown", []byte{0}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsKeyframe(tc.mime, tc.payload); got != tc.want {
				t.Fatalf("IsKeyframe = %v, want %v", got, tc.want)
			}
		})
	}
}

// FuzzKeyframe checks that key frame detection never panics on any payload of
// any codec, and that a VP8 key frame is always the first packet of a frame.
func FuzzKeyframe(f *testing.F) {
	f.Add(uint8(2), []byte{0x90, 0x80, 0x81, 0x23, 0x10})
	f.Add(uint8(5), []byte{0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce})
	f.Add(uint8(5), []byte{0x7c, 0x85, 0x88})
	f.Add(uint8(3), []byte{0xa8 | 0x80, 0x05, 0x00, 0x00})
	f.Add(uint8(7), []byte{0x00, 0x03, 0x0a, 0x00, 0x00})
	f.Add(uint8(6), []byte{0x60, 0x01, 0x00, 0x02, 0x40, 0x01})
	f.Fuzz(func(t *testing.T, codec uint8, payload []byte) {
		c := codecKind(codec % 8)
		key := isKeyframe(c, payload)
		if c == codecVP8 && key && payload[0]&0x10 == 0 {
			t.Fatal("VP8 key frame without the S bit")
		}
		if len(payload) == 0 && key && c != codecOpus && c != codecRED {
			t.Fatal("empty video payload taken for a key frame")
		}
	})
}
