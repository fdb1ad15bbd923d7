package forward

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

func TestRemapExtensions(t *testing.T) {
	pub := newExtIDs(pubExts)
	src := rtp.Header{}
	_ = src.SetExtension(1, []byte{0x85})                   // audio level
	_ = src.SetExtension(2, []byte{1, 2, 3, 4, 5, 6, 7, 8}) // abs-capture-time
	_ = src.SetExtension(3, []byte("0"))                    // mid
	_ = src.SetExtension(4, []byte("f"))                    // rid
	_ = src.SetExtension(5, []byte{0, 9})                   // TWCC
	_ = src.SetExtension(13, []byte{0x01})                  // video orientation

	cases := []struct {
		name string
		sub  []webrtc.RTPHeaderExtensionParameter
		want map[uint8][]byte
	}{
		{"ids remapped, unnegotiated dropped", subExts, map[uint8][]byte{
			7: {0x85}, 9: {1, 2, 3, 4, 5, 6, 7, 8}, 4: {0x01}, 3: {0xab, 0xcd, 0xef}}},
		{"nothing negotiated", nil, map[uint8][]byte{}},
		{"two-byte ids", []webrtc.RTPHeaderExtensionParameter{{URI: sdp.AudioLevelURI, ID: 200}, {URI: AbsCaptureTimeURI, ID: 15}},
			map[uint8][]byte{200: {0x85}, 15: {1, 2, 3, 4, 5, 6, 7, 8}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sub := newExtIDs(tc.sub)
			var dst rtp.Header
			var v extValues
			readExtensions(&v, &src, &pub, []byte{0xab, 0xcd, 0xef})
			remapExtensions(&dst, &v, &sub, !sub.oneByte())
			ids := dst.GetExtensionIDs()
			if len(ids) != len(tc.want) {
				t.Fatalf("ids %v, want %d extensions", ids, len(tc.want))
			}
			for id, v := range tc.want {
				if got := dst.GetExtension(id); !bytes.Equal(got, v) {
					t.Errorf("extension %d = %v, want %v", id, got, v)
				}
			}
			if dst.Extension != (len(tc.want) > 0) {
				t.Errorf("Extension bit %v", dst.Extension)
			}
			// The header must marshal (one-byte form only when ids allow).
			if _, err := (&rtp.Packet{Header: dst, Payload: []byte{1}}).Marshal(); err != nil {
				t.Fatalf("marshal: %v", err)
			}
		})
	}
}

func TestAbsSendTime(t *testing.T) {
	var b [3]byte
	putAbsSendTime(&b, time.Unix(1000, 500_000_000))
	v := uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	want := uint32((1000<<18 | 1<<17) & 0xffffff)
	if v != want {
		t.Fatalf("abs-send-time %#x, want %#x", v, want)
	}
}
