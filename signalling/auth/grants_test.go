package auth

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseGrantList(t *testing.T) {
	g, err := ParseGrantList(" join, publish,,room_admin ")
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Names(); !slices.Equal(got, []string{"join", "publish", "room_admin"}) {
		t.Fatalf("names = %v", got)
	}
	for _, name := range GrantNames {
		g, err := ParseGrantList(name)
		if err != nil || !g.Has(name) {
			t.Fatalf("ParseGrantList(%q) = %+v, %v", name, g, err)
		}
	}
	_, err = ParseGrantList("join,fly,publish,sources")
	if !errors.Is(err, ErrUnknownGrant) || !strings.Contains(err.Error(), `"fly"`) || !strings.Contains(err.Error(), `"sources"`) {
		t.Fatalf("unknown grants: %v", err)
	}
	if g, err := ParseGrantList(""); err != nil || len(g.Names()) != 0 {
		t.Fatalf("empty list = %+v, %v", g, err)
	}
}

func TestParseSourceList(t *testing.T) {
	s, err := ParseSourceList("camera, screen_share,camera")
	if err != nil || !slices.Equal(s, []string{"camera", "screen_share"}) {
		t.Fatalf("= %v, %v", s, err)
	}
	if _, err := ParseSourceList("camera,webcam"); !errors.Is(err, ErrUnknownSource) || !strings.Contains(err.Error(), `"webcam"`) {
		t.Fatalf("unknown source: %v", err)
	}
}

func TestParseKeyList(t *testing.T) {
	k, err := ParseKeyList("a:secret1, b:sec:ret2")
	if err != nil || k["a"] != "secret1" || k["b"] != "sec:ret2" || len(k) != 2 {
		t.Fatalf("= %v, %v", k, err)
	}
	for _, bad := range []string{"a", "a:", ":s", "a:1,a:2"} {
		if _, err := ParseKeyList(bad); err == nil {
			t.Errorf("ParseKeyList(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "1,a:2") {
			t.Errorf("error echoes secrets: %v", err)
		}
	}
}

func TestDefaultParticipantGrants(t *testing.T) {
	want := []string{"join", "publish", "subscribe", "publish_data", "update_metadata"}
	if got := DefaultParticipantGrants().Names(); !slices.Equal(got, want) {
		t.Fatalf("= %v, want %v", got, want)
	}
}
