package rewrite

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseVP9(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    VP9Descriptor
		err     error
	}{
		{"non-flexible key frame with 15-bit picture ID, TL0PICIDX and SS",
			// I L B E V | M pid | TID0 U SID0 | TL0 | SS: N_S=0 Y=1 G=0, 640x360 | payload
			[]byte{0xae, 0x81, 0x02, 0x10, 0x07, 0x10, 0x02, 0x80, 0x01, 0x68, 0xaa},
			VP9Descriptor{HasPictureID: true, HasLayers: true, StartOfFrame: true, EndOfFrame: true, HasSS: true,
				PictureID: 0x102, WidePictureID: true, SwitchUp: true, HasTL0PICIDX: true, TL0PICIDX: 7,
				pidEnd: 3, Size: 10}, nil},
		{"non-flexible delta frame, 7-bit picture ID, TID 2",
			[]byte{0xec, 0x05, 0x40, 0x09, 0xbb},
			VP9Descriptor{HasPictureID: true, InterPredicted: true, HasLayers: true, StartOfFrame: true, EndOfFrame: true,
				PictureID: 5, TID: 2, HasTL0PICIDX: true, TL0PICIDX: 9, pidEnd: 2, Size: 4}, nil},
		{"flexible mode with two P_DIFFs, spatial layer 1",
			// I P L F B | pid | TID1 SID1 D | P_DIFF 1 (N) | P_DIFF 2
			[]byte{0xf8, 0x85, 0x00, 0x23, 0x03, 0x04, 0xcc},
			VP9Descriptor{HasPictureID: true, InterPredicted: true, HasLayers: true, Flexible: true, StartOfFrame: true,
				PictureID: 0x500, WidePictureID: true, TID: 1, SID: 1, InterLayerDep: true, NumRefs: 2, pidEnd: 3, Size: 6}, nil},
		{"no optional fields", []byte{0x0c, 0x01},
			VP9Descriptor{StartOfFrame: true, EndOfFrame: true, pidEnd: 1, Size: 1}, nil},
		{"four P_DIFFs", []byte{0x50, 0x03, 0x03, 0x03, 0x03}, VP9Descriptor{}, ErrVP9Malformed},
		{"truncated picture ID", []byte{0x80, 0x81}, VP9Descriptor{}, ErrVP9TooShort},
		{"truncated TL0PICIDX", []byte{0x28, 0x00}, VP9Descriptor{}, ErrVP9TooShort},
		{"truncated SS", []byte{0x0a, 0x10, 0x02}, VP9Descriptor{}, ErrVP9TooShort},
		{"empty", nil, VP9Descriptor{}, ErrVP9TooShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseVP9(tt.payload)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if err == nil && got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestWriteVP9WidensPictureIDAndRewritesTL0PICIDX(t *testing.T) {
	src := []byte{0xec, 0x05, 0x40, 0x09, 0xbb, 0xcc}
	d, err := ParseVP9(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 32)
	n, err := WriteVP9(dst, src, &d, 0x1234, 42)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0xec, 0x80 | 0x12, 0x34, 0x40, 42, 0xbb, 0xcc}
	if !bytes.Equal(dst[:n], want) {
		t.Fatalf("got % x, want % x", dst[:n], want)
	}
	back, err := ParseVP9(dst[:n])
	if err != nil || back.PictureID != 0x1234 || back.TL0PICIDX != 42 || back.TID != 2 {
		t.Fatalf("reparsed %+v, %v", back, err)
	}
	if _, err := WriteVP9(dst[:4], src, &d, 1, 1); !errors.Is(err, ErrBufferTooSmall) {
		t.Fatalf("small buffer: %v", err)
	}
}

// Within a run the picture ID differences of the source are kept (they are
// VP9's references), gaps included; a new run continues from the last ID sent.
func TestVP9KeepsPictureIDDifferences(t *testing.T) {
	var v VP9
	var out []uint16
	for _, src := range []uint16{0x7ffa, 0x7ffc, 0x7ffe, 0x0000, 0x0002} { // every other picture
		pic, _ := v.Rewrite(&VP9Descriptor{HasPictureID: true, WidePictureID: true, PictureID: src})
		out = append(out, pic)
	}
	for i := 1; i < len(out); i++ {
		if out[i] != (out[i-1]+2)&0x7fff {
			t.Fatalf("picture IDs %v: differences not kept", out)
		}
	}
	v.Rebase()
	pic, _ := v.Rewrite(&VP9Descriptor{HasPictureID: true, PictureID: 9}) // 7-bit source after the switch
	if pic != out[len(out)-1]+1 {
		t.Fatalf("new run starts at %d after %d", pic, out[len(out)-1])
	}
}

func BenchmarkParseVP9(b *testing.B) {
	p := []byte{0xae, 0x81, 0x02, 0x10, 0x07, 0x10, 0x02, 0x80, 0x01, 0x68, 0xaa}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseVP9(p); err != nil {
			b.Fatal(err)
		}
	}
}
