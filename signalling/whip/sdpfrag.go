package whip

import (
	"fmt"
	"strconv"
	"strings"
)

// Fragment is a trickle-ICE SDP fragment (RFC 8840, media type
// application/trickle-ice-sdpfrag), the body of a WHIP/WHEP PATCH: the ICE
// credentials it is for and, per media section, the candidates it carries.
type Fragment struct {
	// Ufrag and Pwd are the client's ICE credentials, at session or media level
	// (a BUNDLE connection has one transport, so every level must agree). New
	// ones with If-Match are an ICE restart.
	Ufrag, Pwd string
	Media      []FragmentMedia
}

// FragmentMedia is one m= section of a fragment.
type FragmentMedia struct {
	// MediaLine is the m= line's value ("audio 9 UDP/TLS/RTP/SAVPF 111").
	MediaLine string
	Mid       string
	// Index is the section's position in the fragment (the m-line index when the
	// fragment has no a=mid).
	Index int
	// Candidates are the a=candidate values without the "a=" ("candidate:…").
	Candidates      []string
	EndOfCandidates bool
}

// maxFragmentLines bounds what a fragment may hold; a real one holds a few
// dozen candidates.
const maxFragmentLines = 1000

// ParseFragment parses an SDP fragment. It refuses what is not one, naming the
// line: a line that is not type=value, a type a fragment cannot hold, a
// candidate outside a media section, credentials that disagree.
func ParseFragment(body string) (*Fragment, error) {
	if strings.TrimSpace(body) == "" {
		return nil, fmt.Errorf("%w: empty", ErrBadFragment)
	}
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	if len(lines) > maxFragmentLines {
		return nil, fmt.Errorf("%w: %d lines (at most %d)", ErrBadFragment, len(lines), maxFragmentLines)
	}
	f := &Fragment{}
	var cur *FragmentMedia
	setCred := func(dst *string, name, v string, n int) error {
		if v == "" || strings.ContainsAny(v, " \t") {
			return fmt.Errorf("%w: line %d: a=%s needs one value", ErrBadFragment, n, name)
		}
		if *dst != "" && *dst != v {
			return fmt.Errorf("%w: line %d: a=%s %q differs from %q given before (one BUNDLE transport has one)", ErrBadFragment, n, name, v, *dst)
		}
		*dst = v
		return nil
	}
	for i, line := range lines {
		n := i + 1
		if line == "" {
			continue
		}
		if len(line) < 2 || line[1] != '=' {
			return nil, fmt.Errorf("%w: line %d is not type=value: %q", ErrBadFragment, n, clip(line))
		}
		typ, val := line[0], line[2:]
		switch typ {
		case 'm':
			if err := checkMediaLine(val); err != nil {
				return nil, fmt.Errorf("%w: line %d: %w", ErrBadFragment, n, err)
			}
			f.Media = append(f.Media, FragmentMedia{MediaLine: val, Index: len(f.Media)})
			cur = &f.Media[len(f.Media)-1]
		case 'a':
			name, v, _ := strings.Cut(val, ":")
			var err error
			switch name {
			case "ice-ufrag":
				err = setCred(&f.Ufrag, name, v, n)
			case "ice-pwd":
				err = setCred(&f.Pwd, name, v, n)
			case "mid":
				if cur == nil {
					return nil, fmt.Errorf("%w: line %d: a=mid outside a media section", ErrBadFragment, n)
				}
				if v == "" {
					return nil, fmt.Errorf("%w: line %d: a=mid needs a value", ErrBadFragment, n)
				}
				cur.Mid = v
			case "candidate":
				if cur == nil {
					return nil, fmt.Errorf("%w: line %d: a=candidate outside a media section (RFC 8840 puts candidates under an m= line)", ErrBadFragment, n)
				}
				if len(strings.Fields(v)) < 8 {
					return nil, fmt.Errorf("%w: line %d: a candidate has at least 8 fields: %q", ErrBadFragment, n, clip(v))
				}
				cur.Candidates = append(cur.Candidates, val)
			case "end-of-candidates":
				if cur != nil {
					cur.EndOfCandidates = true
				} else {
					for j := range f.Media {
						f.Media[j].EndOfCandidates = true
					}
				}
			}
			if err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%w: line %d: a fragment holds only a= and m= lines, not %q", ErrBadFragment, n, string(typ)+"=")
		}
	}
	return f, nil
}

// checkMediaLine checks "<media> <port> <proto> <fmt> ...".
func checkMediaLine(v string) error {
	fields := strings.Fields(v)
	if len(fields) < 4 {
		return fmt.Errorf("m= line needs media, port, protocol and a format: %q", clip(v))
	}
	if _, err := strconv.ParseUint(fields[1], 10, 16); err != nil {
		return fmt.Errorf("m= line port %q is not a number", clip(fields[1]))
	}
	return nil
}

// clip shortens input quoted in an error.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// String writes the fragment (CRLF line ends), as the server's answer to an ICE
// restart.
func (f *Fragment) String() string {
	var b strings.Builder
	if f.Ufrag != "" {
		fmt.Fprintf(&b, "a=ice-ufrag:%s\r\n", f.Ufrag)
	}
	if f.Pwd != "" {
		fmt.Fprintf(&b, "a=ice-pwd:%s\r\n", f.Pwd)
	}
	for _, m := range f.Media {
		line := m.MediaLine
		if line == "" {
			line = "audio 9 RTP/AVP 0" // RFC 8840's placeholder
		}
		fmt.Fprintf(&b, "m=%s\r\n", line)
		if m.Mid != "" {
			fmt.Fprintf(&b, "a=mid:%s\r\n", m.Mid)
		}
		for _, c := range m.Candidates {
			fmt.Fprintf(&b, "a=%s\r\n", c)
		}
		if m.EndOfCandidates {
			b.WriteString("a=end-of-candidates\r\n")
		}
	}
	return b.String()
}
