// Package packetcache keeps the most recent RTP packets of one incoming stream so
// that lost packets can be retransmitted when a subscriber sends a NACK.
//
// A Cache is a fixed ring of preallocated buffers indexed by the low bits of the
// RTP sequence number. Storing and looking up a packet copies bytes and never
// allocates, so the cache can sit on the media hot path. Sequence numbers are
// unwrapped to 64-bit counters internally, so a lookup never returns a packet
// from a previous turn of the 16-bit sequence space.
//
//	c := packetcache.New(512)
//	c.Store(pkt.SequenceNumber, raw)
//	if n, ok := c.Get(seq, buf); ok {
//		retransmit(buf[:n])
//	}
package packetcache
