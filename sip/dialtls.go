package sip

import (
	"fmt"
	"strings"

	"github.com/emiago/sipgo/sip"
	"github.com/pion/sdp/v3"
)

// Dial-out over TLS: a URI with transport=tls is called over TLS (checked
// against Config.TLSCAFile, else the system's roots) with the TLS Contact,
// and offered SRTP only (RTP/SAVP, SDES keys in two suites); an answer
// without SRTP fails the call.

// dialSuites are the suites the bridge offers, in its order of preference.
var dialSuites = []string{"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"}

// dialsOverTLS reports whether a call to target goes over TLS.
func dialsOverTLS(target sip.Uri) bool {
	tp, _ := target.UriParams.Get("transport")
	return strings.EqualFold(tp, "tls")
}

// dialContact is the Contact of a call placed to target.
func (b *Bridge) dialContact(target sip.Uri) sip.ContactHeader {
	if b.tls != nil && dialsOverTLS(target) {
		return b.tlsContact()
	}
	return b.contact()
}

// prepareDialSRTP makes the keys a call over TLS offers, one per suite.
func (c *call) prepareDialSRTP(target sip.Uri) error {
	if !dialsOverTLS(target) {
		return nil
	}
	if c.b.tls == nil {
		return fmt.Errorf("%w: dialing over TLS needs the bridge's TLS listener (TLSListen), where the far end's requests come back", ErrConfig)
	}
	for i, suite := range dialSuites {
		line, err := newLocalCrypto(uint32(i+1), suite)
		if err != nil {
			return err
		}
		c.sdesOffered = append(c.sdesOffered, line)
	}
	return nil
}

// offerCrypto makes the bridge's audio offer RTP/SAVP with its keys, when it
// dials over TLS.
func (c *call) offerCrypto(md *sdp.MediaDescription) {
	if c.sdesOffered == nil {
		return
	}
	md.MediaName.Protos = []string{"RTP", "SAVP"}
	for _, line := range c.sdesOffered {
		md.WithValueAttribute("crypto", line.String())
	}
}

// takeAnswerCrypto sets up the SRTP of a placed call from the far end's
// answer: one of our tags, in its suite, with the far end's key.
func (c *call) takeAnswerCrypto(ans *offer) error {
	if c.sdesOffered == nil {
		if ans.crypto != nil {
			return fmt.Errorf("%w: the answer is RTP/SAVP to an RTP/AVP offer", ErrNoCommonCrypto)
		}
		return nil
	}
	if ans.crypto == nil {
		return fmt.Errorf("%w: the call went over TLS and the answer has no RTP/SAVP audio with a=crypto", ErrSRTPRequired)
	}
	for _, line := range c.sdesOffered {
		if line.tag != ans.crypto.tag {
			continue
		}
		if line.suite != ans.crypto.suite {
			return fmt.Errorf("%w: the answer's tag %d is in %s, offered in %s", ErrBadCrypto, line.tag, ans.crypto.suite, line.suite)
		}
		leg, err := newSRTPLegWith(line, ans.crypto)
		if err != nil {
			return err
		}
		c.srtp = leg
		return nil
	}
	return fmt.Errorf("%w: the answer's tag %d was not offered", ErrBadCrypto, ans.crypto.tag)
}
