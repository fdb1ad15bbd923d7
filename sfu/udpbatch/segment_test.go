package udpbatch

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
)

// bothModes runs a test with plain batches and with segmented ones; under
// Linux the kernel here must offer segmentation.
func bothModes(t *testing.T, test func(t *testing.T, segment bool)) {
	t.Run("plain", func(t *testing.T) { test(t, false) })
	t.Run("segmented", func(t *testing.T) {
		if runtime.GOOS == "linux" && !canSegment(listen(t)) {
			t.Fatal("the kernel offers no UDP_SEGMENT")
		}
		test(t, true)
	})
}

// A batch holding several datagrams for each of several receivers, of one
// size with shorter ones between, sends them as UDP_SEGMENT messages, and
// every receiver gets each of its datagrams whole and in order.
func TestSegmentedBatchesKeepEachReceiversOrder(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("UDP_SEGMENT is Linux's")
	}
	const receivers, each = 3, 300
	// Batches of 60 take about 20 datagrams per receiver; the timer never
	// fires before a batch is full.
	c := newConn(t, Options{BatchSize: 60, FlushAfter: time.Hour, Segment: true})
	rs := make([]*net.UDPConn, receivers)
	for i := range rs {
		rs[i] = listen(t)
		if err := rs[i].SetReadBuffer(4 << 20); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = rs[i].Close() })
	}
	// Frames of five full-sized datagrams and a shorter last one; every
	// seventh datagram is larger than the rest, which ends a message early.
	size := func(k int) int {
		switch {
		case k%7 == 3:
			return 1300
		case k%6 == 5:
			return 400 + k%100
		}
		return 1200
	}
	// Read while writing: the receive buffers (capped by net.core.rmem_max)
	// do not hold all of it.
	got := make([]chan [][]byte, receivers)
	for i, r := range rs {
		got[i] = make(chan [][]byte, 1)
		go func() { got[i] <- readAll(r, each) }()
	}
	for k := range each {
		for _, r := range rs {
			if _, err := c.WriteToAddrPort(datagram(k, size(k)), r.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range rs {
		ps := <-got[i]
		if len(ps) != each {
			t.Fatalf("receiver %d: %d of %d datagrams", i, len(ps), each)
		}
		for k, p := range ps {
			if want := datagram(k, size(k)); !bytes.Equal(p, want) {
				t.Fatalf("receiver %d, datagram %d: got %d bytes starting %x, want %d starting %x", i, k, len(p), p[:4], len(want), want[:4])
			}
		}
	}
	if e := c.SendErrors(); e != 0 {
		t.Errorf("%d send errors", e)
	}
	if !c.segmenting.Load() {
		t.Error("segmentation was turned off")
	}
}

// The messages of a batch: one per run of a destination's datagrams of one
// size (the last may be shorter), at most maxSegments datagrams and
// maxSegmentBytes bytes each, a destination's datagrams in their order.
func TestSegmentedMessagesFollowTheRules(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("UDP_SEGMENT is Linux's")
	}
	b := newBatch(200, true)
	a, z := mustAddrPort("127.0.0.1:1000"), mustAddrPort("127.0.0.1:2000")
	var sizes []int
	add := func(to string, size int) {
		b.add(datagram(len(sizes), size), mustAddrPort(to))
		sizes = append(sizes, size)
	}
	// a: 3 × 1200 and 500 (one message), 1200 alone (its own: a shorter
	// datagram ends a message); z interleaved: 1200, 1300 (larger: a new
	// message), 1300.
	add(a.String(), 1200)
	add(z.String(), 1200)
	add(a.String(), 1200)
	add(z.String(), 1300)
	add(a.String(), 1200)
	add(z.String(), 1300)
	add(a.String(), 500)
	add(a.String(), 1200)
	got := describe(b.segmented())
	want := []string{"127.0.0.1:1000 1200,1200,1200,500 seg 1200", "127.0.0.1:1000 1200",
		"127.0.0.1:2000 1200", "127.0.0.1:2000 1300,1300 seg 1300"}
	if !slices.Equal(got, want) {
		t.Errorf("messages\n got %q\nwant %q", got, want)
	}
	b.reset()

	// 100 datagrams of 1000 bytes to one destination: messages of at most
	// 64 datagrams and 65000 bytes.
	for range 100 {
		b.add(make([]byte, 1000), a)
	}
	msgs := b.segmented()
	if len(msgs) != 2 || len(msgs[0].Buffers) != 64 || len(msgs[1].Buffers) != 36 {
		t.Errorf("100 datagrams of 1000 bytes: %q", describe(msgs))
	}
	b.reset()
	if b.n != 0 || len(b.last) != 0 {
		t.Errorf("after reset: %d queued, %d destinations", b.n, len(b.last))
	}
}

func mustAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// describe writes each message as its address, its datagrams' sizes and the
// segment size its control message gives.
func describe(msgs []ipv4.Message) []string {
	var out []string
	for _, m := range msgs {
		var sizes []string
		for _, p := range m.Buffers {
			sizes = append(sizes, strconv.Itoa(len(p)))
		}
		d := fmt.Sprintf("%v %s", m.Addr, strings.Join(sizes, ","))
		if len(m.OOB) > 0 {
			d += fmt.Sprintf(" seg %d", binary.NativeEndian.Uint16(m.OOB[len(m.OOB)-8:]))
		}
		out = append(out, d)
	}
	return out
}

// readAll reads up to want datagrams from r, fewer if none comes for 20 s.
func readAll(r *net.UDPConn, want int) [][]byte {
	var got [][]byte
	buf := make([]byte, 2048)
	for len(got) < want {
		if err := r.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
			return got
		}
		n, err := r.Read(buf)
		if err != nil {
			return got
		}
		got = append(got, bytes.Clone(buf[:n]))
	}
	return got
}
