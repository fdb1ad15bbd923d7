//go:build linux

package loadtest

import (
	"cmp"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// lightPoll reads every light subscriber's socket of a run with a few goroutines,
// one per CPU the process may use, each waiting in its own epoll instance.
//
// Why not Go's poller: a net.UDPConn is read by one goroutine parked in Go's
// netpoller, so each datagram burst to each of a thousand subscribers woke a
// goroutine (and often a thread) to read it, and the scheduler and the netpoller
// were as much of the generator's profile as the reads. Here one epoll_wait
// returns every socket with something queued, and one goroutine reads them in
// turn (one recvmmsg each), so the wake-ups are per round, not per socket, and
// the rounds get fuller as the load grows. The sockets are not in Go's
// netpoller at all (polledConn opens them itself), so nothing else wakes for
// them.
type lightPoll struct {
	loops []*pollLoop
	next  atomic.Uint32 // round-robin assignment of new sockets
}

// newLightPoll starts one loop per CPU the process may use.
func newLightPoll() (*lightPoll, error) {
	lp := &lightPoll{}
	for range runtime.GOMAXPROCS(0) {
		l, err := newPollLoop()
		if err != nil {
			lp.close()
			return nil, err
		}
		lp.loops = append(lp.loops, l)
	}
	return lp, nil
}

// loop picks the loop that reads the next socket.
func (lp *lightPoll) loop() *pollLoop {
	return lp.loops[int(lp.next.Add(1))%len(lp.loops)]
}

// close stops every loop and waits for them. The sockets must be closed first
// (they are Pion's, closed with their connections).
func (lp *lightPoll) close() {
	for _, l := range lp.loops {
		l.close()
	}
}

// pollLoop is one goroutine reading the sockets of one epoll instance.
//
// The goroutine never blocks in epoll_wait: the epoll descriptor is itself in Go's
// netpoller (an epoll descriptor is readable while it has ready sockets), so
// the goroutine parks there when no socket has anything, and asks epoll_wait only
// with a zero timeout. A blocking epoll_wait would hand its thread's P back to
// the scheduler every time and keep sysmon polling every 20 µs: 19 % of the
// generator's time at 300 subscribers before this.
type pollLoop struct {
	epfd     *os.File
	rc       syscall.RawConn
	round    func(fd uintptr) bool // l.readRound, bound once
	events   [pollEvents]unix.EpollEvent
	stopping atomic.Bool

	// mu is held by the loop while it reads, and by add and remove: a socket is
	// never read after remove returns, so its owner may close it.
	mu    sync.Mutex
	conns []*polledConn // by file descriptor
	done  chan struct{}
}

// pollEvents is how many ready sockets one epoll_wait returns at most; the rest
// are returned by the next.
const pollEvents = 256

func newPollLoop() (*pollLoop, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("light subscribers: epoll: %w", err)
	}
	// Non-blocking, so that os.NewFile puts it in Go's netpoller.
	if err := unix.SetNonblock(fd, true); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("light subscribers: epoll: %w", err)
	}
	l := &pollLoop{epfd: os.NewFile(uintptr(fd), "light-subscriber-epoll"), done: make(chan struct{})}
	if l.rc, err = l.epfd.SyscallConn(); err != nil {
		_ = l.epfd.Close()
		return nil, fmt.Errorf("light subscribers: epoll: %w", err)
	}
	l.round = l.readRound
	go l.run()
	return l, nil
}

// add starts reading c's socket. Level-triggered: a socket left with datagrams
// after one read (a full batch) is reported again by the next epoll_wait, so one
// busy socket cannot keep the loop from the others.
func (l *pollLoop) add(c *polledConn) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var err error
	ctl := l.rc.Control(func(epfd uintptr) {
		err = unix.EpollCtl(int(epfd), unix.EPOLL_CTL_ADD, c.fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(c.fd)})
	})
	if err = cmp.Or(ctl, err); err != nil {
		return fmt.Errorf("light subscriber socket: epoll: %w", err)
	}
	for len(l.conns) <= c.fd {
		l.conns = append(l.conns, nil)
	}
	l.conns[c.fd] = c
	return nil
}

// remove stops reading c's socket; once it returns the loop no longer touches it.
func (l *pollLoop) remove(c *polledConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.rc.Control(func(epfd uintptr) { _ = unix.EpollCtl(int(epfd), unix.EPOLL_CTL_DEL, c.fd, nil) })
	if c.fd < len(l.conns) && l.conns[c.fd] == c {
		l.conns[c.fd] = nil
	}
}

func (l *pollLoop) run() {
	defer close(l.done)
	// Read returns only on an error: the descriptor closed by close.
	for l.rc.Read(l.round) == nil && !l.stopping.Load() {
	}
}

// readRound reads every ready socket, again and again until none is ready, and
// then returns false: Go's netpoller parks the goroutine until the epoll
// descriptor is readable, which a datagram arriving on any socket makes it.
func (l *pollLoop) readRound(epfd uintptr) bool {
	for !l.stopping.Load() {
		n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, epfd, uintptr(unsafe.Pointer(&l.events[0])),
			pollEvents, 0, 0, 0)
		switch {
		case errno == unix.EINTR:
			continue
		case errno != 0:
			// Only a descriptor being closed gets here; were it anything else,
			// the loop could not go on either.
			if !l.stopping.Load() {
				slog.Error("loadtest: light subscribers' epoll failed; their sockets are no longer read", "err", errno)
				l.stopping.Store(true)
			}
			return true
		case n == 0:
			return false
		}
		l.mu.Lock()
		for _, ev := range l.events[:n] {
			if fd := int(ev.Fd); fd < len(l.conns) {
				if c := l.conns[fd]; c != nil {
					c.readReady(time.Now())
				}
			}
		}
		l.mu.Unlock()
	}
	return true
}

// close stops the loop, waits for it, and releases the epoll descriptor.
func (l *pollLoop) close() {
	l.stopping.Store(true)
	_ = l.epfd.Close() // wakes the goroutine if parked; waits for a round in progress
	<-l.done
}
