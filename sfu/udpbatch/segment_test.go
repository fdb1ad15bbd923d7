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
	// Lock step: after each full batch (20 datagrams per receiver) read
	// them before writing more, so no more than one batch is ever in the
	// receive buffers. Reading concurrently with unbounded writes lost
	// datagrams to full buffers when the reader was not scheduled in time
	// (CI: 285 of 300 arrived).
	const perBatch = 60 / receivers
	for start := 0; start < each; start += perBatch {
		for k := start; k < start+perBatch; k++ {
			for _, r := range rs {
				if _, err := c.WriteToAddrPort(datagram(k, size(k)), r.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i, r := range rs {
			ps, err := read(r, perBatch)
			if err != nil {
				t.Fatalf("receiver %d, round at %d: %d of %d: %v; stats %+v", i, start, len(ps), perBatch, err, c.Stats())
			}
			for j, p := range ps {
				if want := datagram(start+j, size(start+j)); !bytes.Equal(p, want) {
					t.Fatalf("receiver %d, datagram %d: got %d bytes starting %x, want %d starting %x", i, start+j, len(p), p[:4], len(want), want[:4])
				}
			}
		}
	}
	// Counted: every datagram, in fewer messages (runs of 1200 bytes
	// merged), in one system call per batch; counted once the kernel took
	// them, which may be after the receivers read them.
	waitFor(t, func() bool { return c.Stats().Datagrams == receivers*each })
	st := c.Stats()
	if st.Errors != 0 || st.Datagrams != receivers*each || st.Messages >= st.Datagrams/2 || st.Calls != receivers*each/60 {
		t.Errorf("stats %+v: want %d datagrams in fewer than half as many messages, %d calls, no error", st, receivers*each, receivers*each/60)
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
