package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

// video_codecs names the video codecs a client decodes: a codec the server does
// not know is refused before the join, with a message that names it; a good
// list joins.
func TestVideoCodecsParameterIsChecked(t *testing.T) {
	srv := servertest.Start(t)
	req, err := http.NewRequest(http.MethodGet, "http"+srv.RTCURL(srv.Token("team", "bob"), "video_codecs=video/H264,h263")[len("ws"):], nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body errorBody
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	const want = `video_codecs[1] "h263" is not one of video/VP8, video/H264, video/VP9, video/AV1`
	if resp.StatusCode != http.StatusBadRequest || err != nil || body.Code != protocol.CodeBadRequest || body.Message != want {
		t.Fatalf("%d %+v (%v), want 400 %s %q", resp.StatusCode, body, err, protocol.CodeBadRequest, want)
	}
	if room, ok := srv.Engine.Room("team"); ok && len(room.Participants()) != 0 {
		t.Fatal("the refused request joined")
	}
	connect(t, srv.RTCURL(srv.Token("team", "bob"), "video_codecs=video/H264"), protocol.TypeJoin)
}
