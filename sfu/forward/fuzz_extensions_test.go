package forward

import (
	"bytes"
	"testing"

	"github.com/pion/rtp"
)

// FuzzExtensions parses an arbitrary RTP header as a publisher's packet and
// remaps its header extensions to a subscriber, as every forwarded packet is:
// audio level, abs-capture-time, video orientation, playout delay and the
// dependency descriptor are copied, abs-send-time is regenerated, everything
// else (mid, rid, transport-wide CC) is dropped. ids holds the publisher's ids
// by kind (bytes 0-5, 0 = not negotiated) then the subscriber's (bytes 6-11).
// Checked: nothing panics; the remapped header marshals and parses back; it
// carries only the subscriber's ids; each forwarded value that the subscriber
// negotiated arrives unchanged under its id (unless two kinds share the id);
// abs-send-time is the regenerated value.
func FuzzExtensions(f *testing.F) {
	browser := []byte{1, 2, 13, 12, 11, 3 /* pub */, 7, 9, 4, 6, 12, 3 /* sub */}
	header := func(profile uint16, exts map[uint8][]byte) []byte {
		h := rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1, SSRC: 1}
		for id, v := range exts {
			if profile == rtp.ExtensionProfileTwoByte {
				h.Extension, h.ExtensionProfile = true, profile
			}
			_ = h.SetExtension(id, v)
		}
		b, _ := h.Marshal()
		return b
	}
	f.Add(browser, header(rtp.ExtensionProfileOneByte, map[uint8][]byte{1: {0x85}, 2: {1, 2, 3, 4, 5, 6, 7, 8}, 3: {0, 0, 1},
		4: []byte("0"), 5: []byte("h"), 13: {1}}))
	f.Add(browser, header(rtp.ExtensionProfileTwoByte, map[uint8][]byte{11: {0x80, 0x01, 0x02}, 12: {0, 1, 2}, 200: bytes.Repeat([]byte{7}, 40)}))
	f.Add([]byte{1, 2, 13, 12, 200, 3, 7, 15, 4, 6, 16, 3}, header(rtp.ExtensionProfileTwoByte, map[uint8][]byte{200: bytes.Repeat([]byte{9}, 255)}))
	f.Add([]byte{1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2}, header(rtp.ExtensionProfileOneByte, map[uint8][]byte{1: {0x7f}}))
	f.Add(browser, []byte{0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0})
	f.Fuzz(func(t *testing.T, ids, raw []byte) {
		if len(ids) < 2*int(numExtKinds) {
			return
		}
		var pub, sub extIDs
		copy(pub[:], ids[:numExtKinds])
		copy(sub[:], ids[numExtKinds:2*numExtKinds])
		var src rtp.Header
		if _, err := src.Unmarshal(raw); err != nil {
			return
		}
		abs := []byte{0xab, 0xcd, 0xef}
		var v extValues
		readExtensions(&v, &src, &pub, abs)
		var dst rtp.Header
		dst.Version, dst.SSRC = 2, 2
		remapExtensions(&dst, &v, &sub, !sub.oneByte())

		out, err := (&rtp.Packet{Header: dst, Payload: []byte{1}}).Marshal()
		if err != nil {
			t.Fatalf("remapped header does not marshal: %v (ids %v)", err, ids[:2*numExtKinds])
		}
		var back rtp.Packet
		if err := back.Unmarshal(out); err != nil {
			t.Fatalf("remapped header does not parse: %v", err)
		}
		uses := map[uint8]int{}
		for _, id := range sub {
			uses[id]++
		}
		for _, id := range back.GetExtensionIDs() {
			if id == 0 || uses[id] == 0 {
				t.Fatalf("extension id %d is not one of the subscriber's %v", id, sub)
			}
		}
		for k := extKind(0); k < numExtKinds; k++ {
			id := sub[k]
			if id == 0 || uses[id] > 1 || len(v[k]) == 0 {
				continue
			}
			got := back.GetExtension(id)
			if k == extAbsSendTime {
				if !bytes.Equal(got, abs) {
					t.Fatalf("abs-send-time %x, want the regenerated %x", got, abs)
				}
				continue
			}
			if !bytes.Equal(got, v[k]) && !(dst.ExtensionProfile == rtp.ExtensionProfileOneByte && len(v[k]) > 16) {
				t.Fatalf("extension kind %d: %x arrived as %x under id %d", k, v[k], got, id)
			}
		}
	})
}
