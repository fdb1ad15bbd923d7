package testport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"testing"
)

// lowest and ephemeralStart bound the ports picked: above the well-known and
// registered ports most daemons use, below the kernel's ephemeral range.
const lowest = 20000

// ephemeralStart is the first port of the kernel's ephemeral range (32768 when
// /proc does not say).
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil || lo <= lowest+n {
		return 32768
	}
	return lo
}

// n is how many consecutive ports a pick may ask for at most.
const n = 4

// UDPAndTCP returns the first of count consecutive loopback ports (count at
// most 4) that are free on both UDP and TCP now, outside the ephemeral range.
func UDPAndTCP(t testing.TB, count int) int {
	t.Helper()
	if count < 1 || count > n {
		t.Fatalf("testport: %d ports asked, want 1 to %d", count, n)
	}
	top := ephemeralStart() - count
	for range 200 {
		first := lowest + rand.IntN(top-lowest)
		if free(first, count) {
			return first
		}
	}
	t.Fatalf("testport: no %d consecutive loopback ports free on UDP and TCP below %d", count, top+count)
	return 0
}

// free reports whether ports first..first+count-1 can each be bound on UDP and
// on TCP, holding every bind until all are checked.
func free(first, count int) bool {
	var held []interface{ Close() error }
	defer func() {
		for _, c := range held {
			_ = c.Close()
		}
	}()
	for p := first; p < first+count; p++ {
		addr := fmt.Sprintf("127.0.0.1:%d", p)
		u, err := net.ListenPacket("udp", addr)
		if err != nil {
			return false
		}
		held = append(held, u)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		held = append(held, l)
	}
	return true
}
