package udpbatch

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
)

// MaxDatagram is the largest datagram that is batched; a larger one (none is
// expected: WebRTC keeps packets under the path MTU) is written at once.
const MaxDatagram = 1500

// Options are the batching parameters.
type Options struct {
	// BatchSize is the number of datagrams sent by one sendmmsg (at least 1).
	BatchSize int
	// FlushAfter bounds how long a datagram waits for its batch to fill
	// (more than 0).
	FlushAfter time.Duration
	// Segment sends the datagrams a batch holds for one destination, when
	// they have one size (the last may be shorter), as one UDP GSO message
	// (UDP_SEGMENT), where the kernel offers it.
	Segment bool
}

// Conn is a UDP socket with batched writes. Its methods are safe for
// concurrent use.
type Conn struct {
	uc       *net.UDPConn
	sender   *rawSender // nil: no sendmmsg on this system
	receiver *rawReceiver
	opts     Options

	mu       sync.Mutex
	pending  *batch     // filled by writers
	spare    *batch     // the one being sent, or ready to swap in
	roomLeft *sync.Cond // writers wait on it while pending is full
	armed    bool       // timer runs for pending's first datagram
	closed   bool

	timer   *time.Timer
	full    chan struct{} // pending is full: flush now (capacity 1)
	quit    chan struct{}
	stopped chan struct{} // the flusher has returned

	closeOnce sync.Once
	closeErr  error

	sendErrors atomic.Uint64
	// What left: datagrams, the messages they went in (a UDP_SEGMENT
	// message carries several) and the system calls that sent them.
	datagrams, messages, calls atomic.Uint64
	// segmenting is on while batches go as UDP_SEGMENT messages: asked for,
	// offered by the kernel, and not refused by the device (EIO).
	segmenting atomic.Bool
}

// New wraps uc; from then on it belongs to the Conn (Close closes it).
func New(uc *net.UDPConn, opts Options) (*Conn, error) {
	if opts.BatchSize < 1 || opts.FlushAfter <= 0 {
		return nil, fmt.Errorf("%w: batch size %d, flush after %v", ErrInvalidOptions, opts.BatchSize, opts.FlushAfter)
	}
	receiver, err := newRawReceiver(uc)
	if err != nil {
		return nil, err
	}
	c := &Conn{uc: uc, receiver: receiver, opts: opts, stopped: make(chan struct{})}
	if runtime.GOOS != "linux" {
		close(c.stopped)
		return c, nil
	}
	sender, err := newRawSender(uc, opts.BatchSize)
	if err != nil {
		return nil, err
	}
	c.sender = sender
	segment := opts.Segment && opts.BatchSize > 1 && canSegment(uc)
	c.segmenting.Store(segment)
	c.pending, c.spare = newBatch(opts.BatchSize, segment), newBatch(opts.BatchSize, segment)
	c.roomLeft = sync.NewCond(&c.mu)
	c.timer = time.NewTimer(time.Hour)
	c.timer.Stop()
	c.full = make(chan struct{}, 1)
	c.quit = make(chan struct{})
	go c.flusher()
	return c, nil
}

// WriteTo queues b for addr, a *net.UDPAddr. It returns len(b) once b is
// copied: a send error is counted (SendErrors), as a datagram lost on the way
// would be.
func (c *Conn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, fmt.Errorf("%w: %T", ErrNotUDPAddr, addr)
	}
	return c.WriteToAddrPort(b, ua.AddrPort())
}

// WriteToAddrPort queues b for addr without allocating.
func (c *Conn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if c.sender == nil || len(b) > MaxDatagram {
		return c.writeNow(b, addr)
	}
	if len(b) == 0 {
		return 0, nil
	}
	c.mu.Lock()
	for !c.closed && c.pending.full() {
		c.roomLeft.Wait()
	}
	if c.closed {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	c.pending.add(b, addr)
	if c.pending.full() {
		select {
		case c.full <- struct{}{}:
		default: // a flush is already asked for
		}
	} else if !c.armed {
		c.armed = true
		c.timer.Reset(c.opts.FlushAfter)
	}
	c.mu.Unlock()
	return len(b), nil
}

// flusher sends batches, when one is full or its timer fires; it sleeps
// otherwise.
func (c *Conn) flusher() {
	defer close(c.stopped)
	for {
		select {
		case <-c.quit:
			return
		case <-c.full:
		case <-c.timer.C:
		}
		// While one batch was sent writers filled the other: send it at
		// once only if it is full (writers wait), otherwise let its own
		// timer or fill decide, so that batches stay large under load.
		for onlyFull := false; c.swap(onlyFull); onlyFull = true {
			c.send(c.spare)
		}
	}
}

// swap makes the pending batch the one to send, if it holds anything (is
// full, with onlyFull), and gives writers the empty one.
func (c *Conn) swap(onlyFull bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending.n == 0 || (onlyFull && !c.pending.full()) {
		return false
	}
	c.pending, c.spare = c.spare, c.pending
	c.armed = false
	c.timer.Stop() // the next first datagram re-arms it
	// A full signal still queued was for the batch taken now (writers
	// signal under mu; the flusher takes a full batch after a send without
	// waiting for the signal). Left there it would wake the flusher at once
	// and send the next batch as soon as it held anything: small batches,
	// fewer datagrams merged, more system calls under load.
	select {
	case <-c.full:
	default:
	}
	c.roomLeft.Broadcast()
	return true
}

// send writes every datagram of b (owned by the flusher) and empties it.
func (c *Conn) send(b *batch) {
	if b.segment && c.segmenting.Load() {
		c.sendMessages(b.segmented())
	} else {
		c.sendMessages(b.msgs[:b.n])
	}
	b.reset()
}

// sendMessages writes messages of one datagram or, segmented, of several. A
// datagram the kernel refuses is skipped so that it does not take the rest of
// the batch with it. A refused message of several is sent again one datagram
// at a time, so that only the datagrams the kernel refuses on their own are
// lost: the device may not checksum segments (EIO: segmentation stops for
// this socket), or a segment may not fit the path's MTU (EINVAL).
func (c *Conn) sendMessages(msgs []ipv4.Message) {
	for len(msgs) > 0 {
		n, err := c.sender.send(msgs)
		c.calls.Add(1)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				for _, m := range msgs {
					c.sendErrors.Add(uint64(len(m.Buffers)))
				}
				break
			}
			// sendmmsg fails only when its first message fails (a later
			// failure ends the call with the count sent so far, without an
			// error): skip exactly that message. Skipping n+1 (x/net's
			// count is -1 then) looped forever on it and stopped every
			// send of the socket.
			if m := msgs[0]; len(m.Buffers) == 1 {
				c.sendErrors.Add(1)
			} else {
				c.sendOneByOne(m, err)
			}
			n = 1
		} else {
			c.countSent(msgs[:min(n, len(msgs))])
		}
		msgs = msgs[min(n, len(msgs)):]
	}
}

// sendOneByOne sends the datagrams of a segmented message the kernel refused
// with err, each on its own.
func (c *Conn) sendOneByOne(m ipv4.Message, err error) {
	if errors.Is(err, syscall.EIO) {
		c.segmenting.Store(false)
	}
	to := m.Addr.(*net.UDPAddr).AddrPort()
	for _, p := range m.Buffers {
		if _, err := c.writeNow(p, to); err != nil {
			c.sendErrors.Add(1)
		}
	}
}

// writeNow sends one datagram with a system call of its own.
func (c *Conn) writeNow(b []byte, to netip.AddrPort) (int, error) {
	n, err := c.uc.WriteToUDPAddrPort(b, to)
	c.calls.Add(1)
	if err == nil {
		c.datagrams.Add(1)
		c.messages.Add(1)
	}
	return n, err
}

// countSent counts messages the kernel took.
func (c *Conn) countSent(msgs []ipv4.Message) {
	var datagrams uint64
	for _, m := range msgs {
		datagrams += uint64(len(m.Buffers))
	}
	c.datagrams.Add(datagrams)
	c.messages.Add(uint64(len(msgs)))
}

// Stats are a socket's send counters since it was made.
type Stats struct {
	Datagrams uint64 // datagrams the kernel took
	// Messages are the sendmmsg entries they went in: one per datagram, or
	// one per UDP_SEGMENT run; Datagrams/Messages is what segmentation
	// merged.
	Messages uint64
	Calls    uint64 // system calls that sent them (sendmmsg or sendto)
	Errors   uint64 // datagrams the kernel refused (as SendErrors)
}

// Stats returns the send counters.
func (c *Conn) Stats() Stats {
	return Stats{Datagrams: c.datagrams.Load(), Messages: c.messages.Load(), Calls: c.calls.Load(), Errors: c.sendErrors.Load()}
}

// SendErrors counts the datagrams the kernel refused.
func (c *Conn) SendErrors() uint64 { return c.sendErrors.Load() }

// ReadFrom reads one datagram.
func (c *Conn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.receiver.readFrom(b)
	if err != nil {
		return 0, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// ReadFromAddrPort reads one datagram without allocating its address (a
// raw system call on Linux: see rawReceiver).
func (c *Conn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	return c.receiver.readFrom(b)
}

// Close stops the flusher, drops what is queued and closes the socket. The
// socket is closed first, so that a flusher blocked in a send returns.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		if c.sender != nil {
			c.mu.Lock()
			c.closed = true
			c.timer.Stop()
			c.roomLeft.Broadcast()
			c.mu.Unlock()
		}
		c.closeErr = c.uc.Close()
		if c.sender != nil {
			close(c.quit)
		}
		<-c.stopped
	})
	return c.closeErr
}

// LocalAddr is the bound address.
func (c *Conn) LocalAddr() net.Addr { return c.uc.LocalAddr() }

// SetDeadline sets the socket's read and write deadlines; a write deadline
// applies to the flusher's sends.
func (c *Conn) SetDeadline(t time.Time) error { return c.uc.SetDeadline(t) }

// SetReadDeadline sets the socket's read deadline.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.uc.SetReadDeadline(t) }

// SetWriteDeadline sets the socket's write deadline (the flusher's sends).
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.uc.SetWriteDeadline(t) }

var _ net.PacketConn = (*Conn)(nil)
