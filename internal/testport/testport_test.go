package testport

import (
	"fmt"
	"net"
	"testing"
)

// A picked port is outside the ephemeral range and can then be bound on UDP
// and TCP, with its neighbours when asked for several.
func TestUDPAndTCPIsFreeAndBelowTheEphemeralRange(t *testing.T) {
	for _, count := range []int{1, 2} {
		first := UDPAndTCP(t, count)
		if first < lowest || first+count > ephemeralStart() {
			t.Fatalf("port %d (and %d after) outside [%d, %d)", first, count-1, lowest, ephemeralStart())
		}
		for p := first; p < first+count; p++ {
			addr := fmt.Sprintf("127.0.0.1:%d", p)
			u, err := net.ListenPacket("udp", addr)
			if err != nil {
				t.Fatal(err)
			}
			l, err := net.Listen("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			u.Close()
			l.Close()
		}
	}
}
