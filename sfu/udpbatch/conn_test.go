package udpbatch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

func listen(t testing.TB) *net.UDPConn {
	t.Helper()
	uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return uc
}

func newConn(t testing.TB, opts Options) *Conn {
	t.Helper()
	c, err := New(listen(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// receive reads want datagrams from r (bounded by a generous deadline, so a
// lost datagram fails the test instead of hanging it).
func receive(t *testing.T, r *net.UDPConn, want int) [][]byte {
	t.Helper()
	got, err := read(r, want)
	if err != nil {
		t.Fatalf("after %d of %d datagrams: %v", len(got), want, err)
	}
	return got
}

// read is receive for goroutines other than the test's own: it returns
// what it read and the error that stopped it.
func read(r *net.UDPConn, want int) ([][]byte, error) {
	if err := r.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
		return nil, err
	}
	var got [][]byte
	buf := make([]byte, 2048)
	for len(got) < want {
		n, err := r.Read(buf)
		if err != nil {
			return got, err
		}
		got = append(got, bytes.Clone(buf[:n]))
	}
	return got, nil
}

func datagram(i, size int) []byte {
	p := make([]byte, size)
	binary.BigEndian.PutUint32(p, uint32(i))
	for j := 4; j < size; j++ {
		p[j] = byte(i + j)
	}
	return p
}

func TestOptionsAreChecked(t *testing.T) {
	for _, o := range []Options{{BatchSize: 0, FlushAfter: time.Millisecond}, {BatchSize: 8, FlushAfter: 0}} {
		uc := listen(t)
		_, err := New(uc, o)
		_ = uc.Close()
		if !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%+v: got %v, want ErrInvalidOptions", o, err)
		}
	}
}

// Every datagram arrives whole and in order, at each of several receivers,
// whether the batches fill or are sent by the timer.
func TestDatagramsArriveInOrderAtEveryReceiver(t *testing.T) {
	bothModes(t, testDatagramsArriveInOrderAtEveryReceiver)
}

func testDatagramsArriveInOrderAtEveryReceiver(t *testing.T, segment bool) {
	c := newConn(t, Options{BatchSize: 8, FlushAfter: time.Millisecond, Segment: segment})
	const receivers, each, chunk = 3, 200, 50
	rs := make([]*net.UDPConn, receivers)
	for i := range rs {
		rs[i] = listen(t)
		t.Cleanup(func() { _ = rs[i].Close() })
	}
	// One writer per receiver, concurrently. Each reads back its chunk of
	// 50 before writing the next, so the receive buffers never hold more
	// than a chunk (however late a goroutine is scheduled), and a chunk's
	// tail, less than a batch, goes by the timer.
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := r.LocalAddr().(*net.UDPAddr).AddrPort()
			size := func(k int) int { return 100 + i*400 + k%7 }
			for start := 0; start < each; start += chunk {
				for k := start; k < start+chunk; k++ {
					if n, err := c.WriteToAddrPort(datagram(k, size(k)), to); err != nil || n != size(k) {
						t.Errorf("write %d: %d, %v", k, n, err)
						return
					}
				}
				got, err := read(r, chunk)
				if err != nil {
					t.Errorf("receiver %d, after datagram %d: %v", i, start+len(got), err)
					return
				}
				for j, p := range got {
					if want := datagram(start+j, size(start+j)); !bytes.Equal(p, want) {
						t.Errorf("receiver %d, datagram %d: got %d bytes starting %x, want %d starting %x", i, start+j, len(p), p[:4], len(want), want[:4])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	// The flusher counts a batch after the kernel took it, which may be
	// after the receivers read it.
	waitFor(t, func() bool { return c.Stats().Datagrams == receivers*each })
	st := c.Stats()
	if st.Errors != 0 || st.Datagrams != receivers*each {
		t.Errorf("stats %+v: want %d datagrams, no error", st, receivers*each)
	}
	if !segment && st.Messages != st.Datagrams {
		t.Errorf("stats %+v: plain batches send a message per datagram", st)
	}
	if st.Calls == 0 || st.Calls > st.Messages {
		t.Errorf("stats %+v: calls out of range", st)
	}
}

// One datagram alone is sent by the timer; afterwards nothing is queued and
// no timer is armed, so an idle socket wakes nobody.
func TestLoneDatagramIsFlushedAndTheTimerDisarmed(t *testing.T) {
	c := newConn(t, Options{BatchSize: 64, FlushAfter: time.Millisecond})
	r := listen(t)
	defer r.Close()
	if _, err := c.WriteTo([]byte("hello"), r.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, r, 1); string(got[0]) != "hello" {
		t.Fatalf("got %q", got[0])
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.armed || c.pending.n != 0 {
		t.Fatalf("after the flush: armed=%v, %d queued", c.armed, c.pending.n)
	}
}

// A datagram larger than a batch slot is written at once, unbatched.
func TestLargeDatagramIsWrittenDirectly(t *testing.T) {
	c := newConn(t, Options{BatchSize: 4, FlushAfter: time.Hour})
	r := listen(t)
	defer r.Close()
	big := datagram(7, MaxDatagram+100)
	if n, err := c.WriteTo(big, r.LocalAddr()); err != nil || n != len(big) {
		t.Fatalf("write: %d, %v", n, err)
	}
	if got := receive(t, r, 1); !bytes.Equal(got[0], big) {
		t.Fatal("large datagram altered")
	}
}

func TestWriteToRefusesOtherAddresses(t *testing.T) {
	c := newConn(t, Options{BatchSize: 4, FlushAfter: time.Millisecond})
	if _, err := c.WriteTo([]byte("x"), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}); !errors.Is(err, ErrNotUDPAddr) {
		t.Fatalf("got %v, want ErrNotUDPAddr", err)
	}
}

// Close releases writers waiting for room and stops the flusher; writes
// after it fail.
func TestCloseReleasesWaitingWriters(t *testing.T) {
	uc := listen(t)
	c, err := New(uc, Options{BatchSize: 1, FlushAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// Fill the pending batch and keep the flusher from emptying it: hold the
	// lock so the flusher cannot swap, then queue one datagram by hand.
	to := netip.MustParseAddrPort("127.0.0.1:9")
	c.mu.Lock()
	c.pending.add([]byte("x"), to)
	c.mu.Unlock()
	// The flusher was not told (no full signal), so pending stays full.
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := c.WriteToAddrPort([]byte("y"), to)
			errs <- err
		}()
	}
	waitFor(t, func() bool { // the writers are blocked on the full batch
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.pending.full()
	})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if err := <-errs; !errors.Is(err, net.ErrClosed) {
			t.Fatalf("writer: %v", err)
		}
	}
	if _, err := c.WriteToAddrPort([]byte("z"), to); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after Close: %v, want net.ErrClosed", err)
	}
	select {
	case <-c.stopped:
	default:
		t.Fatal("flusher still running after Close")
	}
}

// Taking a full batch takes its full signal with it. The flusher takes a
// batch that filled while it was sending without waiting for the signal; a
// signal left queued then sent the next batch as soon as it held a few
// datagrams (with a long FlushAfter, the rest waited for the timer: the
// lock-step segmentation test lost its round that way).
func TestSwapTakesTheFullSignalWithTheBatch(t *testing.T) {
	c := &Conn{pending: newBatch(2, false), spare: newBatch(2, false), full: make(chan struct{}, 1), timer: time.NewTimer(time.Hour)}
	c.roomLeft = sync.NewCond(&c.mu)
	to := netip.MustParseAddrPort("127.0.0.1:9")
	c.pending.add([]byte("a"), to)
	c.pending.add([]byte("b"), to)
	c.full <- struct{}{} // as the writer that filled it signals
	if !c.swap(true) {
		t.Fatal("the full batch was not taken")
	}
	if len(c.full) != 0 {
		t.Fatal("its full signal is still queued")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met")
		}
		time.Sleep(time.Millisecond)
	}
}

// Queuing a datagram allocates nothing (the flusher's sends included).
func TestWriteToAddrPortAllocatesNothing(t *testing.T) {
	bothModes(t, testWriteToAddrPortAllocatesNothing)
}

func testWriteToAddrPortAllocatesNothing(t *testing.T, segment bool) {
	c := newConn(t, Options{BatchSize: 16, FlushAfter: time.Millisecond, Segment: segment})
	r := listen(t)
	defer r.Close()
	to := r.LocalAddr().(*net.UDPAddr).AddrPort()
	p := datagram(1, 1200)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := c.WriteToAddrPort(p, to); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per datagram", allocs)
	}
}

// A datagram the kernel refuses (here: one to port 0, EINVAL) is counted and skipped wherever it sits in a batch; the others
// still go, and so do later batches. A refused first datagram once made the
// flusher retry it forever, which silenced the whole socket (every TURN-relayed
// participant of a server whose relay peers included one such address).
func TestRefusedDatagramIsSkippedNotRetried(t *testing.T) {
	bothModes(t, testRefusedDatagramIsSkippedNotRetried)
}

func testRefusedDatagramIsSkippedNotRetried(t *testing.T, segment bool) {
	c := newConn(t, Options{BatchSize: 4, FlushAfter: time.Millisecond, Segment: segment})
	r := listen(t)
	defer r.Close()
	refused := netip.MustParseAddrPort("127.0.0.1:0")
	to := r.LocalAddr().(*net.UDPAddr).AddrPort()
	// Refused first, in the middle and last, over two batches.
	plan := []bool{true, false, true, false, false, false, false, true}
	want := 0
	for i, bad := range plan {
		dst := to
		if bad {
			dst = refused
		} else {
			want++
		}
		if _, err := c.WriteToAddrPort(datagram(i, 100), dst); err != nil {
			t.Fatal(err)
		}
	}
	got := receive(t, r, want)
	if len(got) != want {
		t.Fatalf("received %d datagrams, want %d", len(got), want)
	}
	waitFor(t, func() bool { return c.SendErrors() == 3 })
	// The socket still sends.
	if _, err := c.WriteToAddrPort(datagram(99, 100), to); err != nil {
		t.Fatal(err)
	}
	receive(t, r, 1)
	waitFor(t, func() bool { return c.Stats().Datagrams == uint64(want+1) }) // counted after the send
	if st := c.Stats(); st.Errors != 3 {
		t.Errorf("stats %+v: want 3 errors", st)
	}
}

// A dual-stack socket (the engine's when it binds no address) sends to IPv4
// addresses, IPv4-mapped ones and IPv6 ones: each message carries the
// socket address of its own family.
func TestDualStackSocketSendsToEitherFamily(t *testing.T) {
	bothModes(t, testDualStackSocketSendsToEitherFamily)
}

func testDualStackSocketSendsToEitherFamily(t *testing.T, segment bool) {
	uc, err := net.ListenUDP("udp", &net.UDPAddr{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(uc, Options{BatchSize: 16, FlushAfter: time.Millisecond, Segment: segment})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	r4 := listen(t)
	t.Cleanup(func() { _ = r4.Close() })
	p4 := r4.LocalAddr().(*net.UDPAddr).AddrPort()
	mapped := netip.AddrPortFrom(netip.AddrFrom16(p4.Addr().As16()), p4.Port())
	dests := []netip.AddrPort{p4, mapped}
	// A machine without IPv6 on its loopback still checks the IPv4 forms.
	r6, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err == nil {
		t.Cleanup(func() { _ = r6.Close() })
		dests = append(dests, r6.LocalAddr().(*net.UDPAddr).AddrPort())
	} else {
		t.Logf("no IPv6 loopback (%v): IPv4 destinations only", err)
	}
	const each = 6
	for k := range each {
		for _, to := range dests {
			if _, err := c.WriteToAddrPort(datagram(k, 1000), to); err != nil {
				t.Fatal(err)
			}
		}
	}
	// r4 gets each datagram twice in a row (plain, then mapped), r6 once.
	for k, p := range receive(t, r4, 2*each) {
		if !bytes.Equal(p, datagram(k/2, 1000)) {
			t.Fatalf("IPv4 receiver, datagram %d: got one starting %x", k, p[:4])
		}
	}
	if r6 != nil {
		for k, p := range receive(t, r6, each) {
			if !bytes.Equal(p, datagram(k, 1000)) {
				t.Fatalf("IPv6 receiver, datagram %d: got one starting %x", k, p[:4])
			}
		}
	}
	if e := c.SendErrors(); e != 0 {
		t.Errorf("%d send errors", e)
	}
}
