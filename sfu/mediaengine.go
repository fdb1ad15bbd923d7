package sfu

import (
	"fmt"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Header extension URIs Pion has no constant for.
const (
	absCaptureTimeURI   = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"
	videoOrientationURI = "urn:3gpp:video-orientation"
	// dependencyDescriptorURI carries the AV1 layer of each frame, which the
	// forwarder needs for temporal layer selection.
	dependencyDescriptorURI = "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension"
)

// The codecs the SFU accepts from publishers and offers to subscribers. Payload
// types follow the ones browsers commonly use so that rewriting is rarely needed.
var (
	opusCodec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine:  "minptime=10;useinbandfec=1;usedtx=1",
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBTransportCC}},
		},
		PayloadType: 111,
	}
	redCodec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: "audio/red", ClockRate: 48000, Channels: 2, SDPFmtpLine: "111/111",
		},
		PayloadType: 63,
	}
	// narrowbandCodecs serve SIP bridges and other clients that do not speak
	// Opus; they come after Opus so that browsers keep Opus. Telephone-event
	// (RFC 4733 DTMF) exists at both clock rates, beside Opus and beside the
	// 8 kHz codecs. Static payload types 0, 8 and 9 are the RFC 3551 ones.
	narrowbandCodecs = []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeG722, ClockRate: 8000}, PayloadType: 9},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, PayloadType: 8},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mimeTelephoneEvent, ClockRate: 48000, SDPFmtpLine: "0-16"}, PayloadType: 110},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mimeTelephoneEvent, ClockRate: 8000, SDPFmtpLine: "0-16"}, PayloadType: 126},
	}
)

// mimeTelephoneEvent is RFC 4733's named telephone events (DTMF).
const mimeTelephoneEvent = "audio/telephone-event"

type videoCodec struct {
	mime      string
	fmtp      string
	pt, rtxPT webrtc.PayloadType
}

var videoCodecs = []videoCodec{
	{webrtc.MimeTypeVP8, "", 96, 97},
	{webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f", 102, 103},
	{webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", 106, 107},
	{webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f", 127, 125},
	{webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f", 112, 113},
	{webrtc.MimeTypeVP9, "profile-id=0", 98, 99},
	{webrtc.MimeTypeAV1, "", 45, 46},
}

func videoFeedback() []webrtc.RTCPFeedback {
	return []webrtc.RTCPFeedback{
		{Type: webrtc.TypeRTCPFBNACK},
		{Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"},
		{Type: webrtc.TypeRTCPFBCCM, Parameter: "fir"},
		{Type: webrtc.TypeRTCPFBTransportCC},
	}
}

// newMediaEngine registers the codecs and header extensions of the SFU.
func newMediaEngine() (*webrtc.MediaEngine, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(opusCodec, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register opus: %w", err)
	}
	if err := m.RegisterCodec(redCodec, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register red: %w", err)
	}
	for _, c := range narrowbandCodecs {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("register %s/%d: %w", c.MimeType, c.ClockRate, err)
		}
	}
	for _, vc := range videoCodecs {
		c := webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: vc.mime, ClockRate: 90000, SDPFmtpLine: vc.fmtp, RTCPFeedback: videoFeedback(),
			},
			PayloadType: vc.pt,
		}
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, fmt.Errorf("register %s: %w", vc.mime, err)
		}
		rtx := webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: fmt.Sprintf("apt=%d", vc.pt),
			},
			PayloadType: vc.rtxPT,
		}
		if err := m.RegisterCodec(rtx, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, fmt.Errorf("register rtx for %s: %w", vc.mime, err)
		}
	}

	both := []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo}
	exts := []struct {
		uri   string
		kinds []webrtc.RTPCodecType
	}{
		{sdp.SDESMidURI, both},
		{sdp.AudioLevelURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio}},
		{sdp.ABSSendTimeURI, both},
		{absCaptureTimeURI, both},
		{videoOrientationURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
		{dependencyDescriptorURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
		{sdp.SDESRTPStreamIDURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
		{sdp.SDESRepairRTPStreamIDURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
	}
	for _, e := range exts {
		for _, k := range e.kinds {
			if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: e.uri}, k); err != nil {
				return nil, fmt.Errorf("register header extension %s: %w", e.uri, err)
			}
		}
	}
	return m, nil
}

// newInterceptors builds the registry: NACK generation toward publishers, TWCC
// feedback for their streams, transport-wide sequence numbers toward
// subscribers, and RTCP receiver reports. There is no NACK responder (the media
// path answers NACKs from its own packet cache) and no sender-report generator
// (the DownTracks send theirs, mapped from the publishers' reports). On a
// publisher connection a header cache comes before the three receiving
// interceptors, so that they share one parsed header per stream instead of
// allocating one per packet (headerCache).
//
// counter, when not nil, comes first, closest to the transport, so that it
// sees the RTCP every other interceptor writes (rtcpCounter).
//
// bwe, when not nil, makes the registry one of subscriber connections, with
// bwe as their bandwidth estimator: it must come before the TWCC header
// extension writer, whose sequence numbers it reads on the way out. A
// subscriber connection receives no media, so it gets none of the receiving
// side's interceptors (NACK generator, TWCC feedback, receiver reports): each
// runs a ticking goroutine per connection (every 100 ms for the first two),
// and the receiver reports' parsed every RTCP packet the subscriber sends
// (rtcp.Unmarshal, allocating) for sender reports that never come.
func newInterceptors(m *webrtc.MediaEngine, counter, bwe, twcc interceptor.Factory) (*interceptor.Registry, error) {
	reg := &interceptor.Registry{}
	if counter != nil {
		// First: the interceptors registered after it write their RTCP
		// (receiver reports, NACKs) through it.
		reg.Add(counter)
	}
	subscriber := bwe != nil
	if subscriber {
		reg.Add(bwe)
		// Subscribers are asked for TWCC feedback, read by the estimator.
		m.RegisterFeedback(webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC}, webrtc.RTPCodecTypeVideo)
		m.RegisterFeedback(webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC}, webrtc.RTPCodecTypeAudio)
	} else {
		// Before the three receiving interceptors: they find each
		// packet's header parsed, in a map reused per stream.
		reg.Add(headerCacheFactory{})
		gen, err := nack.NewGeneratorInterceptor()
		if err != nil {
			return nil, fmt.Errorf("nack generator: %w", err)
		}
		reg.Add(gen)
		if err := webrtc.ConfigureTWCCSender(m, reg); err != nil {
			return nil, fmt.Errorf("twcc sender: %w", err)
		}
	}
	// Subscribers' transport-wide sequence numbers let them send TWCC feedback,
	// the base of their bandwidth estimate.
	// twccext instead of webrtc.ConfigureTWCCHeaderExtensionSender: Pion's
	// interceptor allocates per packet and subscriber.
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.TransportCCURI}, kind); err != nil {
			return nil, fmt.Errorf("twcc header extension: %w", err)
		}
	}
	reg.Add(twcc)
	// Receiver reports toward publishers only: the DownTracks send their own
	// sender reports, mapped from the publishers' (package forward, senderreport.go).
	// Pion's would map the forwarding time instead, and contradict them.
	if !subscriber {
		rr, err := report.NewReceiverInterceptor()
		if err != nil {
			return nil, fmt.Errorf("receiver reports: %w", err)
		}
		reg.Add(rr)
	}
	return reg, nil
}
