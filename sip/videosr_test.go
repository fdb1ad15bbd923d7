package sip_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// A phone written on sipgo dials in with an H.264 video line whose RTCP goes
// to a port of its own (a=rtcp); a Go client in the room publishes a camera,
// which the bridge sends the phone. On the RTCP port come sender reports
// of that stream: its SSRC, packets and octets sent, a wall clock in NTP
// format, and an SDES CNAME in the same compound packet.
func TestVideoSenderReports(t *testing.T) {
	e := newEnv(t, nil)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	e.joinWithCamera(t, ctx, room, "bob", patternCamera, nil)

	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		deadline, _ := ctx.Deadline()
		_ = c.SetReadDeadline(deadline)
		return c
	}
	video, reports := listen(), listen()
	media := fmt.Sprintf("m=video %d RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\na=fmtp:97 packetization-mode=1;profile-level-id=42e01f\r\n"+
		"a=rtcp:%d\r\na=rtcp-fb:97 nack pli\r\na=sendrecv\r\n", video.LocalAddr().(*net.UDPAddr).Port, reports.LocalAddr().(*net.UDPAddr).Port)
	dialGoUAWith(t, ctx, fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port()), media)

	buf := make([]byte, 1500)
	n, err := video.Read(buf)
	if err != nil {
		t.Fatalf("no video from the bridge: %v", err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil || p.PayloadType != 97 {
		t.Fatalf("the bridge's video: %v, payload type %d", err, p.PayloadType)
	}

	for {
		n, err := reports.Read(buf)
		if err != nil {
			t.Fatalf("no sender report on the video's RTCP port: %v", err)
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			t.Fatalf("RTCP from the bridge: %v", err)
		}
		sr, ok := pkts[0].(*rtcp.SenderReport)
		if !ok {
			continue // a key frame request
		}
		if sr.SSRC != p.SSRC || sr.PacketCount == 0 || sr.OctetCount < sr.PacketCount {
			t.Fatalf("sender report %+v of the stream with SSRC %d", sr, p.SSRC)
		}
		// The NTP seconds are the wall clock's (within a day: the format, not
		// the timing, is what is checked).
		if secs := int64(sr.NTPTime>>32) - 2208988800; secs < time.Now().Add(-24*time.Hour).Unix() || secs > time.Now().Add(24*time.Hour).Unix() {
			t.Fatalf("sender report's NTP time %d is not the wall clock", sr.NTPTime)
		}
		var cname string
		for _, pkt := range pkts[1:] {
			if sdes, ok := pkt.(*rtcp.SourceDescription); ok {
				for _, c := range sdes.Chunks {
					for _, it := range c.Items {
						if c.Source == p.SSRC && it.Type == rtcp.SDESCNAME {
							cname = it.Text
						}
					}
				}
			}
		}
		if cname == "" {
			t.Fatalf("the sender report's compound packet has no CNAME of the stream: %v", pkts)
		}
		return
	}
}
