package forward

import (
	"errors"
	"io"
	"os"
	"time"
)

// maxRTCPReadFailures is how many reads in a row may fail (unparsable packets)
// before a reader gives up.
const maxRTCPReadFailures = 100

// readRTCPUntilEnd calls handle with each batch (parsed packets, or what a
// reader keeps of them) that read returns, with its
// arrival time, until the stream ends: stopped says so, or read fails with an
// end of stream (EOF, closed pipe, an expired deadline or a timeout). Other read
// errors are retried; after maxRTCPReadFailures in a row, giveUp is told the last
// one and the reader stops. Both the publisher side (layers' sender reports) and
// the subscriber side (DownTrack feedback) read their RTCP this way.
func readRTCPUntilEnd[T any](read func() (T, error), stopped func() bool, giveUp func(error),
	handle func(T, time.Time)) {
	failures := 0
	for {
		pkts, err := read()
		if err != nil {
			if stopped() || rtcpReadEnded(err) {
				return
			}
			if failures++; failures > maxRTCPReadFailures {
				giveUp(err)
				return
			}
			continue
		}
		failures = 0
		handle(pkts, time.Now())
	}
}

func rtcpReadEnded(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}
