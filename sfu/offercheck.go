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
// section, or one without ICE credentials or a DTLS fingerprint (at session or
// media level).
func checkOfferTransport(sd *sdp.SessionDescription) error {
	if len(sd.MediaDescriptions) == 0 {
		return fmt.Errorf("%w: the offer has no media section (a publisher offers at least its data channel or a track)", ErrInvalidSDP)
	}
	session := func(key string) bool { _, ok := sd.Attribute(key); return ok }
	for i, md := range sd.MediaDescriptions {
		if md.MediaName.Port.Value == 0 {
			continue
		}
		for _, key := range []string{"ice-ufrag", "ice-pwd", "fingerprint"} {
			if _, ok := md.Attribute(key); !ok && !session(key) {
				return fmt.Errorf("%w: media section %d has no a=%s (nor has the session)", ErrInvalidSDP, i, key)
			}
		}
	}
	return nil
}

// checkOfferCodecs refuses a publisher offer with a media section the client sends
// on but whose codecs are all ones the SFU does not take (H.265 only, say): the
// answer would reject the section without a word and the track would stay
// published with no media. The error names the section and what it offered.
func checkOfferCodecs(offer string) error {
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
