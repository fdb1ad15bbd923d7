package forward

import (
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// URIs of the header extensions the SFU forwards, besides those in package sdp.
const (
	AbsCaptureTimeURI   = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"
	VideoOrientationURI = "urn:3gpp:video-orientation"
	PlayoutDelayURI     = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"
)

// extKind numbers the header extensions the SFU forwards. Everything else is
// dropped: in particular sdes:mid and sdes:rid (they name the publisher's
// transceiver and layer, meaningless to the subscriber) and transport-wide CC
// (a per-transport counter that the subscriber side's TWCC interceptor writes
// anew).
type extKind uint8

const (
	extAudioLevel extKind = iota
	extAbsCaptureTime
	extVideoOrientation
	extPlayoutDelay
	extDependencyDescriptor
	extAbsSendTime // regenerated at send time, never copied
	numExtKinds
)

var extURIs = [numExtKinds]string{
	extAudioLevel:           sdp.AudioLevelURI,
	extAbsCaptureTime:       AbsCaptureTimeURI,
	extVideoOrientation:     VideoOrientationURI,
	extPlayoutDelay:         PlayoutDelayURI,
	extDependencyDescriptor: DependencyDescriptorURI,
	extAbsSendTime:          sdp.ABSSendTimeURI,
}

// extIDs holds one side's negotiated extension id per kind; 0 = not negotiated.
type extIDs [numExtKinds]uint8

func newExtIDs(params []webrtc.RTPHeaderExtensionParameter) extIDs {
	var ids extIDs
	for _, p := range params {
		for k, uri := range extURIs {
			if p.URI == uri && p.ID > 0 && p.ID < 256 {
				ids[k] = uint8(p.ID)
			}
		}
	}
	return ids
}

// oneByte reports whether every id fits the one-byte header form (RFC 8285).
func (ids *extIDs) oneByte() bool {
	for _, id := range ids {
		if id > 14 {
			return false
		}
	}
	return true
}

// extValues holds one packet's values of the forwarded extensions, by kind
// (nil = absent). They are read from the source packet once, not once per
// subscriber.
type extValues [numExtKinds][]byte

// readExtensions fills v from src, whose extension ids are pub. absSendTime
// is the value to send for abs-send-time (regenerated, not copied).
func readExtensions(v *extValues, src *rtp.Header, pub *extIDs, absSendTime []byte) {
	for k := extKind(0); k < numExtKinds; k++ {
		v[k] = nil
		if id := pub[k]; id != 0 && src.Extension && k != extAbsSendTime {
			v[k] = src.GetExtension(id)
		}
	}
	v[extAbsSendTime] = absSendTime
}

// remapExtensions sets on dst the extension values the subscriber negotiated,
// under the subscriber's ids. dst.Extensions keeps its capacity, so this
// allocates nothing once dst has room for numExtKinds extensions.
func remapExtensions(dst *rtp.Header, v *extValues, sub *extIDs, twoByte bool) {
	if !twoByte {
		// A dependency descriptor with its template structure (key frames)
		// is often longer than the 16 bytes of the one-byte form.
		for k := range v {
			if sub[k] != 0 && len(v[k]) > 16 {
				twoByte = true
				break
			}
		}
	}
	dst.Extension = false
	dst.Extensions = dst.Extensions[:0]
	for k := extKind(0); k < numExtKinds; k++ {
		subID, payload := sub[k], v[k]
		if subID == 0 || len(payload) == 0 {
			continue
		}
		if !dst.Extension {
			dst.Extension = true
			dst.ExtensionProfile = rtp.ExtensionProfileOneByte
			if twoByte {
				dst.ExtensionProfile = rtp.ExtensionProfileTwoByte
			}
		}
		// Errors (a payload too long for the one-byte form) drop the extension.
		_ = dst.SetExtension(subID, payload)
	}
}

// putAbsSendTime writes the abs-send-time value for wall time t: seconds in
// 6.18 fixed point, 24 bits.
func putAbsSendTime(b *[3]byte, t time.Time) {
	ns := uint64(t.UnixNano())
	sec, frac := ns/uint64(time.Second), ns%uint64(time.Second)
	v := (sec<<18 | (frac<<18)/uint64(time.Second)) & 0xffffff
	b[0], b[1], b[2] = byte(v>>16), byte(v>>8), byte(v)
}
