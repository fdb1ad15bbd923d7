package vocab

import "testing"

func TestLayerTrackIDRoundTrips(t *testing.T) {
	for _, q := range Qualities() {
		sid, got, ok := ParseLayerTrackID(LayerTrackID("TR_abc", q))
		if !ok || sid != "TR_abc" || got != q {
			t.Errorf("%v: got %q %v %v", q, sid, got, ok)
		}
	}
	for _, id := range []string{"TR_abc", "TR_abc~", "~low", "TR_abc~huge"} {
		if sid, _, ok := ParseLayerTrackID(id); ok || sid != id {
			t.Errorf("%q parsed as a layer track id (%q)", id, sid)
		}
	}
}
