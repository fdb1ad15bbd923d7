package whip_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Each bad request is refused with the status RFC 9725 (or HTTP) names for it, a
// problem document and a code that says which fault it was.
func TestBadRequestsAreRefusedPrecisely(t *testing.T) {
	srv := start(t)
	ingress := ingressToken(srv, "studio", "obs")
	// A session to PATCH: an offer is answered whether or not ICE ever connects.
	enc := newPeer(t)
	if _, err := enc.pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	validOffer := enc.offer()
	enc.postOffer(srv.URL+"/whip/studio", ingress, validOffer)
	recvOnly := newPeer(t)
	recvOnly.receive(webrtc.RTPCodecTypeVideo)
	recvOffer := recvOnly.offer()
	other := srv.TokenWith(auth.TokenParams{Identity: "other", Room: "studio", Kind: vocab.ParticipantIngress,
		Grants: auth.Grants{Join: true, Publish: true}, TTL: time.Hour})
	newCreds := "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"

	tests := []struct {
		name, method, url, token, ctype, body string
		header                                []string
		status                                int
		code                                  string
	}{
		{"no token", "POST", "/whip/studio", "", "application/sdp", validOffer, nil, 401, auth.CodeMissingToken},
		{"garbage token", "POST", "/whip/studio", "not.a.jwt", "application/sdp", validOffer, nil, 401, auth.CodeMalformedToken},
		{"token for another room", "POST", "/whip/elsewhere", ingress, "application/sdp", validOffer, nil, 403, auth.CodeWrongRoom},
		{"a standard token publishes nothing by WHIP", "POST", "/whip/studio", srv.Token("studio", "ada"), "application/sdp", validOffer, nil, 403, "wrong_kind"},
		{"wrong content type", "POST", "/whip/studio", ingress, "application/json", validOffer, nil, 415, "unsupported_media_type"},
		{"no content type", "POST", "/whip/studio", ingress, "", validOffer, nil, 415, "unsupported_media_type"},
		{"empty body", "POST", "/whip/studio", ingress, "application/sdp", "", nil, 400, "bad_request"},
		{"not SDP", "POST", "/whip/studio", ingress, "application/sdp", "hello", nil, 400, "invalid_sdp"},
		{"an offer that sends nothing", "POST", "/whip/studio", ingress, "application/sdp", recvOffer, nil, 400, "invalid_sdp"},
		{"too large", "POST", "/whip/studio", ingress, "application/sdp", strings.Repeat("a=x\r\n", 20000), nil, 413, "body_too_large"},
		{"WHEP without the subscribe grant", "POST", "/whep/studio/obs", srv.Token("studio", "v", "join"), "application/sdp", recvOffer, nil, 403, auth.CodeMissingGrant},
		{"WHEP of nobody", "POST", "/whep/studio/nobody", srv.Token("studio", "v"), "application/sdp", recvOffer, nil, 404, "not_found"},
		{"WHEP offer that receives nothing", "POST", "/whep/studio/obs", srv.Token("studio", "v"), "application/sdp", validOffer, nil, 400, "invalid_sdp"},
		{"PATCH of no session", "PATCH", "/whip/studio/0123", ingress, "application/trickle-ice-sdpfrag", newCreds, nil, 404, "not_found"},
		{"PATCH with another's token", "PATCH", "SESSION", other, "application/trickle-ice-sdpfrag", newCreds, nil, 403, "not_your_session"},
		{"PATCH with SDP", "PATCH", "SESSION", ingress, "application/sdp", newCreds, nil, 415, "unsupported_media_type"},
		{"PATCH with a garbage fragment", "PATCH", "SESSION", ingress, "application/trickle-ice-sdpfrag", "hello\r\n", nil, 400, "bad_request"},
		{"PATCH with a garbage candidate", "PATCH", "SESSION", ingress, "application/trickle-ice-sdpfrag", "m=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1 1 udp 1 999.1.1.1 x typ host\r\n", nil, 400, "bad_request"},
		{"ICE restart without If-Match", "PATCH", "SESSION", ingress, "application/trickle-ice-sdpfrag", newCreds, nil, 428, "precondition_required"},
		{"stale ETag", "PATCH", "SESSION", ingress, "application/trickle-ice-sdpfrag", newCreds, []string{"If-Match", `"stale"`}, 412, "precondition_failed"},
		{"a ufrag not the session's without a password", "PATCH", "SESSION", ingress, "application/trickle-ice-sdpfrag", "a=ice-ufrag:zzzz\r\n", nil, 422, "stale_ice_credentials"},
		{"DELETE with another's token", "DELETE", "SESSION", other, "", "", nil, 403, "not_your_session"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := srv.URL + tc.url
			if tc.url == "SESSION" {
				url = enc.location
			}
			resp, body := request(t, tc.method, url, tc.token, tc.ctype, tc.body, tc.header...)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s: %s %s, want %d", tc.name, resp.Status, body, tc.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q, want application/problem+json", ct)
			}
			var p struct {
				Code, Detail string
				Status       int
			}
			if err := json.Unmarshal([]byte(body), &p); err != nil || p.Code != tc.code || p.Status != tc.status || p.Detail == "" {
				t.Errorf("problem %s (%v), want code %s", body, err, tc.code)
			}
			if tc.status == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: Bearer")
			}
		})
	}
	// The refused PATCHes left the session as it was: it still ends with DELETE.
	if resp, _ := request(t, "DELETE", enc.location, ingress, "", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("DELETE after the refusals: %s", resp.Status)
	}
}

// OPTIONS says what an endpoint takes; a method it does not serve is 405.
func TestOptionsAndMethods(t *testing.T) {
	srv := start(t)
	resp, _ := request(t, "OPTIONS", srv.URL+"/whip/studio", "", "", "")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Accept-Post") != "application/sdp" {
		t.Errorf("OPTIONS: %s, Accept-Post %q", resp.Status, resp.Header.Get("Accept-Post"))
	}
	resp, _ = request(t, "GET", srv.URL+"/whip/studio", "", "", "")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %s, want 405", resp.Status)
	}
}

// WHIP is admitted as /rtc is: a full room refuses the encoder (403 room_full),
// a draining server refuses it (503 server_draining, Retry-After).
func TestWHIPAdmission(t *testing.T) {
	srv := start(t, servertest.WithMaxParticipants(1))
	enc := newPeer(t)
	if _, err := enc.pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer := enc.offer()
	first := newPeer(t)
	if _, err := first.pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	first.post(srv.URL+"/whip/small", ingressToken(srv, "small", "first"))
	resp, body := request(t, "POST", srv.URL+"/whip/small", ingressToken(srv, "small", "second"), "application/sdp", offer)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"room_full"`) {
		t.Errorf("POST to a full room: %s %s, want 403 room_full", resp.Status, body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a drain that does not wait for rooms to empty
	_ = srv.Signalling.Drain(ctx)
	resp, body = request(t, "POST", srv.URL+"/whip/other", ingressToken(srv, "other", "third"), "application/sdp", offer)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"server_draining"`) || resp.Header.Get("Retry-After") == "" {
		t.Errorf("POST while draining: %s %s, want 503 server_draining with Retry-After", resp.Status, body)
	}
}
