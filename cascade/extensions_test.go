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
