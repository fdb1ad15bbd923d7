package forward

import "time"

// epoch is the origin of the monotonic nanosecond times used on the media path
// (packet arrival, rate limits). Times are offset by one so that zero can mean
// "never".
var epoch = time.Now()

func monoNanos(t time.Time) int64 { return int64(t.Sub(epoch)) + 1 }

// ntpMiddle32 returns the middle 32 bits of the NTP timestamp of t, the unit
// (1/65536 s) of the LSR and DLSR fields of receiver reports.
func ntpMiddle32(t time.Time) uint32 {
	const ntpEpochOffset = 2208988800 // seconds from 1900 to 1970
	ns := t.UnixNano()
	sec := uint64(ns/int64(time.Second)) + ntpEpochOffset
	frac := uint64(ns%int64(time.Second)) << 32 / uint64(time.Second)
	return uint32(sec<<16 | frac>>16)
}
