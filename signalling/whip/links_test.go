package whip

import (
	"net/http"
	"slices"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// Each ICE server URL is one Link header (RFC 9725 §4.6); TURN credentials are
// quoted link parameters, quotes and backslashes escaped.
func TestICEServerLinks(t *testing.T) {
	h := http.Header{}
	addICEServerLinks(h, []protocol.ICEServer{
		{URLs: []string{"stun:stun.example.org:3478"}},
		{URLs: []string{"turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"}, Username: "u", Credential: `p"w\d`},
	})
	want := []string{
		`<stun:stun.example.org:3478>; rel="ice-server"`,
		`<turn:turn.example.org:3478?transport=udp>; rel="ice-server"; username="u"; credential="p\"w\\d"; credential-type="password"`,
		`<turns:turn.example.org:5349>; rel="ice-server"; username="u"; credential="p\"w\\d"; credential-type="password"`,
	}
	if got := h.Values("Link"); !slices.Equal(got, want) {
		t.Errorf("Link headers:\n%q\nwant\n%q", got, want)
	}
	h = http.Header{}
	addICEServerLinks(h, nil)
	if len(h) != 0 {
		t.Errorf("no ICE servers gave headers %v", h)
	}
}

// Offers name their simulcast layers in many ways; each maps to qualities.
func TestSimulcastLayersFromRIDs(t *testing.T) {
	tests := []struct {
		simulcast string
		want      []string // rid:quality
	}{
		{"send q;h;f", []string{"q:low", "h:medium", "f:high"}},
		{"send f;h;q", []string{"f:high", "h:medium", "q:low"}},
		{"send 2;1;0", []string{"2:high", "1:medium", "0:low"}},
		{"send a;b", []string{"a:high", "b:low"}},
		{"send hi,lo;~mid recv r", []string{"hi:high", "mid:low"}},
		{"recv r", nil},
	}
	for _, tc := range tests {
		sd, err := parseOffer("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=simulcast:" + tc.simulcast + "\r\n")
		if err != nil {
			t.Fatal(err)
		}
		layers, err := simulcastLayers(sd.MediaDescriptions[0])
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range layers {
			got = append(got, l.RID+":"+l.Quality.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("a=simulcast:%s → %v, want %v", tc.simulcast, got, tc.want)
		}
	}
	sd, _ := parseOffer("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=simulcast:send a;b;c;d\r\n")
	if _, err := simulcastLayers(sd.MediaDescriptions[0]); err == nil {
		t.Error("four layers accepted")
	}
}
