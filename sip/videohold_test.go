package sip_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// A phone holds the video with a re-INVITE (a=inactive on the video line,
// the audio going on): the bridge answers inactive and stops sending the
// room's camera; a second re-INVITE (a=sendrecv) resumes it.
func TestReinviteHoldsAndResumesTheVideo(t *testing.T) {
	e := newEnv(t, nil)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	e.joinWithCamera(t, ctx, room, "bob", patternCamera, nil)

	video, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = video.Close() })
	videoLine := func(dir string) string {
		return fmt.Sprintf("m=video %d RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\na=fmtp:97 packetization-mode=1;profile-level-id=42e01f\r\n"+
			"a=rtcp-mux\r\na=rtcp-fb:97 nack pli\r\na=%s\r\n", video.LocalAddr().(*net.UDPAddr).Port, dir)
	}
	ua := dialGoUAWith(t, ctx, fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port()), videoLine("sendrecv"))

	waitVideo := func(what string) {
		t.Helper()
		if !videoArrives(t, video, 10*time.Second) {
			t.Fatalf("no video from the bridge %s", what)
		}
	}
	waitVideo("once the call is answered")

	answer := ua.reinvite(t, ctx, videoLine("inactive"))
	if !strings.Contains(answer, "a=inactive") {
		t.Fatalf("the bridge's answer to the hold does not hold the video:\n%s", answer)
	}
	// Packets already on their way may still come; then the stream stops:
	// a second without video, within five.
	deadline := time.Now().Add(5 * time.Second)
	for videoArrives(t, video, time.Second) {
		if time.Now().After(deadline) {
			t.Fatal("the bridge goes on sending video to a phone that holds it")
		}
	}

	answer = ua.reinvite(t, ctx, videoLine("sendrecv"))
	if !strings.Contains(answer, "a=sendrecv") {
		t.Fatalf("the bridge's answer to the resume:\n%s", answer)
	}
	waitVideo("after the resume")
}

// videoArrives reports whether an RTP packet (not RTCP) comes on c within d.
func videoArrives(t *testing.T, c *net.UDPConn, d time.Duration) bool {
	t.Helper()
	buf := make([]byte, 1500)
	until := time.Now().Add(d)
	for {
		_ = c.SetReadDeadline(until)
		n, err := c.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return false
		}
		if err != nil {
			t.Fatalf("reading video: %v", err)
		}
		if n >= 12 && (buf[1] < 192 || buf[1] > 223) {
			return true
		}
	}
}

// reinvite sends a re-INVITE with the call's audio line and more media,
// acknowledges the 200 and returns the bridge's answer.
func (u *goUA) reinvite(t *testing.T, ctx context.Context, moreMedia string) string {
	t.Helper()
	u.version++
	port := u.rtp.LocalAddr().(*net.UDPAddr).Port
	offer := fmt.Sprintf("v=0\r\no=- 1 %d IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n", u.version, port) + moreMedia
	req := sip.NewRequest(sip.INVITE, u.sess.InviteResponse.Contact().Address)
	req.SetBody([]byte(offer))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	res, err := u.sess.Do(ctx, req)
	if err != nil {
		t.Fatalf("re-INVITE: %v", err)
	}
	if res.StatusCode != sip.StatusOK {
		t.Fatalf("re-INVITE answered %d %s", res.StatusCode, res.Reason)
	}
	ack := sip.NewRequest(sip.ACK, u.sess.InviteResponse.Contact().Address)
	if err := u.sess.WriteRequest(ack); err != nil {
		t.Fatalf("ACK of the re-INVITE: %v", err)
	}
	return string(res.Body())
}

// A room system that asks for a full frame in SIP INFO (RFC 5168
// picture_fast_update) instead of RTCP PLI gets one: the room camera it is
// shown is asked for a key frame. A media_control body that is not that XML
// is refused with 400, and the call goes on.
func TestInfoPictureFastUpdateAsksTheRoomCamera(t *testing.T) {
	e := newEnv(t, nil)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	_, camera := e.joinWithCameraTrack(t, ctx, room, "bob", patternCamera, nil)

	video, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = video.Close() })
	// No a=rtcp-fb: a device that knows only SIP INFO for this.
	media := fmt.Sprintf("m=video %d RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\na=fmtp:97 packetization-mode=1;profile-level-id=42e01f\r\n"+
		"a=rtcp-mux\r\na=sendrecv\r\n", video.LocalAddr().(*net.UDPAddr).Port)
	ua := dialGoUAWith(t, ctx, fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port()), media)
	if !videoArrives(t, video, 10*time.Second) {
		t.Fatal("no video from the bridge")
	}
	// The switch to bob's camera asked it for key frames; wait until that
	// is over (no new request for a second), so that the next one is the
	// INFO's.
	requests := camera.LayerKeyframeRequests(0)
	for quiet := time.Now(); time.Since(quiet) < time.Second; {
		if n := camera.LayerKeyframeRequests(0); n != requests {
			requests, quiet = n, time.Now()
		}
		if ctx.Err() != nil {
			t.Fatal("bob's camera never stopped being asked for key frames")
		}
		time.Sleep(20 * time.Millisecond)
	}

	if code := ua.info(t, ctx, "application/media_control+xml", "<media_control><vc_primitive>"); code != sip.StatusBadRequest {
		t.Fatalf("a broken media_control body was answered %d, want 400", code)
	}
	body := `<?xml version="1.0" encoding="utf-8" ?>
<media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>`
	if code := ua.info(t, ctx, "application/media_control+xml", body); code != sip.StatusOK {
		t.Fatalf("picture_fast_update answered %d, want 200", code)
	}
	for camera.LayerKeyframeRequests(0) == requests {
		if ctx.Err() != nil {
			t.Fatal("bob's camera was not asked for a key frame after the INFO")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !videoArrives(t, video, 5*time.Second) {
		t.Fatal("the call's video stopped after the INFO")
	}
}

// info sends a SIP INFO in the call and returns the status of its answer.
func (u *goUA) info(t *testing.T, ctx context.Context, contentType, body string) int {
	t.Helper()
	req := sip.NewRequest(sip.INFO, u.sess.InviteResponse.Contact().Address)
	req.SetBody([]byte(body))
	req.AppendHeader(sip.NewHeader("Content-Type", contentType))
	res, err := u.sess.Do(ctx, req)
	if err != nil {
		t.Fatalf("INFO: %v", err)
	}
	return res.StatusCode
}
