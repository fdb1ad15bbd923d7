package forward

// sentPacket remembers how one outgoing packet was made, so that it can be
// rebuilt from the layer's packet cache when the subscriber NACKs it.
type sentPacket struct {
	layer     *layer
	srcSeq    uint16
	outSeq    uint16
	outTS     uint32
	pictureID uint16
	tl0picidx uint8
	vp8       bool  // the VP8 descriptor was rewritten
	vp9       bool  // the VP9 descriptor was rewritten
	event     bool  // a telephone event (its own payload type)
	lastRTX   int64 // monoNanos of the last retransmission; 0 = never
	rtxCount  uint8 // retransmissions so far (at most maxRetransmits)
}

// history is a ring of sentPackets indexed by outgoing sequence number.
type history struct {
	entries []sentPacket
	mask    uint16
}

func newHistory(size int) history {
	n := 16
	for n < size && n < 1<<14 {
		n <<= 1
	}
	return history{entries: make([]sentPacket, n), mask: uint16(n - 1)}
}

func (h *history) record(e sentPacket) { h.entries[e.outSeq&h.mask] = e }

// lookup returns the entry for outSeq, or nil when it was overwritten or
// never sent.
func (h *history) lookup(outSeq uint16) *sentPacket {
	e := &h.entries[outSeq&h.mask]
	if e.layer == nil || e.outSeq != outSeq {
		return nil
	}
	return e
}
