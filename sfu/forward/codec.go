package forward

import (
	"strconv"
	"strings"

	"github.com/pion/webrtc/v4"
)

// codecKind is the codec of a track, resolved once so the hot path compares
// small integers rather than MIME strings.
type codecKind uint8

const (
	codecOther codecKind = iota
	codecOpus
	codecRED
	codecVP8
	codecVP9
	codecH264
	codecH265
	codecAV1
)

func codecFromMime(mime string) codecKind {
	switch {
	case strings.EqualFold(mime, webrtc.MimeTypeOpus):
		return codecOpus
	case strings.EqualFold(mime, "audio/red"):
		return codecRED
	case strings.EqualFold(mime, webrtc.MimeTypeVP8):
		return codecVP8
	case strings.EqualFold(mime, webrtc.MimeTypeVP9):
		return codecVP9
	case strings.EqualFold(mime, webrtc.MimeTypeH264):
		return codecH264
	case strings.EqualFold(mime, webrtc.MimeTypeH265):
		return codecH265
	case strings.EqualFold(mime, webrtc.MimeTypeAV1):
		return codecAV1
	}
	return codecOther
}

// matchCodec picks, among the codecs the subscriber negotiated, the one that
// carries the publisher's codec: same MIME type, and for codecs with
// profiles (H.264) the same fmtp line when there is such a codec.
func matchCodec(offered []webrtc.RTPCodecParameters, want webrtc.RTPCodecParameters) (webrtc.RTPCodecParameters, bool) {
	var fallback *webrtc.RTPCodecParameters
	for i := range offered {
		c := &offered[i]
		if !strings.EqualFold(c.MimeType, want.MimeType) {
			continue
		}
		if c.SDPFmtpLine == want.SDPFmtpLine || fmtpEquivalent(c.SDPFmtpLine, want.SDPFmtpLine) {
			return *c, true
		}
		if fallback == nil {
			fallback = c
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return webrtc.RTPCodecParameters{}, false
}

// fmtpEquivalent compares the parameters that decide whether a decoder can
// read a stream: H.264 profile and packetization mode. Other parameters
// (level-asymmetry, ...) may differ.
func fmtpEquivalent(a, b string) bool {
	pa, pb := fmtpParams(a), fmtpParams(b)
	if pa["packetization-mode"] != pb["packetization-mode"] {
		return false
	}
	// profile-level-id: the first two bytes (profile_idc, constraints) decide.
	la, lb := pa["profile-level-id"], pb["profile-level-id"]
	if len(la) >= 4 && len(lb) >= 4 {
		return strings.EqualFold(la[:4], lb[:4])
	}
	return la == lb
}

func fmtpParams(line string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Split(line, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		m[strings.ToLower(k)] = v
	}
	return m
}

// rtxPayloadType finds the RTX payload type associated with pt ("apt=pt").
func rtxPayloadType(codecs []webrtc.RTPCodecParameters, pt webrtc.PayloadType) (webrtc.PayloadType, bool) {
	for _, c := range codecs {
		if !strings.EqualFold(c.MimeType, webrtc.MimeTypeRTX) {
			continue
		}
		if apt, ok := fmtpParams(c.SDPFmtpLine)["apt"]; ok && apt == strconv.Itoa(int(pt)) {
			return c.PayloadType, true
		}
	}
	return 0, false
}
