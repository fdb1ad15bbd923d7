package sip

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"

	"github.com/emiago/sipgo/sip"
	"github.com/pion/sdp/v3"
)

// Video on a placed call: the bridge's offer has an m=video line beside the
// audio, H.264 in packetization mode 1 in the profile a room carries most
// (constrained baseline, 42e01f: what browsers and the room's H.264 layers
// send), with RTCP feedback (PLI, FIR) and its RTCP on the video socket
// (RFC 3605). When the answer takes it, the call's video is that of a call
// that came in: the far end's camera published in the room, the active
// speaker's camera sent to it. An answer that refuses it (port 0, or no
// m=video line) leaves the call with audio.

// dialH264PT is H.264's payload type in the bridge's offer.
const dialH264PT = 96

// dialH264Profile is the profile-level-id the bridge offers.
const dialH264Profile = "42e01f"

// prepareDialVideo opens the video socket of a placed call; what it carries
// is known from the answer.
func (c *call) prepareDialVideo() error {
	conn, err := listenRTP(c.b.listenIP(), c.b.cfg.RTPPortMin, c.b.cfg.RTPPortMax)
	if err != nil {
		return fmt.Errorf("sip: video %w", err)
	}
	c.video = &videoLeg{conn: conn, ssrc: rand.Uint32()}
	c.offer.videoLocal = netip.AddrPortFrom(c.b.public.Addr(), uint16(conn.LocalAddr().(*net.UDPAddr).Port))
	if c.sdesOffered != nil {
		// Over TLS the video is offered as the audio is, SRTP only, with
		// keys of its own.
		for i, suite := range dialSuites {
			line, err := newLocalCrypto(uint32(i+1), suite)
			if err != nil {
				return err
			}
			c.videoSDESOffered = append(c.videoSDESOffered, line)
		}
	}
	return nil
}

// offerVideo is the m=video line of the bridge's offer.
func (c *call) offerVideo() *sdp.MediaDescription {
	local := c.offer.videoLocal
	pt := strconv.Itoa(dialH264PT)
	md := &sdp.MediaDescription{MediaName: sdp.MediaName{Media: "video", Port: sdp.RangedPort{Value: int(local.Port())},
		Protos: []string{"RTP", "AVP"}, Formats: []string{pt}}}
	if c.videoSDESOffered != nil {
		md.MediaName.Protos = []string{"RTP", "SAVP"}
		for _, line := range c.videoSDESOffered {
			md.WithValueAttribute("crypto", line.String())
		}
	}
	md.WithValueAttribute("rtpmap", pt+" H264/90000")
	md.WithValueAttribute("fmtp", pt+" profile-level-id="+dialH264Profile+";packetization-mode=1")
	md.WithValueAttribute("rtcp-fb", pt+" nack pli")
	md.WithValueAttribute("rtcp-fb", pt+" ccm fir")
	md.WithValueAttribute("rtcp", strconv.Itoa(int(local.Port())))
	md.WithPropertyAttribute("sendrecv")
	return md
}

// takeAnswerVideo gives the call the video the answer accepted (keyed with
// the offered line of the answer's tag over TLS), or closes the video
// socket when it accepted none. The answer's video is protected as its
// audio is (takeVideo), so SRTP audio never comes with video in clear.
func (c *call) takeAnswerVideo(ans *offer) error {
	v := c.video
	if v == nil {
		return nil
	}
	ans.videoLocal = c.offer.videoLocal
	if ans.video == nil {
		_ = v.conn.Close()
		c.video = nil
		return nil
	}
	if ans.video.crypto != nil {
		leg, err := c.answeredVideoKeys(ans.video.crypto)
		if err != nil {
			return err
		}
		v.srtp = leg
	}
	v.offer.Store(ans.video)
	remote := ans.video.remote
	v.remote.Store(&remote)
	return nil
}

// answeredVideoKeys is the video SRTP of a placed call: our offered line
// of the answer's tag, in its suite, with the far end's key.
func (c *call) answeredVideoKeys(ans *cryptoAttr) (*srtpLeg, error) {
	for _, line := range c.videoSDESOffered {
		if line.tag != ans.tag {
			continue
		}
		if line.suite != ans.suite {
			return nil, fmt.Errorf("%w: the answer's video tag %d is in %s, offered in %s", ErrBadCrypto, line.tag, ans.suite, line.suite)
		}
		return newSRTPLegWith(line, ans)
	}
	return nil, fmt.Errorf("%w: the answer's video tag %d was not offered", ErrBadCrypto, ans.tag)
}

// requestInDialog is a request of the call's dialog to the far end:
// to its Contact of the answer for a placed call, to the caller's for one
// that came in.
func (c *call) requestInDialog(method sip.RequestMethod) *sip.Request {
	if sess := c.outSession(); sess != nil {
		target := sess.InviteRequest.Recipient
		if contact := sess.InviteResponse.Contact(); contact != nil {
			target = contact.Address
		}
		return sip.NewRequest(method, target)
	}
	return c.requestToCaller(method)
}

// doInDialog sends a request of the call's dialog and waits for its final
// response.
func (c *call) doInDialog(ctx context.Context, req *sip.Request) (*sip.Response, error) {
	if sess := c.outSession(); sess != nil {
		return sess.Do(ctx, req)
	}
	return c.dialog.Do(ctx, req)
}
