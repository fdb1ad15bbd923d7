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
