//go:build !linux

package udpbatch

import "net"

// Without sendmmsg nothing is batched, so nothing is segmented either.
const (
	maxSegments     = 1
	maxSegmentBytes = MaxDatagram
)

var segmentOOBSize = 0

func canSegment(*net.UDPConn) bool { return false }

func putSegmentSize(oob []byte, _ int) []byte { return oob[:0] }
