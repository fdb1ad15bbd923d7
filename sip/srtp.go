package sip

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/emiago/sipgo/sip"
	"github.com/pion/sdp/v3"
	"github.com/pion/srtp/v3"
)

// Media protection of a call: SRTP keyed by SDES (sdes.go) when the far end's
// offer is RTP/SAVP; required for calls that came over TLS, where the keys in
// the SDP are as secret as the signalling. Over UDP or TCP an SDES offer is
// taken as well (the far end asked for it), though its keys crossed the
// network in clear.

// srtpReplayWindow is how many packets back SRTP's replay check remembers
// (RFC 3711's minimum): the jitter buffer reorders within it.
const srtpReplayWindow = 64

// streamCrypto is the a=crypto line the bridge takes in an audio stream: nil
// for RTP/AVP; the first usable line for RTP/SAVP. Another profile is
// ErrNoCommonCodec, a malformed line ErrBadCrypto, no usable line
// ErrNoCommonCrypto.
func streamCrypto(m *sdp.MediaDescription) (*cryptoAttr, error) {
	proto := strings.Join(m.MediaName.Protos, "/")
	switch proto {
	case "RTP/AVP":
		return nil, nil
	case "RTP/SAVP":
	default:
		return nil, fmt.Errorf("%w: profile %s (RTP/AVP, or RTP/SAVP with SDES keys)", ErrNoCommonCodec, proto)
	}
	return chooseCrypto(m)
}

// chooseCrypto is the first usable a=crypto line of a stream over SRTP: a
// malformed line is ErrBadCrypto, none usable ErrNoCommonCrypto.
func chooseCrypto(m *sdp.MediaDescription) (*cryptoAttr, error) {
	var lines []cryptoAttr
	for _, a := range m.Attributes {
		if a.Key != "crypto" {
			continue
		}
		c, err := parseCrypto(a.Value)
		if err != nil {
			return nil, err
		}
		for _, seen := range lines {
			if seen.tag == c.tag {
				return nil, fmt.Errorf("%w: tag %d is given twice", ErrBadCrypto, c.tag)
			}
		}
		lines = append(lines, c)
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%w: RTP/SAVP without a=crypto (only SDES keying is supported)", ErrNoCommonCrypto)
	}
	var why []string
	for i := range lines {
		if err := lines[i].usable(); err != nil {
			why = append(why, err.Error())
			continue
		}
		return &lines[i], nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNoCommonCrypto, strings.Join(why, "; "))
}

// srtpLeg protects a call's RTP: what the bridge sends with its own key, what
// comes with the far end's.
type srtpLeg struct {
	local  cryptoAttr    // our key, in the far end's chosen suite and tag
	outMu  sync.Mutex    // the video's senders (camera readers, key frame requests) share out
	out    *srtp.Context // encrypts
	in     atomic.Pointer[srtp.Context]
	remote atomic.Pointer[cryptoAttr] // the far end's current line
	plain  []byte                     // the reader's decryption buffer
}

// newSRTPLeg makes our key for the far end's chosen line and both contexts.
func newSRTPLeg(remote *cryptoAttr) (*srtpLeg, error) {
	local, err := newLocalCrypto(remote.tag, remote.suite)
	if err != nil {
		return nil, err
	}
	return newSRTPLegWith(local, remote)
}

// newLocalCrypto is a line of ours with a fresh random key.
func newLocalCrypto(tag uint32, suite string) (cryptoAttr, error) {
	profile := sdesSuites[suite]
	keyLen, _ := profile.KeyLen()
	saltLen, _ := profile.SaltLen()
	material := make([]byte, keyLen+saltLen)
	if _, err := rand.Read(material); err != nil {
		return cryptoAttr{}, fmt.Errorf("sip: SRTP key: %w", err)
	}
	return cryptoAttr{tag: tag, suite: suite, keys: []sdesKey{{key: material[:keyLen], salt: material[keyLen:]}}}, nil
}

// newSRTPLegWith makes both contexts: ours (local, one key) encrypts, the far
// end's decrypts.
func newSRTPLegWith(local cryptoAttr, remote *cryptoAttr) (*srtpLeg, error) {
	l := &srtpLeg{plain: make([]byte, maxRTPPacket), local: local}
	var err error
	if l.out, err = srtp.CreateContext(local.keys[0].key, local.keys[0].salt, sdesSuites[local.suite]); err != nil {
		return nil, fmt.Errorf("sip: SRTP context: %w", err)
	}
	if err := l.setRemote(remote); err != nil {
		return nil, err
	}
	return l, nil
}

// setRemote makes the decrypting context of the far end's keys (each named
// by its MKI when it has one).
func (l *srtpLeg) setRemote(remote *cryptoAttr) error {
	profile := sdesSuites[remote.suite]
	first := remote.keys[0]
	opts := []srtp.ContextOption{srtp.SRTPReplayProtection(srtpReplayWindow), srtp.SRTCPReplayProtection(srtpReplayWindow)}
	if first.mki != nil {
		opts = append(opts, srtp.MasterKeyIndicator(first.mki))
	}
	in, err := srtp.CreateContext(first.key, first.salt, profile, opts...)
	if err != nil {
		return fmt.Errorf("%w: tag %d: %w", ErrBadCrypto, remote.tag, err)
	}
	for _, k := range remote.keys[1:] {
		if err := in.AddCipherForMKI(k.mki, k.key, k.salt); err != nil {
			return fmt.Errorf("%w: tag %d: %w", ErrBadCrypto, remote.tag, err)
		}
	}
	l.in.Store(in)
	l.remote.Store(remote)
	return nil
}

// sameKeys reports whether two lines carry the same keys.
func sameKeys(a, b *cryptoAttr) bool {
	if a.suite != b.suite || len(a.keys) != len(b.keys) {
		return false
	}
	for i := range a.keys {
		if !bytes.Equal(a.keys[i].key, b.keys[i].key) || !bytes.Equal(a.keys[i].salt, b.keys[i].salt) || !bytes.Equal(a.keys[i].mki, b.keys[i].mki) {
			return false
		}
	}
	return true
}

// protect encrypts an RTP packet for the far end.
func (l *srtpLeg) protect(pkt []byte) ([]byte, error) {
	l.outMu.Lock()
	defer l.outMu.Unlock()
	return l.out.EncryptRTP(nil, pkt, nil)
}

// protectRTCP encrypts an RTCP compound packet for the far end (SRTCP).
func (l *srtpLeg) protectRTCP(pkt []byte) ([]byte, error) {
	l.outMu.Lock()
	defer l.outMu.Unlock()
	return l.out.EncryptRTCP(nil, pkt, nil)
}

// unprotectRTCP authenticates and decrypts SRTCP from the far end (ok false
// for a forgery, a replay or RTCP in clear). Only the reader of the leg's
// socket calls it.
func (l *srtpLeg) unprotectRTCP(pkt []byte) (plain []byte, ok bool) {
	plain, err := l.in.Load().DecryptRTCP(l.plain, pkt, nil)
	return plain, err == nil
}

// unprotect authenticates and decrypts a packet from the far end: RTP comes
// back in clear, ok false for anything else (SRTCP multiplexed on the port,
// which the bridge does not use, a forgery, a replay).
func (l *srtpLeg) unprotect(pkt []byte) (plain []byte, ok bool) {
	if len(pkt) >= 2 && pkt[1] >= 192 && pkt[1] <= 223 {
		return nil, false // RTCP (RFC 5761)
	}
	plain, err := l.in.Load().DecryptRTP(l.plain, pkt, nil)
	return plain, err == nil
}

// secureMedia applies the media policy to a new call and sets up its SRTP:
// an offer over TLS, or from a trunk that requires it, must be RTP/SAVP.
func (b *Bridge) secureMedia(req *sip.Request, c *call, trunk string) error {
	if c.offer.crypto == nil {
		if overTLS(req) {
			return fmt.Errorf("%w: the call came over TLS and its offer has no RTP/SAVP audio with a=crypto (SDES)", ErrSRTPRequired)
		}
		for _, t := range b.cfg.Trunks {
			if t.Name == trunk && t.RequireSRTP {
				return fmt.Errorf("%w: trunk %s requires it and the offer has no RTP/SAVP audio with a=crypto (SDES)", ErrSRTPRequired, trunk)
			}
		}
		return nil
	}
	leg, err := newSRTPLeg(c.offer.crypto)
	if err != nil {
		return err
	}
	c.srtp = leg
	c.offer.answerCrypto = &leg.local
	return nil
}

// rekeySRTP takes a re-INVITE's offer: the call keeps its protection (a
// plain call does not become SRTP, nor the reverse), takes the far end's new
// keys if they changed, and answers with its own key under the new tag.
func (c *call) rekeySRTP(off *offer) error {
	switch {
	case c.srtp == nil && off.crypto == nil:
		return nil
	case c.srtp == nil:
		return fmt.Errorf("%w: the call is RTP/AVP, the re-INVITE offers RTP/SAVP", ErrNoCommonCrypto)
	case off.crypto == nil:
		return fmt.Errorf("%w: the call is SRTP, the re-INVITE offers no SRTP", ErrSRTPRequired)
	case off.crypto.suite != c.srtp.local.suite:
		return fmt.Errorf("%w: the call is in %s, the re-INVITE offers %s", ErrNoCommonCrypto, c.srtp.local.suite, off.crypto.suite)
	}
	if !sameKeys(c.srtp.remote.Load(), off.crypto) {
		if err := c.srtp.setRemote(off.crypto); err != nil {
			return err
		}
		c.log.Info("sip SRTP rekeyed by the far end", "suite", off.crypto.suite)
	}
	local := c.srtp.local
	local.tag = off.crypto.tag
	off.answerCrypto = &local
	return nil
}

// srtpSuite is the call's SRTP crypto suite, "" for plain RTP (for the log).
func (c *call) srtpSuite() string {
	if c.srtp == nil {
		return ""
	}
	return c.srtp.local.suite
}

// protect encrypts an outgoing packet when the call is SRTP (nil when that
// fails: the packet is not sent in clear).
func (c *call) protect(pkt []byte) []byte {
	if c.srtp == nil || pkt == nil {
		return pkt
	}
	out, err := c.srtp.protect(pkt)
	if err != nil {
		c.log.Debug("sip SRTP encrypt", "err", err)
		return nil
	}
	return out
}

// warningOf is the Warning header of a 488: what the bridge could not accept,
// in words (RFC 3261 20.43: 305 media format, 306 attribute not understood,
// 399 anything else).
func warningOf(err error) sip.Header {
	code := 305
	switch {
	case errors.Is(err, ErrBadCrypto):
		code = 306
	case errors.Is(err, ErrNoCommonCrypto), errors.Is(err, ErrSRTPRequired):
		code = 399
	}
	text := strings.TrimPrefix(err.Error(), "sip: ")
	text = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' {
			return '\''
		}
		return r
	}, text)
	if len(text) > 240 {
		text = text[:240]
	}
	return sip.NewHeader("Warning", fmt.Sprintf(`%d ensemble "%s"`, code, strings.ToValidUTF8(text, "")))
}
