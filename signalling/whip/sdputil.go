package whip

import (
	"fmt"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/ensemble-sfu/ensemble/sfu"
)

// offerUfrag is the ICE username fragment of an offer (session level, else its
// first section's).
func offerUfrag(offer string) string {
	for _, line := range strings.Split(offer, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "a=ice-ufrag:"); ok {
			return v
		}
	}
	return ""
}

// withCredentials is offer with new ICE credentials and without candidates:
// the offer an ICE restart would have made, WHIP sending only what changed.
func withCredentials(offer, ufrag, pwd string) string {
	var b strings.Builder
	for _, line := range strings.Split(offer, "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "a=ice-ufrag:"):
			line = "a=ice-ufrag:" + ufrag
		case strings.HasPrefix(line, "a=ice-pwd:"):
			line = "a=ice-pwd:" + pwd
		case strings.HasPrefix(line, "a=candidate:"), line == "a=end-of-candidates":
			continue
		}
		b.WriteString(line)
		b.WriteString("\r\n")
	}
	return b.String()
}

// answerFragment is the part of the server's answer a client needs after an ICE
// restart: its credentials and, under the first section (the one that carries
// the BUNDLE transport), its candidates.
func answerFragment(answer string) (*Fragment, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(answer); err != nil {
		return nil, fmt.Errorf("%w: the server's answer: %w", sfu.ErrInvalidSDP, err)
	}
	f := &Fragment{}
	f.Ufrag, _ = sd.Attribute("ice-ufrag")
	f.Pwd, _ = sd.Attribute("ice-pwd")
	if len(sd.MediaDescriptions) == 0 {
		return nil, fmt.Errorf("%w: %w", sfu.ErrInvalidSDP, errNoICE)
	}
	md := sd.MediaDescriptions[0]
	if f.Ufrag == "" {
		f.Ufrag, _ = md.Attribute("ice-ufrag")
		f.Pwd, _ = md.Attribute("ice-pwd")
	}
	if f.Ufrag == "" || f.Pwd == "" {
		return nil, fmt.Errorf("%w: %w", sfu.ErrInvalidSDP, errNoICE)
	}
	m := FragmentMedia{EndOfCandidates: true}
	m.MediaLine = strings.TrimPrefix(md.MediaName.String(), "m=")
	m.Mid, _ = md.Attribute("mid")
	for _, a := range md.Attributes {
		if a.Key == "candidate" {
			m.Candidates = append(m.Candidates, "candidate:"+a.Value)
		}
	}
	f.Media = []FragmentMedia{m}
	return f, nil
}
