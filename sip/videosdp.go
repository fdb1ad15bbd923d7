package sip

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// videoOffer is the far end's H.264 video stream the bridge takes: the
// room system's camera, passed into the room without transcoding.
type videoOffer struct {
	index       int            // which m= line of the offer
	remote      netip.AddrPort // where its RTP comes from (per the SDP; latched later)
	rtcpRemote  netip.AddrPort // where its RTCP goes (a=rtcp, else port+1, else the RTP port with rtcp-mux)
	payloadType uint8
	// roomProfile is the profile-level-id the room carries for the offered
	// profile (one of the client's H.264 codecs), answered to the far end.
	roomProfile string
	protos      []string // RTP/AVP or RTP/AVPF, answered as offered
	rtcpMux     bool
	pli, fir    bool // the far end takes RTCP PLI / FIR (a=rtcp-fb)
	direction   string
	// crypto is the far end's chosen a=crypto line when the video is
	// RTP/SAVP(F); answerCrypto ours, set by the call (videosrtp.go).
	crypto, answerCrypto *cryptoAttr
}

// farEndReceives reports whether the far end takes the video the bridge
// sends: not while it holds the video (sendonly or inactive, RFC 6337), when
// nothing is sent to it.
func (v *videoOffer) farEndReceives() bool {
	return v != nil && (v.direction == "sendrecv" || v.direction == "recvonly")
}

// takeVideo picks the offer's first video stream with H.264 in packetization
// mode 1 in a profile the room carries, protected as the audio is: over
// plain RTP (RTP/AVP, RTP/AVPF) when the audio is, over SRTP keyed by SDES
// (RTP/SAVP, RTP/SAVPF with a usable a=crypto) when the audio is SRTP, so
// that a call's video is never in clear beside encrypted audio, nor the
// reverse. Anything else leaves o.video nil, and the answer refuses the
// line (port 0).
func (o *offer) takeVideo(sd *sdp.SessionDescription) {
	for i, m := range sd.MediaDescriptions {
		if m.MediaName.Media != "video" || m.MediaName.Port.Value <= 0 || m.MediaName.Port.Value > 65535 {
			continue
		}
		var crypto *cryptoAttr
		switch strings.Join(m.MediaName.Protos, "/") {
		case "RTP/AVP", "RTP/AVPF":
			if o.crypto != nil {
				continue
			}
		case "RTP/SAVP", "RTP/SAVPF":
			c, err := chooseCrypto(m)
			if o.crypto == nil || err != nil {
				continue
			}
			crypto = c
		default:
			continue
		}
		pt, profile, ok := chooseH264(m)
		if !ok {
			continue
		}
		conn := m.ConnectionInformation
		if conn == nil {
			conn = sd.ConnectionInformation
		}
		if conn == nil || conn.Address == nil {
			continue
		}
		addr, err := netip.ParseAddr(strings.SplitN(conn.Address.Address, "/", 2)[0])
		if err != nil {
			continue
		}
		port := uint16(m.MediaName.Port.Value)
		v := &videoOffer{index: i, remote: netip.AddrPortFrom(addr.Unmap(), port), payloadType: pt, roomProfile: profile,
			protos: m.MediaName.Protos, direction: direction(m, sd), crypto: crypto}
		v.rtcpRemote = netip.AddrPortFrom(addr.Unmap(), port+1)
		for _, a := range m.Attributes {
			switch a.Key {
			case "rtcp-mux":
				v.rtcpMux = true
			case "rtcp":
				if p, err := strconv.ParseUint(strings.Fields(a.Value + " x")[0], 10, 16); err == nil && p > 0 {
					v.rtcpRemote = netip.AddrPortFrom(v.rtcpRemote.Addr(), uint16(p))
				}
			case "rtcp-fb":
				f := strings.Fields(a.Value)
				if len(f) < 2 || (f[0] != "*" && f[0] != strconv.Itoa(int(pt))) {
					continue
				}
				switch {
				case f[1] == "nack" && len(f) > 2 && f[2] == "pli":
					v.pli = true
				case f[1] == "ccm" && len(f) > 2 && f[2] == "fir":
					v.fir = true
				}
			}
		}
		if v.rtcpMux {
			v.rtcpRemote = v.remote
		}
		o.video = v
		return
	}
}

// chooseH264 returns the first H.264 format of m in packetization mode 1
// whose profile the room carries, and the room's profile-level-id for it.
func chooseH264(m *sdp.MediaDescription) (uint8, string, bool) {
	for _, f := range m.MediaName.Formats {
		n, err := strconv.Atoi(f)
		if err != nil || n < 96 || n > 127 {
			continue
		}
		name, rate, ok := rtpmap(m, n)
		if !ok || !strings.EqualFold(name, "H264") || rate != 90000 {
			continue
		}
		params := fmtpParams(m, n)
		if params["packetization-mode"] != "1" {
			continue
		}
		plid, ok := params["profile-level-id"]
		if !ok {
			plid = "42000a" // RFC 6184 8.1: baseline, level 1.0
		}
		if profile, ok := roomH264Profile(plid); ok {
			return uint8(n), profile, true
		}
	}
	return 0, "", false
}

// fmtpParams reads "a=fmtp:<pt> k=v;k=v" of pt into a map (keys in lower case).
func fmtpParams(m *sdp.MediaDescription, pt int) map[string]string {
	out := map[string]string{}
	prefix := strconv.Itoa(pt) + " "
	for _, a := range m.Attributes {
		if a.Key != "fmtp" || !strings.HasPrefix(a.Value, prefix) {
			continue
		}
		for _, kv := range strings.Split(a.Value[len(prefix):], ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			out[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return out
}

// roomH264Profile maps an offered profile-level-id (RFC 6184: profile_idc,
// profile-iop, level_idc in hex) to the one among the room's H.264 codecs
// (signalling/client) of the same profile: constrained baseline 42e01f,
// baseline 42001f, main 4d001f, high 64001f, all at level 3.1. The room's
// level is what the bridge answers: a room system then sends at most 3.1
// (1280x720 at 30 fps), which every subscriber decodes.
func roomH264Profile(plid string) (string, bool) {
	if len(plid) != 6 {
		return "", false
	}
	v, err := strconv.ParseUint(plid, 16, 32)
	if err != nil {
		return "", false
	}
	idc, iop := byte(v>>16), byte(v>>8)
	switch {
	case idc == 0x42 && iop&0x40 != 0, idc == 0x4d && iop&0x80 != 0, idc == 0x58 && iop&0xc0 == 0xc0:
		return "42e01f", true // constrained baseline, however it is spelt (RFC 6184 table 5)
	case idc == 0x42:
		return "42001f", true
	case idc == 0x4d:
		return "4d001f", true
	case idc == 0x64:
		return "64001f", true
	}
	return "", false
}

// answerVideo is the answer's m=video line: the chosen H.264 on our video
// port, in the direction the offer allows (the caller's camera to the room,
// a room camera to the caller).
func (v *videoOffer) answerVideo(local netip.AddrPort) *sdp.MediaDescription {
	pt := strconv.Itoa(int(v.payloadType))
	md := &sdp.MediaDescription{
		MediaName: sdp.MediaName{Media: "video", Port: sdp.RangedPort{Value: int(local.Port())}, Protos: v.protos, Formats: []string{pt}},
	}
	if v.answerCrypto != nil {
		md.WithValueAttribute("crypto", v.answerCrypto.String())
	}
	md.WithValueAttribute("rtpmap", pt+" H264/90000")
	md.WithValueAttribute("fmtp", pt+" profile-level-id="+v.roomProfile+";packetization-mode=1")
	if v.pli {
		md.WithValueAttribute("rtcp-fb", pt+" nack pli")
	}
	if v.fir {
		md.WithValueAttribute("rtcp-fb", pt+" ccm fir")
	}
	if v.rtcpMux {
		md.WithPropertyAttribute("rtcp-mux")
	} else {
		// RFC 3605: the far end's RTCP (its PLI and FIR) to the one video
		// socket, told apart from RTP by its packet type.
		md.WithValueAttribute("rtcp", strconv.Itoa(int(local.Port())))
	}
	md.WithPropertyAttribute(answerDirection(v.direction))
	return md
}
