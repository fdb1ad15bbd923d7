//go:build !linux

package udpbatch

import (
	"net"
	"net/netip"
)

// rawReceiver reads through the net package where there is no raw recvfrom.
type rawReceiver struct{ uc *net.UDPConn }

func newRawReceiver(uc *net.UDPConn) (*rawReceiver, error) { return &rawReceiver{uc: uc}, nil }

func (r *rawReceiver) readFrom(b []byte) (int, netip.AddrPort, error) {
	return r.uc.ReadFromUDPAddrPort(b)
}
