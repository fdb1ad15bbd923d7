package sip

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/ensemble-sfu/ensemble/sip/internal/codec"
)

// maxSDPBytes bounds an offer: a room system's offer with video is a few kB.
const maxSDPBytes = 16 << 10

// offer is what the bridge takes from the far end's SDP: where to send audio,
// in which codec, and the other media lines it must answer (refused).
type offer struct {
	remote      netip.AddrPort // RTP destination (port 0: on hold without address)
	codec       codec.Info
	payloadType uint8
	eventPT     int // telephone-event/8000 payload type; -1 when not offered
	direction   string
	media       []*sdp.MediaDescription // every m= line, for the answer
	audioIndex  int                     // which of them is the chosen audio
	// crypto is the far end's chosen a=crypto line when the audio is
	// RTP/SAVP (nil for RTP/AVP); answerCrypto is ours, set by the call
	// (srtp.go) before it answers.
	crypto, answerCrypto *cryptoAttr
	// video is the far end's H.264 camera the bridge takes (videosdp.go),
	// nil when it offered none it can take; videoLocal is our video RTP
	// address, set by the call before it answers.
	video      *videoOffer
	videoLocal netip.AddrPort
}

// parseOffer reads an SDP offer and picks the first audio codec in the far end's
// order of preference that the bridge speaks, in the first audio stream over
// RTP/SAVP that has one (SRTP when the far end offers it), else the first
// over RTP/AVP. A body it cannot parse is ErrBadSDP; a malformed a=crypto
// ErrBadCrypto; no usable audio stream is ErrNoCommonCodec, or
// ErrNoCommonCrypto when an RTP/SAVP stream's keys were what failed.
func parseOffer(body []byte) (*offer, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty body (offerless INVITE is not supported)", ErrBadSDP)
	}
	if len(body) > maxSDPBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrBadSDP, len(body), maxSDPBytes)
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(body)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSDP, err)
	}
	o := &offer{media: sd.MediaDescriptions, audioIndex: -1, eventPT: -1}
	var cryptoErr error
	for _, secure := range []bool{true, false} {
		for i, m := range sd.MediaDescriptions {
			if o.audioIndex >= 0 || m.MediaName.Media != "audio" || m.MediaName.Port.Value == 0 {
				continue
			}
			crypto, err := streamCrypto(m)
			switch {
			case errors.Is(err, ErrBadCrypto):
				return nil, err
			case errors.Is(err, ErrNoCommonCrypto):
				cryptoErr = err
				continue
			case err != nil, (crypto != nil) != secure:
				continue
			}
			if err := o.takeAudio(&sd, i, m); err != nil {
				return nil, err
			}
			if o.audioIndex == i {
				o.crypto = crypto
			}
		}
	}
	if o.audioIndex < 0 && cryptoErr != nil {
		return nil, cryptoErr
	}
	if o.audioIndex < 0 {
		return nil, fmt.Errorf("%w: the offer's audio is none of %s over RTP/AVP or RTP/SAVP", ErrNoCommonCodec, codecNames())
	}
	o.takeVideo(&sd)
	return o, nil
}

// takeAudio makes m, the i-th stream, the offer's audio if it has a codec the
// bridge speaks.
func (o *offer) takeAudio(sd *sdp.SessionDescription, i int, m *sdp.MediaDescription) error {
	c, pt, ok := chooseCodec(m)
	if !ok {
		return nil
	}
	conn := m.ConnectionInformation
	if conn == nil {
		conn = sd.ConnectionInformation
	}
	if conn == nil || conn.Address == nil {
		return fmt.Errorf("%w: audio stream without a connection address (c=)", ErrBadSDP)
	}
	host := strings.SplitN(conn.Address.Address, "/", 2)[0]
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: connection address %q is not an IP address", ErrBadSDP, conn.Address.Address)
	}
	port := m.MediaName.Port.Value
	if port <= 0 || port > 65535 {
		return fmt.Errorf("%w: audio port %d", ErrBadSDP, port)
	}
	o.remote = netip.AddrPortFrom(addr.Unmap(), uint16(port))
	o.codec, o.payloadType, o.audioIndex = c, pt, i
	o.eventPT = eventPayloadType(m)
	o.direction = direction(m, sd)
	return nil
}

func codecNames() string {
	var names []string
	for _, c := range codec.All {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

// chooseCodec returns the first format of m the bridge speaks: static payload
// types by number (unless an rtpmap says otherwise), dynamic ones by rtpmap.
func chooseCodec(m *sdp.MediaDescription) (codec.Info, uint8, bool) {
	for _, f := range m.MediaName.Formats {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n > 127 {
			continue
		}
		if name, rate, ok := rtpmap(m, n); ok {
			if c, ok := codec.Lookup(name, rate); ok {
				return c, uint8(n), true
			}
			continue
		}
		for _, c := range codec.All {
			if c.StaticPT == n {
				return c, uint8(n), true
			}
		}
	}
	return codec.Info{}, 0, false
}

// rtpmap finds "a=rtpmap:<pt> <name>/<rate>[/<channels>]" for pt.
func rtpmap(m *sdp.MediaDescription, pt int) (string, uint32, bool) {
	prefix := strconv.Itoa(pt) + " "
	for _, a := range m.Attributes {
		if a.Key != "rtpmap" || !strings.HasPrefix(a.Value, prefix) {
			continue
		}
		parts := strings.Split(strings.TrimSpace(a.Value[len(prefix):]), "/")
		if len(parts) < 2 {
			return "", 0, false
		}
		rate, err := strconv.ParseUint(parts[1], 10, 32)
		if err != nil {
			return "", 0, false
		}
		return parts[0], uint32(rate), true
	}
	return "", 0, false
}

func eventPayloadType(m *sdp.MediaDescription) int {
	for _, f := range m.MediaName.Formats {
		n, err := strconv.Atoi(f)
		if err != nil || n < 96 || n > 127 {
			continue
		}
		if name, rate, ok := rtpmap(m, n); ok && strings.EqualFold(name, "telephone-event") && rate == 8000 {
			return n
		}
	}
	return -1
}

// direction is the audio stream's sendrecv/sendonly/recvonly/inactive (media
// level first, then session level; sendrecv when neither says).
func direction(m *sdp.MediaDescription, sd *sdp.SessionDescription) string {
	for _, attrs := range [][]sdp.Attribute{m.Attributes, sd.Attributes} {
		for _, a := range attrs {
			switch a.Key {
			case "sendrecv", "sendonly", "recvonly", "inactive":
				return a.Key
			}
		}
	}
	return "sendrecv"
}

// answerDirection mirrors the offer: a far end that only sends (hold from its
// side, RFC 6337) hears nothing from us.
func answerDirection(offered string) string {
	switch offered {
	case "sendonly":
		return "recvonly"
	case "recvonly":
		return "sendonly"
	case "inactive":
		return "inactive"
	}
	return "sendrecv"
}

// answer builds the SDP answer: the chosen codec (and telephone-event when
// offered) on our RTP address, every other m= line refused with port 0.
func (o *offer) answer(local netip.AddrPort, sessionID uint64, version uint64) ([]byte, error) {
	ip := local.Addr().String()
	sd := sdp.SessionDescription{
		Version: 0,
		Origin: sdp.Origin{
			Username: "ensemble", SessionID: sessionID, SessionVersion: version,
			NetworkType: "IN", AddressType: addrType(local.Addr()), UnicastAddress: ip,
		},
		SessionName:           "Ensemble",
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: addrType(local.Addr()), Address: &sdp.Address{Address: ip}},
		TimeDescriptions:      []sdp.TimeDescription{{Timing: sdp.Timing{}}},
	}
	for i, m := range o.media {
		if o.video != nil && i == o.video.index && o.videoLocal.Port() != 0 {
			if o.video.crypto != nil && o.video.answerCrypto == nil {
				return nil, fmt.Errorf("sip: an SRTP video answer without a key of ours")
			}
			sd.MediaDescriptions = append(sd.MediaDescriptions, o.video.answerVideo(o.videoLocal))
			continue
		}
		if i != o.audioIndex {
			sd.MediaDescriptions = append(sd.MediaDescriptions, &sdp.MediaDescription{
				MediaName: sdp.MediaName{Media: m.MediaName.Media, Port: sdp.RangedPort{Value: 0}, Protos: m.MediaName.Protos, Formats: m.MediaName.Formats},
			})
			continue
		}
		formats := []string{strconv.Itoa(int(o.payloadType))}
		md := &sdp.MediaDescription{
			MediaName: sdp.MediaName{Media: "audio", Port: sdp.RangedPort{Value: int(local.Port())}, Protos: []string{"RTP", "AVP"}},
		}
		if o.crypto != nil {
			if o.answerCrypto == nil {
				return nil, fmt.Errorf("sip: an SRTP answer without a key of ours")
			}
			md.MediaName.Protos = []string{"RTP", "SAVP"}
			md.WithValueAttribute("crypto", o.answerCrypto.String())
		}
		name := fmt.Sprintf("%d %s/%d", o.payloadType, o.codec.Name, o.codec.ClockRate)
		if o.codec.Channels > 1 {
			name += "/" + strconv.Itoa(o.codec.Channels)
		}
		md.WithValueAttribute("rtpmap", name)
		if o.codec.Name == codec.Opus.Name {
			md.WithValueAttribute("fmtp", strconv.Itoa(int(o.payloadType))+" useinbandfec=1")
		}
		if o.eventPT >= 0 {
			formats = append(formats, strconv.Itoa(o.eventPT))
			md.WithValueAttribute("rtpmap", strconv.Itoa(o.eventPT)+" telephone-event/8000")
			md.WithValueAttribute("fmtp", strconv.Itoa(o.eventPT)+" 0-16")
		}
		md.MediaName.Formats = formats
		md.WithValueAttribute("ptime", strconv.Itoa(codec.FrameMillis))
		md.WithPropertyAttribute(answerDirection(o.direction))
		sd.MediaDescriptions = append(sd.MediaDescriptions, md)
	}
	return sd.Marshal()
}

func addrType(a netip.Addr) string {
	if a.Is4() {
		return "IP4"
	}
	return "IP6"
}
