package forward

import (
	"errors"
	"testing"
)

// ddWriter builds dependency descriptors bit by bit for tests.
type ddWriter struct {
	b   []byte
	pos int
}

func (w *ddWriter) put(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.pos%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.b[w.pos/8] |= 1 << (7 - uint(w.pos%8))
		}
		w.pos++
	}
}

// ddMandatory is a descriptor with the mandatory fields only.
func ddMandatory(start, end bool, templateID uint8, frame uint16) []byte {
	var w ddWriter
	w.put(b2u(start), 1)
	w.put(b2u(end), 1)
	w.put(uint32(templateID), 6)
	w.put(uint32(frame), 16)
	return w.b
}

// ddL1T3 is the descriptor of a key frame carrying an L1T3 template structure
// with template ids starting at offset: templates T0, T0, T1, T2 (the
// template_layers() part; the rest of the structure, which the forwarder does
// not read, is left as zero bits).
func ddL1T3(offset uint8, frame uint16) []byte {
	var w ddWriter
	w.put(1, 1) // start of frame
	w.put(1, 1) // end of frame
	w.put(uint32(offset), 6)
	w.put(uint32(frame), 16)
	w.put(1, 1) // template_dependency_structure_present_flag
	w.put(0, 4) // active decode targets, custom dtis/fdiffs/chains
	w.put(uint32(offset), 6)
	w.put(2, 5) // dt_cnt_minus_one: three decode targets
	for _, idc := range []uint32{0, 1, 1, 3} {
		w.put(idc, 2)
	}
	w.put(0, 16) // template_dtis() etc., not read
	return w.b
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func TestParseDependencyDescriptor(t *testing.T) {
	var s ddStructure
	d, err := parseDependencyDescriptor(ddL1T3(62, 1000), &s)
	if err != nil {
		t.Fatal(err)
	}
	if !d.StartOfFrame || !d.EndOfFrame || d.TemplateID != 62 || d.FrameNumber != 1000 || !d.HasStructure {
		t.Fatalf("mandatory fields %+v", d)
	}
	if s.count != 4 || s.maxTemporal != 2 || s.idOffset != 62 {
		t.Fatalf("structure %+v", s)
	}
	// Template ids wrap at 64: offset 62 numbers the templates 62, 63, 0, 1.
	for _, tt := range []struct {
		id       uint8
		tid      uint8
		ok       bool
		behavior string
	}{
		{62, 0, true, "first template (key frame) in T0"},
		{63, 0, true, "second template in T0"},
		{0, 1, true, "third template, after the wrap, in T1"},
		{1, 2, true, "fourth template in T2"},
		{2, 0, false, "id past the last template"},
		{61, 0, false, "id before the offset"},
	} {
		sid, tid, ok := s.layerOf(tt.id)
		if ok != tt.ok || (ok && (tid != tt.tid || sid != 0)) {
			t.Errorf("%s: template %d -> sid %d tid %d ok %v", tt.behavior, tt.id, sid, tid, ok)
		}
	}

	// A descriptor without structure keeps the last one.
	d, err = parseDependencyDescriptor(ddMandatory(true, false, 1, 1001), &s)
	if err != nil || d.HasStructure || d.TemplateID != 1 || !d.StartOfFrame || d.EndOfFrame || s.count != 4 {
		t.Fatalf("mandatory only: %+v %v, structure %+v", d, err, s)
	}
}

func TestParseDependencyDescriptorSpatialLayers(t *testing.T) {
	// L2T2: S0T0, S0T1, S1T0, S1T1.
	var w ddWriter
	w.put(0b11<<6, 8)
	w.put(7, 16)
	w.put(0b10000, 5)
	w.put(0, 6)
	w.put(3, 5)
	for _, idc := range []uint32{1, 2, 1, 3} {
		w.put(idc, 2)
	}
	var s ddStructure
	if _, err := parseDependencyDescriptor(w.b, &s); err != nil {
		t.Fatal(err)
	}
	want := [][2]uint8{{0, 0}, {0, 1}, {1, 0}, {1, 1}}
	for id, sw := range want {
		sid, tid, ok := s.layerOf(uint8(id))
		if !ok || sid != sw[0] || tid != sw[1] {
			t.Errorf("template %d: sid %d tid %d ok %v, want %v", id, sid, tid, ok, sw)
		}
	}
}

func TestParseDependencyDescriptorErrors(t *testing.T) {
	tests := []struct {
		name string
		ext  []byte
		err  error
	}{
		{"shorter than the mandatory fields", []byte{0x80, 0x00}, ErrDDTooShort},
		{"structure cut in template_layers", ddL1T3(0, 1)[:5], ErrDDTooShort},
		{"more than 64 templates", append([]byte{0x80, 0, 0, 0x80, 0}, make([]byte, 20)...), ErrDDTooManyTmpls},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ddStructure{valid: true, count: 1}
			_, err := parseDependencyDescriptor(tt.ext, &s)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if !s.valid || s.count != 1 {
				t.Fatalf("a bad structure replaced the previous one: %+v", s)
			}
		})
	}
}
