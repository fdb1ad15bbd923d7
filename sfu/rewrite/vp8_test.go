package rewrite

import (
	"bytes"
	"testing"
)

// vp8Payload builds a VP8 payload: descriptor with the given fields, then a
// VP8 payload header byte (P bit clear for key frames) and some data.
func vp8Payload(pic int, wide bool, tl0 int, tid int, start bool, key bool) []byte {
	b := []byte{0x80} // X
	if start {
		b[0] |= 0x10
	}
	x := byte(0)
	var ext []byte
	if pic >= 0 {
		x |= 0x80
		if wide {
			ext = append(ext, 0x80|byte(pic>>8), byte(pic))
		} else {
			ext = append(ext, byte(pic&0x7f))
		}
	}
	if tl0 >= 0 {
		x |= 0x40
		ext = append(ext, byte(tl0))
	}
	if tid >= 0 {
		x |= 0x20
		ext = append(ext, byte(tid)<<6)
	}
	b = append(b, x)
	b = append(b, ext...)
	hdr := byte(0x01) // P=1: interframe
	if key {
		hdr = 0x00
	}
	return append(b, hdr, 0xaa, 0xbb, 0xcc)
}

func TestParseVP8(t *testing.T) {
	cases := []struct {
		name    string
		payload []byte
		want    VP8Descriptor
	}{
		{"minimal", []byte{0x10, 0x00}, VP8Descriptor{StartOfPart: true, Size: 1, Keyframe: true, HasFrameHeader: true}},
		{"15-bit picture id, key frame", vp8Payload(0x1234, true, 7, 1, true, true), VP8Descriptor{
			StartOfPart: true, HasPictureID: true, PictureID: 0x1234, WidePictureID: true,
			HasTL0PICIDX: true, TL0PICIDX: 7, HasTID: true, TID: 1, Size: 6, Keyframe: true, HasFrameHeader: true}},
		{"7-bit picture id, delta frame", vp8Payload(100, false, -1, -1, true, false), VP8Descriptor{
			StartOfPart: true, HasPictureID: true, PictureID: 100, Size: 3, HasFrameHeader: true}},
		{"continuation packet", vp8Payload(5, true, -1, -1, false, true), VP8Descriptor{
			HasPictureID: true, PictureID: 5, WidePictureID: true, Size: 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseVP8(tc.payload)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseVP8Truncated(t *testing.T) {
	full := vp8Payload(0x1234, true, 7, 1, true, true)
	for n := 0; n < 6; n++ {
		if _, err := ParseVP8(full[:n]); err == nil {
			t.Errorf("ParseVP8 of %d bytes: no error", n)
		}
	}
}

func TestWriteVP8WidensSevenBitPictureID(t *testing.T) {
	src := vp8Payload(100, false, 9, 2, true, true)
	d, _ := ParseVP8(src)
	dst := make([]byte, 64)
	n, err := WriteVP8(dst, src, &d, 0x4321, 200)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ParseVP8(dst[:n])
	if err != nil {
		t.Fatal(err)
	}
	if !out.WidePictureID || out.PictureID != 0x4321 || out.TL0PICIDX != 200 || out.TID != 2 || !out.Keyframe {
		t.Fatalf("rewritten descriptor %+v", out)
	}
	if !bytes.Equal(dst[out.Size:n], src[d.Size:]) {
		t.Fatal("payload after the descriptor changed")
	}
}

func TestWriteVP8BufferTooSmall(t *testing.T) {
	src := vp8Payload(100, true, 9, 2, true, true)
	d, _ := ParseVP8(src)
	if _, err := WriteVP8(make([]byte, 4), src, &d, 1, 1); err == nil {
		t.Fatal("no error for a short destination")
	}
}

// frames returns the descriptors of count frames (two packets each) of a
// source starting at picture ID pic and TL0PICIDX tl0.
func frames(pic int, wide bool, tl0 int, count int) []VP8Descriptor {
	var out []VP8Descriptor
	mod := 128
	if wide {
		mod = 1 << 15
	}
	for i := 0; i < count; i++ {
		p := (pic + i) % mod
		t := (tl0 + i) % 256
		for _, start := range []bool{true, false} {
			d, _ := ParseVP8(vp8Payload(p, wide, t, 0, start, i == 0))
			out = append(out, d)
		}
	}
	return out
}

// checkContinuous feeds descriptors and checks that output picture IDs (15
// bit) and TL0PICIDX advance by one per frame.
func checkContinuous(t *testing.T, v *VP8, ds []VP8Descriptor, lastPic *int, lastTL0 *int) {
	t.Helper()
	for _, d := range ds {
		pic, tl0 := v.Rewrite(&d)
		if d.StartOfPart {
			if *lastPic >= 0 && int(pic) != (*lastPic+1)%(1<<15) {
				t.Fatalf("picture id %d after %d", pic, *lastPic)
			}
			if *lastTL0 >= 0 && int(tl0) != (*lastTL0+1)%256 {
				t.Fatalf("tl0picidx %d after %d", tl0, *lastTL0)
			}
		} else if int(pic) != *lastPic || int(tl0) != *lastTL0 {
			t.Fatalf("picture id changed within a frame: %d/%d after %d/%d", pic, tl0, *lastPic, *lastTL0)
		}
		*lastPic, *lastTL0 = int(pic), int(tl0)
	}
}

func TestVP8ContinuityAcrossSwitches(t *testing.T) {
	cases := []struct {
		name   string
		first  []VP8Descriptor
		second []VP8Descriptor
	}{
		{"15-bit to 15-bit", frames(32700, true, 250, 100), frames(5, true, 3, 100)},
		{"7-bit source wraps at 127", frames(100, false, 0, 300), frames(10, false, 90, 50)},
		{"7-bit to 15-bit", frames(120, false, 255, 20), frames(30000, true, 0, 20)},
		{"15-bit to 7-bit", frames(32760, true, 1, 20), frames(0, false, 0, 20)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v VP8
			lastPic, lastTL0 := -1, -1
			checkContinuous(t, &v, tc.first, &lastPic, &lastTL0)
			v.Rebase()
			checkContinuous(t, &v, tc.second, &lastPic, &lastTL0)
		})
	}
}

func TestVP8OutOfOrderPacketKeepsItsFrameID(t *testing.T) {
	var v VP8
	ds := frames(10, true, 0, 3)
	p0, _ := v.Rewrite(&ds[0])
	v.Rewrite(&ds[2]) // frame 11
	late := ds[1]     // a packet of frame 10 arriving late
	if p, _ := v.Rewrite(&late); p != p0 {
		t.Fatalf("late packet got picture id %d, want %d", p, p0)
	}
}

func TestVP8DropClosesPictureIDGap(t *testing.T) {
	var v VP8
	d := VP8Descriptor{HasPictureID: true, WidePictureID: true, PictureID: 10}
	if p, _ := v.Rewrite(&d); p != 10 {
		t.Fatalf("first picture %d", p)
	}
	d.PictureID = 11
	v.Drop(&d)
	v.Drop(&d) // second packet of the dropped frame
	d.PictureID = 12
	if p, _ := v.Rewrite(&d); p != 11 {
		t.Fatalf("picture after a dropped one = %d, want 11", p)
	}
}
