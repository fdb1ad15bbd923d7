package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// `ensemble serve` takes WHIP at /whip/ and WHEP at /whep/ (the media tests are
// in signalling/whip and internal/conformance): a request reaches the handler,
// which checks the token and the body as RFC 9725 says.
func TestServeMountsWHIPAndWHEP(t *testing.T) {
	base, stop := startServe(t, freePort(t), "--dev", "--data-dir", t.TempDir())
	defer stop()
	tok, err := auth.Sign(auth.DevAPIKey, auth.DevAPISecret, auth.TokenParams{Identity: "obs", Room: "studio",
		Kind: vocab.ParticipantIngress, Grants: auth.Grants{Join: true, Publish: true}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, token, ctype string
		status             int
	}{
		{"/whip/studio", "", "application/sdp", http.StatusUnauthorized},
		{"/whip/studio", tok, "text/plain", http.StatusUnsupportedMediaType},
		{"/whep/studio/obs", tok, "application/sdp", http.StatusForbidden}, // an ingress token may not subscribe
	} {
		req, _ := http.NewRequest("POST", base+tc.path, strings.NewReader("v=0"))
		req.Header.Set("Content-Type", tc.ctype)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("POST %s: %s (%s), want %d with a problem document", tc.path, resp.Status, resp.Header.Get("Content-Type"), tc.status)
		}
	}
}
