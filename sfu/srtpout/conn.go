package srtpout

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"
)

// ErrTooLarge is returned for a packet that would not fit in a datagram.
var ErrTooLarge = errors.New("srtpout: packet larger than the write buffer")

// bufSize holds the largest RTP packet the SFU forwards (an MTU) with room
// for the SRTP tag.
const bufSize = 1500

// Socket is where a Conn queues its datagrams: the engine's batching UDP
// socket, shared by every connection (udpbatch.Conn).
type Socket interface {
	WriteToAddrPort(b []byte, to netip.AddrPort) (int, error)
}

// Numberer hands out a connection's transport-wide sequence numbers, shared
// with the interceptor that numbers what goes through Pion (twccext).
type Numberer interface{ Take() uint16 }

// SentFunc records a numbered packet for the connection's bandwidth
// estimator: its transport-wide number, size and send time.
type SentFunc func(seq uint16, size int, at time.Time)

// Conn is the write path of one subscriber connection. Its methods are safe
// for concurrent use.
type Conn struct {
	keys *Keys
	sock Socket
	num  Numberer
	sent SentFunc

	// to is where packets go while the path is on; nil: through Pion.
	to atomic.Pointer[netip.AddrPort]

	// mu serialises the packets of the connection: numbered and queued in
	// the same order, through one set of buffers.
	mu     sync.Mutex
	ctx    *srtp.Context // made on the first Enable
	closed bool
	hdr    rtp.Header // EncryptRTP's parse of the packet
	ext    [2]byte
	buf    []byte

	packets, errs atomic.Uint64
}

// NewConn returns the path of the connection whose DTLS settings keys was
// given to (Keys.Configure): its packets are numbered by num (nil: no
// transport-wide numbers), recorded by sent (nil: no estimator) and queued
// on sock.
func NewConn(keys *Keys, sock Socket, num Numberer, sent SentFunc) *Conn {
	return &Conn{keys: keys, sock: sock, num: num, sent: sent, buf: make([]byte, bufSize)}
}

// Enable sends the connection's packets to the given address from now on,
// making the SRTP context first if need be. Call it once DTLS is connected
// and whenever ICE selects another pair on the engine's UDP socket. On error
// the path stays as it was.
func (c *Conn) Enable(to netip.AddrPort) error {
	if !to.IsValid() {
		return fmt.Errorf("srtpout: invalid destination %v", to)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return net.ErrClosed
	}
	if c.ctx == nil {
		ctx, err := c.keys.Context()
		if err != nil {
			return err
		}
		c.ctx = ctx
	}
	c.to.Store(&to)
	return nil
}

// Disable sends the connection's packets through Pion again (ICE selected a
// pair elsewhere than on the engine's UDP socket).
//
// Pion's SRTP context then takes over streams whose rollover counter it
// never followed: past 65 536 packets on one stream the subscriber cannot
// decrypt them. A pair moving from UDP to TCP mid-call is rare; that is the
// price of not forking Pion.
func (c *Conn) Disable() { c.to.Store(nil) }

// Enabled reports whether packets take this path now.
func (c *Conn) Enabled() bool { return c.to.Load() != nil }

// Close stops the path: packets written afterwards are refused.
func (c *Conn) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.to.Store(nil)
}

// Stats are the connection's counts: packets sent on this path, and packets
// refused (too large, or by encryption or the socket).
type Stats struct{ Packets, Errors uint64 }

// Stats returns the counts so far.
func (c *Conn) Stats() Stats {
	return Stats{Packets: c.packets.Load(), Errors: c.errs.Load()}
}

// write numbers, encrypts and queues one packet. twccID is the stream's
// transport-wide sequence extension (0: none negotiated); packets of rtxSSRC
// go unnumbered, as through twccext.
func (c *Conn) write(to *netip.AddrPort, h *rtp.Header, payload []byte, twccID uint8, rtxSSRC uint32) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	numbered := twccID != 0 && c.num != nil && (rtxSSRC == 0 || h.SSRC != rtxSSRC)
	var seq uint16
	if numbered {
		seq = c.num.Take()
		binary.BigEndian.PutUint16(c.ext[:], seq)
		if err := h.SetExtension(twccID, c.ext[:]); err != nil {
			c.errs.Add(1)
			return 0, fmt.Errorf("srtpout: set extension %d: %w", twccID, err)
		}
	} else if twccID != 0 {
		_ = h.DelExtension(twccID) // a reused header may still carry one
	}
	// Marshalled (padding included, as Pion's session does) short of the
	// room the SRTP tag needs: a packet that does not fit is refused there.
	size, err := rtp.MarshalPacketTo(c.buf[:len(c.buf)-srtpOverhead], h, payload) //nolint:staticcheck // the padding-aware marshal Pion's session uses
	if err != nil {
		c.errs.Add(1)
		if errors.Is(err, io.ErrShortBuffer) {
			return 0, fmt.Errorf("%w: %d bytes", ErrTooLarge, rtp.PacketMarshalSize(h, payload)) //nolint:staticcheck // as above
		}
		return 0, fmt.Errorf("srtpout: marshal: %w", err)
	}
	// Encrypted in place, as Pion's session does. EncryptRTP parses the
	// header back out of the buffer: pion/srtp exports no encryption of an
	// already parsed header (its session uses an unexported one).
	out, err := c.ctx.EncryptRTP(c.buf, c.buf[:size], &c.hdr)
	if err != nil {
		c.errs.Add(1)
		return 0, fmt.Errorf("srtpout: encrypt: %w", err)
	}
	if numbered && c.sent != nil {
		c.sent(seq, size, time.Now())
	}
	if _, err := c.sock.WriteToAddrPort(out, *to); err != nil {
		c.errs.Add(1)
		return 0, fmt.Errorf("srtpout: write to %v: %w", *to, err)
	}
	c.packets.Add(1)
	return size, nil
}

// srtpOverhead is the most SRTP adds to a packet (an AES-GCM tag of 16 bytes;
// HMAC-SHA1-80's is 10).
const srtpOverhead = 16

// Stream returns the writer of one sender of the connection: w, Pion's
// writer, while the path is off; this path while it is on.
func (c *Conn) Stream(ctx webrtc.TrackLocalContext, w webrtc.TrackLocalWriter) webrtc.TrackLocalWriter {
	return &Stream{c: c, pion: w, twccID: transportCCID(ctx.HeaderExtensions()), rtxSSRC: uint32(ctx.SSRCRetransmission())}
}

func transportCCID(exts []webrtc.RTPHeaderExtensionParameter) uint8 {
	for _, e := range exts {
		if e.URI == sdp.TransportCCURI && e.ID > 0 && e.ID < 256 {
			return uint8(e.ID)
		}
	}
	return 0
}

// Stream is one sender's writer (webrtc.TrackLocalWriter).
type Stream struct {
	c       *Conn
	pion    webrtc.TrackLocalWriter
	twccID  uint8
	rtxSSRC uint32
}

var _ webrtc.TrackLocalWriter = (*Stream)(nil)

// WriteRTP sends one packet. The header keeps pointing at the connection's
// extension buffer afterwards, as after twccext: callers rebuild their
// header per packet.
func (s *Stream) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	if to := s.c.to.Load(); to != nil {
		return s.c.write(to, h, payload, s.twccID, s.rtxSSRC)
	}
	return s.pion.WriteRTP(h, payload)
}

// Write sends a marshalled packet through Pion (nothing on the forwarding
// path writes raw packets).
func (s *Stream) Write(b []byte) (int, error) { return s.pion.Write(b) }
