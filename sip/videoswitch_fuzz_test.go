package sip

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// FuzzVideoSwitcher plays two cameras' packets in any order, with any
// numbering, markers and payloads (each record of the input is one packet
// or one switch request), and checks the switch rules: nothing is sent
// before a key frame; every switch starts the new camera with a key frame,
// numbered right after the highest sequence number sent, with a timestamp
// after the last one sent.
func FuzzVideoSwitcher(f *testing.F) {
	f.Add([]byte{0x80, 0, 0, 0x07, 0x01, 1, 0, 0x41, 0x80, 1, 1, 0x41, 0xc3, 0, 0, 0x05, 0x81, 1, 1, 0x41})
	f.Add([]byte{0x80, 0, 0, 0x18, 0xc1, 0, 0, 0x1c, 0x01, 5, 3, 0x85})
	f.Fuzz(func(t *testing.T, data []byte) {
		sw := newVideoSwitcher(65000, 1<<32-100)
		names := [2]string{"a", "b"}
		var seq [2]uint16
		var ts [2]uint32
		now := time.Unix(1000, 0)
		var maxSeq uint16
		var lastTS uint32
		started := false
		var out []*rtp.Packet // kept from packet to packet, as a camera's reader does
		for len(data) >= 4 {
			rec := data[:4]
			data = data[4:]
			src := int(rec[0] & 1)
			if rec[0]&0x40 != 0 {
				sw.switchTo(names[src])
			}
			if rec[0]&0x20 != 0 {
				sw.sourceGone(names[src])
			}
			seq[src] += uint16(rec[1]) - 2 // now and then backwards
			ts[src] += uint32(rec[2]) * 1000
			now = now.Add(time.Duration(rec[2]) * time.Millisecond)
			payload := []byte{rec[3], rec[3] & 0x85, 0, 1, 0x65}
			p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq[src], Timestamp: ts[src], Marker: rec[0]&0x80 != 0}, Payload: payload}
			var switched bool
			out, switched = sw.push(names[src], p, now, out[:0])
			if len(out) == 0 {
				continue
			}
			newFrom := len(out) // where the camera switched to starts in out
			if switched {
				newFrom = 0
				if cur, _ := sw.showing(); cur != names[src] && out[0] == p {
					newFrom = 1 // the old camera's last packet, then the held key frame
				}
				if newFrom >= len(out) {
					t.Fatalf("a switch on a packet of %s sent nothing of the new camera", names[src])
				}
				k := out[newFrom]
				if !h264Keyframe(k.Payload) {
					t.Fatalf("a switch starts with a packet that is no key frame: % x", k.Payload)
				}
				if started && newFrom == 0 && k.SequenceNumber != maxSeq+1 {
					t.Fatalf("a switch starts at sequence number %d after %d", k.SequenceNumber, maxSeq)
				}
				if started && newFrom == 0 && int32(k.Timestamp-lastTS) <= 0 {
					t.Fatalf("a switch starts at timestamp %d after %d", k.Timestamp, lastTS)
				}
			} else if !started {
				t.Fatal("packets sent before any switch")
			}
			for i, q := range out {
				if started && i == newFrom && q.SequenceNumber != maxSeq+1 {
					t.Fatalf("the new camera's key frame at sequence number %d after %d", q.SequenceNumber, maxSeq)
				}
				if !started || int16(q.SequenceNumber-maxSeq) > 0 {
					maxSeq = q.SequenceNumber
				}
				if !started || int32(q.Timestamp-lastTS) > 0 {
					lastTS = q.Timestamp
				}
				started = true
			}
		}
	})
}
