package client

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// MimeTypeTelephoneEvent is RFC 4733's named telephone events (DTMF), sent on an
// audio track beside its codec (LocalTrack.WriteTelephoneEvent) and recognised on
// a received one (RemoteTrack.IsTelephoneEvent).
const MimeTypeTelephoneEvent = "audio/telephone-event"

// MimeTypeRED is RFC 2198 redundant audio (Opus in RED, as browsers send it).
const MimeTypeRED = "audio/red"

// codec is one codec the client can send and receive, with the server's payload
// type so that nothing needs rewriting.
type codec struct {
	webrtc.RTPCodecParameters
	kind webrtc.RTPCodecType
}

var videoFeedback = []webrtc.RTCPFeedback{
	{Type: webrtc.TypeRTCPFBNACK},
	{Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"},
	{Type: webrtc.TypeRTCPFBCCM, Parameter: "fir"},
	{Type: webrtc.TypeRTCPFBTransportCC},
}

// h264Fmtp is the fmtp line of an H.264 profile (packetization mode 1).
func h264Fmtp(profileLevelID string) string {
	return "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + profileLevelID
}

// allCodecs are every codec the server accepts, in the server's order of
// preference: Opus first for audio, VP8 first for video. No RTX: a
// retransmission comes on the media SSRC.
var allCodecs = func() []codec {
	audio := func(mime string, rate uint32, channels uint16, fmtp string, pt webrtc.PayloadType, fb ...webrtc.RTCPFeedback) codec {
		return codec{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: mime, ClockRate: rate, Channels: channels, SDPFmtpLine: fmtp, RTCPFeedback: fb,
		}, PayloadType: pt}, webrtc.RTPCodecTypeAudio}
	}
	video := func(mime, fmtp string, pt webrtc.PayloadType) codec {
		return codec{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: mime, ClockRate: 90000, SDPFmtpLine: fmtp, RTCPFeedback: videoFeedback,
		}, PayloadType: pt}, webrtc.RTPCodecTypeVideo}
	}
	return []codec{
		audio(webrtc.MimeTypeOpus, 48000, 2, "minptime=10;useinbandfec=1", 111, webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC}),
		audio(MimeTypeRED, 48000, 2, "111/111", 63),
		audio(webrtc.MimeTypeG722, 8000, 0, "", 9),
		audio(webrtc.MimeTypePCMU, 8000, 0, "", 0),
		audio(webrtc.MimeTypePCMA, 8000, 0, "", 8),
		audio(MimeTypeTelephoneEvent, 48000, 0, "0-16", 110),
		audio(MimeTypeTelephoneEvent, 8000, 0, "0-16", 126),
		video(webrtc.MimeTypeVP8, "", 96),
		video(webrtc.MimeTypeH264, h264Fmtp("42001f"), 102),
		video(webrtc.MimeTypeH264, h264Fmtp("42e01f"), 106),
		video(webrtc.MimeTypeH264, h264Fmtp("4d001f"), 127),
		video(webrtc.MimeTypeH264, h264Fmtp("64001f"), 112),
		video(webrtc.MimeTypeVP9, "profile-id=0", 98),
		video(webrtc.MimeTypeAV1, "", 45),
	}
}()

// defaultCodecs are the codecs of a client without WithCodecs: all but RED, so
// that Opus a browser sends in RED arrives as plain Opus.
func defaultCodecs() []codec {
	var out []codec
	for _, c := range allCodecs {
		if !strings.EqualFold(c.MimeType, MimeTypeRED) {
			out = append(out, c)
		}
	}
	return out
}

// selectCodecs returns the codecs with these MIME types (every profile of H.264,
// both clock rates of telephone-event), or an error naming an unknown one.
func selectCodecs(mimeTypes []string) ([]codec, error) {
	var out []codec
	for _, m := range mimeTypes {
		found := false
		for _, c := range allCodecs {
			if strings.EqualFold(c.MimeType, m) {
				out = append(out, c)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("%w: codec %q is not one the server accepts", ErrInvalidOptions, m)
		}
	}
	return out, nil
}

// pickCodec finds the codec to publish with among the client's codecs: the MIME
// type, and for H.264 the profile of fmtp (default constrained baseline 42e01f).
func pickCodec(enabled []codec, mime, fmtp string) (codec, error) {
	if strings.EqualFold(mime, MimeTypeTelephoneEvent) {
		return codec{}, fmt.Errorf("%w: telephone-event goes beside an audio codec (WriteTelephoneEvent)", ErrInvalidOptions)
	}
	if strings.EqualFold(mime, webrtc.MimeTypeH264) && fmtp == "" {
		fmtp = h264Fmtp("42e01f")
	}
	for _, c := range enabled {
		if !strings.EqualFold(c.MimeType, mime) {
			continue
		}
		if fmtp == "" || sameProfile(c.SDPFmtpLine, fmtp) {
			return c, nil
		}
	}
	return codec{}, fmt.Errorf("%w: codec %q %q is not enabled (see WithCodecs)", ErrInvalidOptions, mime, fmtp)
}

// sameProfile compares H.264 fmtp lines by profile (the first four hex digits of
// profile-level-id); other codecs' lines must be equal.
func sameProfile(a, b string) bool {
	pa, pb := fmtpValue(a, "profile-level-id"), fmtpValue(b, "profile-level-id")
	if len(pa) >= 4 && len(pb) >= 4 {
		return strings.EqualFold(pa[:4], pb[:4])
	}
	return a == b
}

func fmtpValue(line, key string) string {
	for _, kv := range strings.Split(line, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// eventCodec returns the telephone-event codec at clockRate, if enabled.
func eventCodec(enabled []codec, clockRate uint32) (codec, bool) {
	for _, c := range enabled {
		if strings.EqualFold(c.MimeType, MimeTypeTelephoneEvent) && c.ClockRate == clockRate {
			return c, true
		}
	}
	return codec{}, false
}

// payloaderFor returns the RTP payloader that cuts a codec's samples into
// packets, or nil for codecs that only take RTP (RED).
func payloaderFor(mime string) rtp.Payloader {
	switch strings.ToLower(mime) {
	case strings.ToLower(webrtc.MimeTypeVP8):
		return &codecs.VP8Payloader{EnablePictureID: true}
	case strings.ToLower(webrtc.MimeTypeVP9):
		return &codecs.VP9Payloader{}
	case strings.ToLower(webrtc.MimeTypeAV1):
		return &codecs.AV1Payloader{}
	case strings.ToLower(webrtc.MimeTypeH264):
		return &codecs.H264Payloader{}
	case strings.ToLower(webrtc.MimeTypeOpus):
		return &codecs.OpusPayloader{}
	case strings.ToLower(webrtc.MimeTypeG722):
		return &codecs.G722Payloader{}
	case strings.ToLower(webrtc.MimeTypePCMU), strings.ToLower(webrtc.MimeTypePCMA):
		return &codecs.G711Payloader{}
	}
	return nil
}

// videoMimeTypes lists the distinct video codecs among cs.
func videoMimeTypes(cs []codec) []string {
	out := []string{}
	for _, c := range cs {
		if c.kind == webrtc.RTPCodecTypeVideo && !slices.ContainsFunc(out, func(m string) bool { return strings.EqualFold(m, c.MimeType) }) {
			out = append(out, c.MimeType)
		}
	}
	return out
}
