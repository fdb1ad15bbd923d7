package udpbatch

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"testing"
	"time"
)

// A send that finds the socket's send buffer full (EAGAIN) waits in the
// poller for room and goes on: nothing is lost, nothing is counted as an
// error. Loopback never fills a send buffer (it hands each datagram on at
// once), so the datagrams go out through a veth device whose queue (a token
// bucket at 2 Mbit/s) holds them, charged to a socket given the smallest send
// buffer.
func TestSendWaitsForRoomInAFullSendBuffer(t *testing.T) {
	bothModes(t, testSendWaitsForRoomInAFullSendBuffer)
}

func testSendWaitsForRoomInAFullSendBuffer(t *testing.T, segment bool) {
	local, remote := slowLink(t)
	uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: local.AsSlice()})
	if err != nil {
		t.Fatal(err)
	}
	if err := uc.SetWriteBuffer(1); err != nil { // the kernel's minimum
		t.Fatal(err)
	}
	c, err := New(uc, Options{BatchSize: 64, FlushAfter: time.Millisecond, Segment: segment})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	const n = 150 // 150 kB: about 0.6 s at 2 Mbit/s
	to := netip.AddrPortFrom(remote, 9)
	for i := range n {
		if _, err := c.WriteToAddrPort(datagram(i, 1000), to); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return c.Stats().Datagrams == n })
	if st := c.Stats(); st.Errors != 0 {
		t.Errorf("stats %+v: want no errors", st)
	}
	if w := c.sender.waits.Load(); w == 0 {
		t.Error("no send found the buffer full: the test did not exercise the wait")
	} else {
		t.Logf("%d sends waited for room; %+v", w, c.Stats())
	}
}

// slowLink makes a veth pair whose first end has a 2 Mbit/s queue and returns
// that end's address and another on its subnet, reached through it (a static
// neighbour entry: nobody answers ARP; the far end drops what it gets). It needs root,
// ip and tc: outside CI the test skips without them, under CI=true it fails.
func slowLink(t *testing.T) (local, remote netip.Addr) {
	t.Helper()
	need := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("a full send buffer: %s", why)
		}
		t.Skipf("a full send buffer needs root, ip and tc: %s", why)
	}
	if os.Geteuid() != 0 {
		need("not root")
	}
	for _, tool := range []string{"ip", "tc"} {
		if _, err := exec.LookPath(tool); err != nil {
			need(tool + " not found")
		}
	}
	// 10.99/16 is clear of the browser tests' namespaces (10.100–10.199).
	dev := fmt.Sprintf("ensq%d", os.Getpid()%100000) // and its peer, +"p": 15 bytes at most
	sub := fmt.Sprintf("10.99.%d", os.Getpid()%250)
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	run("ip", "link", "add", dev, "type", "veth", "peer", "name", dev+"p")
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", dev).Run() })
	run("ip", "link", "set", dev, "addrgenmode", "none")
	run("ip", "link", "set", dev+"p", "addrgenmode", "none")
	run("ip", "addr", "add", sub+".1/24", "dev", dev)
	run("ip", "link", "set", dev, "up")
	run("ip", "link", "set", dev+"p", "up")
	run("ip", "neigh", "add", sub+".2", "lladdr", "02:00:00:00:00:02", "dev", dev, "nud", "permanent")
	run("tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", "2mbit", "burst", "1600", "limit", "1000000")
	return netip.MustParseAddr(sub + ".1"), netip.MustParseAddr(sub + ".2")
}
