package vocab

import "testing"

func TestMediaPathOf(t *testing.T) {
	for _, tc := range []struct {
		typ, proto, relay string
		want              MediaPath
	}{
		{"host", "udp", "", MediaPathUDP},
		{"srflx", "udp", "", MediaPathUDP},
		{"host", "tcp", "", MediaPathTCP},
		{"relay", "udp", "tls", MediaPathTURNTLS},
		{"relay", "udp", "tcp", MediaPathTURNTCP},
		{"relay", "udp", "udp", MediaPathTURNUDP},
		{"prflx", "", "", MediaPathUnknown},
	} {
		if got := MediaPathOf(tc.typ, tc.proto, tc.relay); got != tc.want {
			t.Errorf("MediaPathOf(%q, %q, %q) = %q, want %q", tc.typ, tc.proto, tc.relay, got, tc.want)
		}
	}
}
