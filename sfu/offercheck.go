package sfu

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// mediaCodecNames are the media codecs (by the encoding name of an rtpmap line,
// upper case) the SFU takes from publishers, by kind. RTX and telephone-event
// travel beside a media codec and cannot be a section's only one; RED carries
// Opus and can.
var mediaCodecNames = func() map[string]map[string]bool {
	names := map[string]map[string]bool{"audio": {}, "video": {}}
	name := func(mime string) string { _, n, _ := strings.Cut(mime, "/"); return strings.ToUpper(n) }
	names["audio"][name(opusCodec.MimeType)] = true
	names["audio"][name(redCodec.MimeType)] = true
	for _, c := range narrowbandCodecs {
		if c.MimeType != mimeTelephoneEvent {
			names["audio"][name(c.MimeType)] = true
		}
	}
	for _, vc := range videoCodecs {
		names["video"][name(vc.mime)] = true
	}
	return names
}()

// checkOfferTransport refuses an offer Pion would refuse only after it has moved
// the connection to have-remote-offer, from which it cannot roll back: no media
// section, one without a mid, one without ICE credentials or a DTLS fingerprint (at
// session or media level) or with malformed ones, or an audio or video section listing a payload type with no a=rtpmap
// (Pion wants one even for the static types; browsers always send it).
func checkOfferTransport(sd *sdp.SessionDescription) error {
	if len(sd.MediaDescriptions) == 0 {
		return fmt.Errorf("%w: the offer has no media section (a publisher offers at least its data channel or a track)", ErrInvalidSDP)
	}
	mids := map[string]bool{}
	for i, md := range sd.MediaDescriptions {
		mid, ok := md.Attribute("mid")
		if !ok || mid == "" {
			return fmt.Errorf("%w: media section %d has no a=mid", ErrInvalidSDP, i)
		}
		if !isToken(mid) {
			return fmt.Errorf("%w: media section %d has a=mid %q, not a token (RFC 5888)", ErrInvalidSDP, i, mid)
		}
		mids[mid] = true
		if md.MediaName.Port.Value == 0 {
			continue
		}
		for _, key := range []string{"ice-ufrag", "ice-pwd", "fingerprint"} {
			v, ok := md.Attribute(key)
			if !ok {
				v, ok = sd.Attribute(key)
			}
			if !ok {
				return fmt.Errorf("%w: media section %d has no a=%s (nor has the session)", ErrInvalidSDP, i, key)
			}
			if err := checkTransportValue(key, v); err != nil {
				return fmt.Errorf("%w: media section %d: %w", ErrInvalidSDP, i, err)
			}
		}
		if err := checkPayloadTypesMapped(i, md); err != nil {
			return err
		}
	}
	for _, a := range sd.Attributes {
		if a.Key != "group" {
			continue
		}
		fields := strings.Fields(a.Value)
		for _, mid := range fields[min(1, len(fields)):] {
			if !mids[mid] {
				return fmt.Errorf("%w: a=group:%s names mid %q, which no media section has", ErrInvalidSDP, a.Value, mid)
			}
		}
	}
	return nil
}

// checkTransportValue checks the syntax of the ICE credentials (RFC 8839: ufrag of
// 4 to 256 ice-chars, password of 22 to 256) and of a DTLS fingerprint (RFC 8122: a
// hash function name and upper- or lower-case hex bytes separated by colons).
func checkTransportValue(key, v string) error {
	switch key {
	case "ice-ufrag", "ice-pwd":
		least := 4
		if key == "ice-pwd" {
			least = 22
		}
		if len(v) < least || len(v) > 256 || strings.IndexFunc(v, func(r rune) bool { return !isICEChar(r) }) >= 0 {
			return fmt.Errorf("a=%s is not %d to 256 ICE characters", key, least)
		}
	case "fingerprint":
		hash, hexBytes, ok := strings.Cut(v, " ")
		if !ok || !isToken(hash) || !isHexPairs(hexBytes) {
			return fmt.Errorf("a=fingerprint %q is not a hash name and colon-separated hex bytes", v)
		}
	}
	return nil
}

func isICEChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '/'
}

func isHexPairs(s string) bool {
	for pair := range strings.SplitSeq(s, ":") {
		if len(pair) != 2 || strings.IndexFunc(pair, func(r rune) bool {
			return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')
		}) >= 0 {
			return false
		}
	}
	return true
}

// isToken says whether s is an RFC 4566 token, the syntax of a mid.
func isToken(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`{|}~", r):
		default:
			return false
		}
	}
	return s != ""
}

// checkPayloadTypesMapped refuses an audio or video section whose m= line lists a
// payload type that no a=rtpmap names.
func checkPayloadTypesMapped(i int, md *sdp.MediaDescription) error {
	if kind := md.MediaName.Media; kind != "audio" && kind != "video" {
		return nil
	}
	mapped := map[string]bool{}
	for _, a := range md.Attributes {
		if a.Key == "rtpmap" {
			pt, _, _ := strings.Cut(a.Value, " ")
			mapped[pt] = true
		}
	}
	for _, pt := range md.MediaName.Formats {
		if !mapped[pt] {
			return fmt.Errorf("%w: media section %d lists payload type %q with no a=rtpmap", ErrInvalidSDP, i, pt)
		}
	}
	return nil
}

// checkOfferCodecs refuses a publisher offer with a media section the client sends
// on but whose codecs are all ones the SFU does not take (H.265 only, say): the
// answer would reject the section without a word and the track would stay
// published with no media. The error names the section and what it offered.
func checkOfferCodecs(offer string) error {
	// Lines end with CRLF (or LF alone): a CR elsewhere would hide the start of a
	// line inside the value of the one before.
	if i := strings.IndexByte(strings.ReplaceAll(offer, "\r\n", "\n"), '\r'); i >= 0 {
		return fmt.Errorf("%w: a CR not followed by LF", ErrInvalidSDP)
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	if err := checkOfferTransport(&sd); err != nil {
		return err
	}
	for i, md := range sd.MediaDescriptions {
		kind := md.MediaName.Media
		want, ok := mediaCodecNames[kind]
		if !ok || md.MediaName.Port.Value == 0 || !sends(md) {
			continue
		}
		var offered []string
		supported := false
		for _, a := range md.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			_, enc, _ := strings.Cut(a.Value, " ")
			codec, _, _ := strings.Cut(enc, "/")
			offered = append(offered, codec)
			if want[strings.ToUpper(codec)] {
				supported = true
			}
		}
		if !supported {
			mid, _ := md.Attribute("mid")
			return fmt.Errorf("%w: %s section %d (mid %q) offers no codec the server takes (offered %s; the server takes %s)",
				ErrInvalidSDP, kind, i, mid, strings.Join(offered, ", "), takes(kind))
		}
	}
	return nil
}

// sends reports whether the client sends media on md (sendrecv, the default, or sendonly).
func sends(md *sdp.MediaDescription) bool {
	for _, a := range md.Attributes {
		switch a.Key {
		case "recvonly", "inactive":
			return false
		}
	}
	return true
}

func takes(kind string) string {
	var out []string
	for n := range mediaCodecNames[kind] {
		out = append(out, n)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// rollbackOffer handles an offer that failed after Pion moved the connection to
// have-remote-offer. Pion (v4.2) has no rollback from that state, so every later
// offer would fail with "invalid proposed signaling state transition": rather than
// leave a session that can never publish again, it is ended (transport_failure)
// and the client joins afresh. The checks before SetRemoteDescription
// (checkOfferTransport, checkOfferCodecs) keep this for offers Pion itself finds
// broken in ways we do not foresee.
func (c *publisherConn) rollbackOffer(cause error) {
	if c.pc.SignalingState() != webrtc.SignalingStateHaveRemoteOffer {
		return
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}); err == nil {
		return
	}
	c.p.log.Warn("publisher offer failed and cannot be rolled back; ending the session", "err", cause)
	c.p.closeAsync(vocab.ReasonTransportFailure)
}
