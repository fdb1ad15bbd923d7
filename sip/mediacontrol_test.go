package sip

import (
	"strings"
	"testing"
)

// A room system's full-frame request (RFC 5168) is read from its XML; other
// media_control messages ask nothing; what is not that XML is an error.
func TestAsksFastUpdate(t *testing.T) {
	for name, tc := range map[string]struct {
		body    string
		asks    bool
		refused bool
	}{
		"ours":                {fastUpdateBody, true, false},
		"no declaration":      {"<media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>", true, false},
		"spaces and newlines": {"<media_control>\r\n <vc_primitive>\r\n  <to_encoder>\r\n   <picture_fast_update></picture_fast_update>\r\n  </to_encoder>\r\n </vc_primitive>\r\n</media_control>\r\n", true, false},
		"second primitive":    {"<media_control><vc_primitive><stream_id>1</stream_id></vc_primitive><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>", true, false},
		"general error":       {"<media_control><general_error>x</general_error></media_control>", false, false},
		"empty primitive":     {"<media_control><vc_primitive/></media_control>", false, false},
		"other root":          {"<other><picture_fast_update/></other>", false, true},
		"not XML":             {"picture_fast_update", false, true},
		"unclosed":            {"<media_control><vc_primitive>", false, true},
		"trailing element":    {"<media_control/><media_control/>", false, true},
		"empty":               {"", false, true},
		"too large":           {"<media_control>" + strings.Repeat(" ", maxMediaControl) + "</media_control>", false, true},
	} {
		asks, err := asksFastUpdate([]byte(tc.body))
		if (err != nil) != tc.refused || asks != tc.asks {
			t.Errorf("%s: asks %v, err %v; want asks %v, refused %v", name, asks, err, tc.asks, tc.refused)
		}
	}
}

// FuzzMediaControl feeds any body to the reader of SIP INFO media_control:
// it never panics, and a body it accepts is bounded.
func FuzzMediaControl(f *testing.F) {
	f.Add([]byte(fastUpdateBody))
	f.Add([]byte("<media_control><vc_primitive><stream_id>1</stream_id></vc_primitive></media_control>"))
	f.Add([]byte("<media_control><general_error>x</general_error></media_control>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		asks, err := asksFastUpdate(body)
		if err != nil && asks {
			t.Fatalf("refused (%v) yet asking", err)
		}
		if err == nil && len(body) > maxMediaControl {
			t.Fatalf("accepted a body of %d bytes", len(body))
		}
	})
}
