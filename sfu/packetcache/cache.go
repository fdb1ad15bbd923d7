package packetcache

import "sync"

// MaxPacketSize is the largest packet a slot holds; larger packets are not
// cached (WebRTC keeps packets under the path MTU, about 1200 bytes).
const MaxPacketSize = 1500

// maxCapacity keeps the ring well under half the sequence space, so the
// unwrapping of sequence numbers stays unambiguous.
const maxCapacity = 1 << 14

// slot describes the packet held in one ring position.
type slot struct {
	extSeq uint64 // unwrapped sequence number of the packet held; valid only if size > 0
	size   uint16
}

// Cache is a ring of the most recent packets of one stream, indexed by RTP
// sequence number. It is safe for one writer and any number of readers.
type Cache struct {
	mu      sync.Mutex
	mask    uint64
	slots   []slot
	data    []byte // len(slots) * MaxPacketSize bytes, one region per slot
	started bool
	newest  uint64 // unwrapped sequence number of the newest packet stored
}

// New returns a cache holding up to capacity packets. capacity is rounded up to
// a power of two and clamped to [16, 16384].
func New(capacity int) *Cache {
	n := 16
	for n < capacity && n < maxCapacity {
		n <<= 1
	}
	return &Cache{
		mask:  uint64(n - 1),
		slots: make([]slot, n),
		data:  make([]byte, n*MaxPacketSize),
	}
}

// Capacity is the number of packets the cache holds.
func (c *Cache) Capacity() int { return len(c.slots) }

// unwrap maps a 16-bit sequence number to the 64-bit counter closest to the
// newest packet seen. Callers hold c.mu and have checked c.started.
func (c *Cache) unwrap(seq uint16) uint64 {
	delta := int64(int16(seq - uint16(c.newest)))
	ext := int64(c.newest) + delta
	if ext < 0 {
		// Before the first packet of the stream: map it far away so that it
		// never matches a stored packet.
		return 1<<63 + uint64(seq)
	}
	return uint64(ext)
}

// Store copies pkt (a whole RTP packet) into the slot for seq. Packets larger
// than MaxPacketSize are not stored and Store reports false.
func (c *Cache) Store(seq uint16, pkt []byte) bool {
	if len(pkt) == 0 || len(pkt) > MaxPacketSize {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var ext uint64
	if !c.started {
		// Start the counter one full turn up, so that packets slightly older
		// than the first one still unwrap to non-negative values.
		ext = 1<<16 + uint64(seq)
		c.started = true
		c.newest = ext
	} else {
		ext = c.unwrap(seq)
		if ext+c.mask < c.newest {
			// Older than anything the ring can still hold.
			return false
		}
		if ext > c.newest {
			c.newest = ext
		}
	}
	i := ext & c.mask
	copy(c.data[i*MaxPacketSize:], pkt)
	c.slots[i] = slot{extSeq: ext, size: uint16(len(pkt))}
	return true
}

// Get copies the packet with sequence number seq into dst and returns its
// length. It reports false when the packet is not (or no longer) cached or dst
// is too small.
func (c *Cache) Get(seq uint16, dst []byte) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		return 0, false
	}
	ext := c.unwrap(seq)
	s := c.slots[ext&c.mask]
	if s.size == 0 || s.extSeq != ext || int(s.size) > len(dst) {
		return 0, false
	}
	i := ext & c.mask
	return copy(dst, c.data[i*MaxPacketSize:i*MaxPacketSize+uint64(s.size)]), true
}

// Reset forgets every packet, for a stream that restarts with a new numbering.
func (c *Cache) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.slots)
	c.started = false
	c.newest = 0
}
