package cascade

import (
	"bytes"
	"testing"

	"github.com/pion/rtp"
)

// The audio level crosses under the near leg's id; the far leg's other
// extensions (transport ones, which the near leg writes anew) are dropped.
func TestExtensionRewriteKeepsTheAudioLevelOnly(t *testing.T) {
	m := extMap{{from: 1, to: 3}}
	h := rtp.Header{}
	if err := h.SetExtension(1, []byte{0x94}); err != nil { // voice, -20 dBov
		t.Fatal(err)
	}
	if err := h.SetExtension(5, []byte{0, 1}); err != nil { // transport-wide CC of the far leg
		t.Fatal(err)
	}
	m.rewrite(&h)
	if got := h.GetExtension(3); !bytes.Equal(got, []byte{0x94}) {
		t.Errorf("audio level under id 3: %x", got)
	}
	if h.GetExtension(1) != nil || h.GetExtension(5) != nil {
		t.Errorf("far-leg extensions left: %+v", h.Extensions)
	}

	var none extMap // nothing negotiated on a side: every extension is dropped
	h2 := rtp.Header{}
	_ = h2.SetExtension(1, []byte{0x94})
	none.rewrite(&h2)
	if h2.Extension || len(h2.Extensions) != 0 {
		t.Errorf("extensions left without a map: %+v", h2)
	}
}

// abs-capture-time crosses too (end-to-end delay across nodes), and the
// rewrite of a received packet allocates nothing.
func TestExtensionRewriteKeepsTheCaptureTimeWithoutAllocating(t *testing.T) {
	m := extMap{{from: 1, to: 3}, {from: 2, to: 4}}
	level, capture, twcc := []byte{0x94}, []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{0, 1}
	h := rtp.Header{Extensions: make([]rtp.Extension, 0, 4)}
	allocs := testing.AllocsPerRun(100, func() {
		h = rtp.Header{Extension: true, ExtensionProfile: rtp.ExtensionProfileOneByte, Extensions: h.Extensions[:0]}
		_ = h.SetExtension(1, level)
		_ = h.SetExtension(2, capture)
		_ = h.SetExtension(7, twcc)
		m.rewrite(&h)
	})
	if got := h.GetExtension(4); !bytes.Equal(got, capture) {
		t.Errorf("abs-capture-time under id 4: %x", got)
	}
	if got := h.GetExtension(3); !bytes.Equal(got, level) {
		t.Errorf("audio level under id 3: %x", got)
	}
	if h.GetExtension(7) != nil || len(h.Extensions) != 2 {
		t.Errorf("extensions after the rewrite: %+v", h.Extensions)
	}
	if allocs != 0 {
		t.Errorf("the rewrite allocates %.0f times per packet", allocs)
	}
}
