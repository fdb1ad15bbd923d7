package sendbwe

import (
	"encoding/binary"
	"errors"
)

// The RTCP the estimator reads, straight from the wire: transport-wide
// feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01, section 3.1)
// and REMB. Read in place: Pion's parse makes an object per chunk and per
// received packet, tens of allocations per feedback, and a subscriber sends
// several feedback packets a second.

// Packet status symbols; 0 is "not received", 3 is reserved by the draft
// (Pion names it "received without delta"): with no arrival time to read, it
// is counted as not received.
const (
	symbolSmallDelta = 1 // received, a one-byte delta follows
	symbolLargeDelta = 2 // received, a two-byte signed delta follows
)

const (
	twccHeaderSize  = 20     // common feedback header, base, count, reference time
	referenceUnitUs = 64_000 // reference time unit
	deltaUnitUs     = 250    // receive delta unit
)

var (
	errShortTWCC     = errors.New("transport-cc feedback: shorter than its 20-byte header")
	errTWCCChunks    = errors.New("transport-cc feedback: packet status chunks end before the status count")
	errTWCCDeltas    = errors.New("transport-cc feedback: receive deltas end before the received packets")
	errShortREMB     = errors.New("REMB: shorter than its 20-byte header")
	errRTCPVersion   = errors.New("RTCP: version is not 2")
	errRTCPLength    = errors.New("RTCP: length runs past the datagram")
	errRTCPTruncated = errors.New("RTCP: fewer than 4 bytes left for a header")
)

// statusVisitor is told of each packet status of a feedback, in sequence
// order: arrivalUs is the receiver's clock (microseconds, any origin) for a
// received packet. An interface, not a func, so that the visit allocates
// nothing.
type statusVisitor interface {
	status(seq uint16, received bool, arrivalUs int64)
}

// parseTWCC reads one transport-wide feedback packet, pkt holding exactly the
// packet (its RTCP length). v is told of the statuses read before an error, if
// one is found: they were on the wire as well.
func parseTWCC(pkt []byte, v statusVisitor) error {
	if len(pkt) < twccHeaderSize {
		return errShortTWCC
	}
	seq := binary.BigEndian.Uint16(pkt[12:])
	count := int(binary.BigEndian.Uint16(pkt[14:]))
	arrival := int64(uint32(pkt[16])<<16|uint32(pkt[17])<<8|uint32(pkt[18])) * referenceUnitUs

	// The receive deltas follow the chunks: find where the chunks end.
	deltas := twccHeaderSize
	for left := count; left > 0; {
		if deltas+2 > len(pkt) {
			return errTWCCChunks
		}
		left -= min(left, chunkStatuses(binary.BigEndian.Uint16(pkt[deltas:])))
		deltas += 2
	}

	chunk := twccHeaderSize
	left := count
	// one reads the next status: its delta, if any, and tells v.
	one := func(symbol uint16) error {
		left--
		received := false
		switch symbol {
		case symbolSmallDelta:
			if deltas+1 > len(pkt) {
				return errTWCCDeltas
			}
			arrival += int64(pkt[deltas]) * deltaUnitUs
			deltas++
			received = true
		case symbolLargeDelta:
			if deltas+2 > len(pkt) {
				return errTWCCDeltas
			}
			arrival += int64(int16(binary.BigEndian.Uint16(pkt[deltas:]))) * deltaUnitUs
			deltas += 2
			received = true
		}
		v.status(seq, received, arrival)
		seq++
		return nil
	}
	for left > 0 {
		c := binary.BigEndian.Uint16(pkt[chunk:])
		chunk += 2
		switch {
		case c&0x8000 == 0: // run length: a symbol and how many times
			symbol := c >> 13 & 3
			for run := int(c & 0x1fff); run > 0 && left > 0; run-- {
				if err := one(symbol); err != nil {
					return err
				}
			}
		case c&0x4000 == 0: // status vector of 14 one-bit symbols
			for i := 13; i >= 0 && left > 0; i-- {
				if err := one(c >> i & 1); err != nil {
					return err
				}
			}
		default: // status vector of 7 two-bit symbols
			for i := 6; i >= 0 && left > 0; i-- {
				if err := one(c >> (2 * i) & 3); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// chunkStatuses is how many packet statuses a chunk holds.
func chunkStatuses(c uint16) int {
	switch {
	case c&0x8000 == 0:
		return int(c & 0x1fff)
	case c&0x4000 == 0:
		return 14
	default:
		return 7
	}
}

// parseREMB reads the bitrate of a receiver estimated maximum bitrate packet
// (draft-alvestrand-rmcat-remb-03): a 6-bit exponent and an 18-bit mantissa,
// up to 2^81 bit/s, hence a float.
func parseREMB(pkt []byte) (float64, error) {
	if len(pkt) < 20 {
		return 0, errShortREMB
	}
	exp := pkt[17] >> 2
	mantissa := uint64(pkt[17]&3)<<16 | uint64(pkt[18])<<8 | uint64(pkt[19])
	return float64(mantissa) * float64(uint64(1)<<(exp&63)), nil
}

// isREMB reports whether a payload-specific feedback packet (PT 206, FMT 15,
// application layer) is a REMB.
func isREMB(pkt []byte) bool {
	return len(pkt) >= 16 && string(pkt[12:16]) == "REMB"
}
