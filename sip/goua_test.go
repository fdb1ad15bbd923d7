package sip_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"

	"github.com/ensemble-sfu/ensemble/internal/siptest"
)

// goUA is a SIP phone written in the test on sipgo, for the measures that
// need to know when each RTP packet leaves and arrives (baresip records what
// it hears, but not when): it calls with PCMU only, and the test sends and
// reads the call's RTP itself on rtp.
type goUA struct {
	sess   *sipgo.DialogClientSession
	rtp    *net.UDPConn
	remote netip.AddrPort // the bridge's RTP address, from its answer
	// version is the SDP version of the last offer (the o= line), raised
	// by each re-INVITE.
	version int
}

// dialGoUA calls target (sip:<number>@127.0.0.1:<port>) and returns once the
// call is answered and acknowledged; the test hangs up at its end.
func dialGoUA(t *testing.T, ctx context.Context, target string) *goUA {
	t.Helper()
	return dialGoUAWith(t, ctx, target, "")
}

// dialGoUAWith is dialGoUA with more m= lines in the offer, after the audio.
func dialGoUAWith(t *testing.T, ctx context.Context, target, moreMedia string) *goUA {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	cl := siptest.Client(t, sipgo.WithUserAgent("ensemble-test-ua"))
	var to sip.Uri
	if err := sip.ParseUri(target, &to); err != nil {
		t.Fatal(err)
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	offer := fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n", port) + moreMedia
	from := sip.NewParams()
	from.Add("tag", sip.GenerateTagN(16))
	dialog := sipgo.DialogUA{Client: cl, ContactHDR: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "bench", Host: "127.0.0.1"}}}
	sess, err := dialog.Invite(ctx, to, []byte(offer), sip.NewHeader("Content-Type", "application/sdp"),
		&sip.FromHeader{DisplayName: "Go phone", Address: sip.Uri{Scheme: "sip", User: "bench", Host: "127.0.0.1"}, Params: from})
	if err != nil {
		t.Fatalf("INVITE: %v", err)
	}
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatalf("waiting for the answer: %v", err)
	}
	if err := sess.Ack(ctx); err != nil {
		t.Fatalf("ACK: %v", err)
	}
	t.Cleanup(func() {
		bctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = sess.Bye(bctx)
		_ = sess.Close()
	})
	var answer sdp.SessionDescription
	if err := answer.Unmarshal(sess.InviteResponse.Body()); err != nil {
		t.Fatalf("the bridge's answer: %v", err)
	}
	if answer.ConnectionInformation == nil || len(answer.MediaDescriptions) == 0 {
		t.Fatalf("the bridge's answer has no address or no media:\n%s", sess.InviteResponse.Body())
	}
	ip, err := netip.ParseAddr(answer.ConnectionInformation.Address.Address)
	if err != nil {
		t.Fatal(err)
	}
	remote := netip.AddrPortFrom(ip, uint16(answer.MediaDescriptions[0].MediaName.Port.Value))
	return &goUA{sess: sess, rtp: conn, remote: remote, version: 1}
}

// send sends one PCMU packet to the bridge.
func (u *goUA) send(p *rtp.Packet) error {
	b, err := p.Marshal()
	if err != nil {
		return err
	}
	_, err = u.rtp.WriteToUDPAddrPort(b, u.remote)
	return err
}
