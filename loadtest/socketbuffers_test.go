package loadtest

import (
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The participants' sockets get the larger receive buffer, as far as the kernel
// allows (net.core.rmem_max; Linux reports twice the size it keeps).
func TestBigBufferNetEnlargesReceiveBuffer(t *testing.T) {
	n, err := newBigBufferNet()
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	uc, ok := c.(*net.UDPConn)
	if !ok {
		t.Fatalf("ListenUDP returned %T", c)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var size int
	var sockErr error
	if err := raw.Control(func(fd uintptr) {
		size, sockErr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}); err != nil || sockErr != nil {
		t.Fatal(err, sockErr)
	}
	want := clientReadBuffer
	if b, err := os.ReadFile("/proc/sys/net/core/rmem_max"); err == nil {
		if max, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && max < want {
			want = max
		}
	}
	if size < want {
		t.Fatalf("receive buffer %d bytes, want at least %d", size, want)
	}
}
