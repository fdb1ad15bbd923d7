package sfu

import (
	"net"
	"strings"

	"github.com/pion/ice/v4"
	"github.com/pion/sdp/v3"
)

// Fuzzed SDP and trickled candidates make the ICE agent send connectivity
// checks to the addresses they name. A fuzz run may only reach this machine,
// so inputs naming any other address (or a host name, or a candidate the
// filter cannot read) are skipped, not sent.

// loopbackCandidate reports whether a trickled candidate string is safe to
// hand to the agent: empty, or a candidate on a loopback IP literal.
func loopbackCandidate(s string) bool {
	s = strings.TrimPrefix(s, "candidate:")
	if strings.TrimSpace(s) == "" {
		return true
	}
	c, err := ice.UnmarshalCandidate(s)
	if err != nil {
		// Pion parses it the same way and refuses it: nothing is sent.
		return true
	}
	ip := net.ParseIP(c.Address())
	return ip != nil && ip.IsLoopback()
}

// loopbackSDP reports whether every candidate of an SDP is on loopback (an SDP
// that does not parse is refused before any candidate is used).
func loopbackSDP(s string) bool {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(s); err != nil {
		return true
	}
	attrs := d.Attributes
	for _, m := range d.MediaDescriptions {
		attrs = append(attrs, m.Attributes...)
	}
	for _, a := range attrs {
		if a.Key == "candidate" && (a.Value == "" || !loopbackCandidate(a.Value)) {
			return false
		}
	}
	return true
}
