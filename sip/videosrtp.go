package sip

import "fmt"

// Video over SRTP: a call whose audio is SRTP has its video line over
// RTP/SAVP(F) keyed by SDES as well (takeVideo takes no other), with keys
// of its own, so that each stream has its own SRTP context. The far end's
// RTCP on the video socket (its PLI and FIR) is SRTCP, and so are the key
// frame requests the bridge sends it.

// secureVideo makes the SRTP of a call's video from the far end's chosen
// line: a fresh key of ours in its suite, answered under its tag.
func (c *call) secureVideo(v *videoOffer) error {
	if v.crypto == nil {
		return nil
	}
	leg, err := newSRTPLeg(v.crypto)
	if err != nil {
		return fmt.Errorf("sip: video %w", err)
	}
	c.video.srtp = leg
	v.answerCrypto = &leg.local
	return nil
}

// rekeyVideo takes a re-INVITE's video line of a call whose video is SRTP:
// the far end's new keys if they changed, and our key under the new tag.
// It reports false when the line cannot go on the call's video (another
// suite, keys that do not make a context): the answer then refuses it.
func (c *call) rekeyVideo(v *videoOffer) bool {
	l := c.video.srtp
	if l == nil || v.crypto == nil {
		return l == nil && v.crypto == nil
	}
	if v.crypto.suite != l.local.suite {
		c.log.Warn("sip video re-INVITE in another SRTP suite refused", "suite", v.crypto.suite, "call_suite", l.local.suite)
		return false
	}
	if !sameKeys(l.remote.Load(), v.crypto) {
		if err := l.setRemote(v.crypto); err != nil {
			c.log.Warn("sip video re-INVITE keys refused", "err", err)
			return false
		}
	}
	local := l.local
	local.tag = v.crypto.tag
	v.answerCrypto = &local
	return true
}

// open is a datagram from the video socket in clear: RTP or RTCP (rtcp
// tells which), authenticated and decrypted when the video is SRTP; ok
// false when it does not authenticate.
func (v *videoLeg) open(pkt []byte) (plain []byte, rtcp, ok bool) {
	rtcp = len(pkt) >= 2 && pkt[1] >= 192 && pkt[1] <= 223
	if v.srtp == nil {
		return pkt, rtcp, true
	}
	if rtcp {
		plain, ok = v.srtp.unprotectRTCP(pkt)
		return plain, true, ok
	}
	plain, ok = v.srtp.unprotect(pkt)
	return plain, false, ok
}

// seal is a packet of ours ready to send: encrypted when the video is SRTP.
func (v *videoLeg) seal(pkt []byte, rtcp bool) ([]byte, error) {
	switch {
	case v.srtp == nil:
		return pkt, nil
	case rtcp:
		return v.srtp.protectRTCP(pkt)
	default:
		return v.srtp.protect(pkt)
	}
}

// videoSRTPSuite is the SRTP suite of the call's video, "" without video
// or in clear (for the log).
func (c *call) videoSRTPSuite() string {
	if c.video == nil || c.video.srtp == nil {
		return ""
	}
	return c.video.srtp.local.suite
}
