package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReadDialState feeds any bytes as a bridge's dial response (JSON lines)
// to what the server reads of it: each line is a call with an id and a known
// state, a line it refuses (errBadDialState), or the end of the response;
// nothing else, and never more than maxDialStateLine bytes in one state.
func FuzzReadDialState(f *testing.F) {
	for _, seed := range []string{
		`{"id":"3546b09cb2872c6e","room":"board","uri":"sip:phone@127.0.0.1:5070","name":"Desk phone","state":"dialing"}` + "\n" +
			`{"id":"3546b09cb2872c6e","room":"board","uri":"sip:phone@127.0.0.1:5070","name":"Desk phone","state":"answered"}` + "\n",
		`{"id":"x","room":"r","state":"busy","sip_status":486}` + "\n",
		`{"id":"x","state":"on hold"}` + "\n",
		`{"state":"ended"}` + "\n",
		`{"id":"x","state":"ended"}`, // no newline: the response was cut
		"not json\n",
		`{"id":"` + strings.Repeat("a", 5000) + `","state":"ended"}` + "\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newDialStateReader(bytes.NewReader(data))
		for range 100 {
			c, err := readDialState(r)
			switch {
			case errors.Is(err, errBadDialState):
				return // the server takes the call as failed or ended
			case errors.Is(err, io.EOF):
				return
			case err != nil:
				t.Fatalf("error %v is neither a refusal nor the end", err)
			}
			if c.ID == "" || !utf8.ValidString(c.State) || len(c.ID)+len(c.Room)+len(c.URI)+len(c.Name) > maxDialStateLine {
				t.Fatalf("accepted %+v", c)
			}
		}
	})
}
