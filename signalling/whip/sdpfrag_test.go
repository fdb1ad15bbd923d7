package whip

import (
	"errors"
	"strings"
	"testing"
)

// RFC 8840's example fragment, and what a WHIP client sends for an ICE restart.
const exampleFragment = "a=ice-options:trickle ice2\r\n" +
	"a=group:BUNDLE 0 1\r\n" +
	"m=audio 9 RTP/AVP 0\r\n" +
	"a=ice-ufrag:EsAw\r\n" +
	"a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n" +
	"a=mid:0\r\n" +
	"a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r\n" +
	"a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host generation 0 ufrag EsAw network-id 2\r\n" +
	"a=end-of-candidates\r\n"

func TestParseFragment(t *testing.T) {
	f, err := ParseFragment(exampleFragment)
	if err != nil {
		t.Fatal(err)
	}
	if f.Ufrag != "EsAw" || f.Pwd != "P2uYro0UCOQ4zxjKXaWCBui1" || len(f.Media) != 1 {
		t.Fatalf("parsed %+v", f)
	}
	m := f.Media[0]
	if m.Mid != "0" || len(m.Candidates) != 2 || !m.EndOfCandidates || m.MediaLine != "audio 9 RTP/AVP 0" {
		t.Fatalf("media %+v", m)
	}
	if !strings.HasPrefix(m.Candidates[0], "candidate:1387637174 1 udp") {
		t.Errorf("candidate %q", m.Candidates[0])
	}
	// What String writes parses back to the same fragment.
	again, err := ParseFragment(f.String())
	if err != nil || again.String() != f.String() {
		t.Errorf("round trip: %v\n%s\n%s", err, f, again)
	}
	// LF line ends and credentials only (an ICE restart without candidates yet).
	f, err = ParseFragment("a=ice-ufrag:x1\na=ice-pwd:y2\n")
	if err != nil || f.Ufrag != "x1" || f.Pwd != "y2" || len(f.Media) != 0 {
		t.Errorf("credentials only: %+v, %v", f, err)
	}
}

func TestParseFragmentRefusesWhatIsNotOne(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"empty", " \r\n", "empty"},
		{"not type=value", "hello\r\n", "line 1 is not type=value"},
		{"a type a fragment cannot hold", "v=0\r\n", "only a= and m= lines"},
		{"candidate before any m= line", "a=candidate:1 1 udp 1 192.0.2.1 9 typ host\r\n", "outside a media section"},
		{"short candidate", "m=audio 9 RTP/AVP 0\r\na=candidate:1 1 udp\r\n", "at least 8 fields"},
		{"short m= line", "m=audio 9\r\n", "needs media, port"},
		{"m= port not a number", "m=audio x RTP/AVP 0\r\n", "port"},
		{"two ufrags", "a=ice-ufrag:a\r\nm=audio 9 RTP/AVP 0\r\na=ice-ufrag:b\r\n", "differs"},
		{"empty pwd", "a=ice-pwd:\r\n", "needs one value"},
		{"mid outside media", "a=mid:0\r\n", "outside a media section"},
		{"too many lines", strings.Repeat("a=x\n", maxFragmentLines+1), "lines (at most"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFragment(tc.body)
			if !errors.Is(err, ErrBadFragment) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseFragment: %v, want ErrBadFragment saying %q", err, tc.want)
			}
		})
	}
}

// The parser of PATCH bodies never panics, refuses with ErrBadFragment only,
// and what it accepts survives String and a second parse.
func FuzzParseFragment(f *testing.F) {
	f.Add(exampleFragment)
	f.Add("a=ice-ufrag:x1\na=ice-pwd:y2\n")
	f.Add("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=end-of-candidates\r\n")
	f.Fuzz(func(t *testing.T, body string) {
		frag, err := ParseFragment(body)
		if err != nil {
			if !errors.Is(err, ErrBadFragment) {
				t.Fatalf("error not ErrBadFragment: %v", err)
			}
			return
		}
		again, err := ParseFragment(frag.String())
		if err != nil && frag.String() != "" {
			t.Fatalf("String of an accepted fragment does not parse: %v\n%q", err, frag.String())
		}
		if err == nil && (again.Ufrag != frag.Ufrag || again.Pwd != frag.Pwd || len(again.Media) != len(frag.Media)) {
			t.Fatalf("round trip changed the fragment: %+v → %+v", frag, again)
		}
	})
}
