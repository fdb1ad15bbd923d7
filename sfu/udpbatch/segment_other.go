//go:build !linux

package udpbatch

import (
	"errors"
	"net"

	"golang.org/x/net/ipv4"
)

// Without sendmmsg nothing is batched, so nothing is segmented either.
const (
	maxSegments     = 1
	maxSegmentBytes = MaxDatagram
)

var segmentOOBSize = 0

func canSegment(*net.UDPConn) bool { return false }

func putSegmentSize(oob []byte, _ int) []byte { return oob[:0] }

// rawSender is Linux's sendmmsg; New never makes one elsewhere.
type rawSender struct{}

func newRawSender(*net.UDPConn, int) (*rawSender, error) { return nil, nil }

func (*rawSender) send([]ipv4.Message) (int, error) { return 0, errors.ErrUnsupported }
