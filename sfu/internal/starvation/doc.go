// Package starvation tells when this process is starved of CPU: when its
// runnable goroutines wait for a processor far longer than usual.
//
// The bandwidth estimator needs to know. Its delay-based signal (transport-wide
// feedback showing packets arriving later and later) is what congestion looks
// like, but it is also what a machine too busy to run the server, or the
// receivers on it, on time looks like: packets leave and are read late, though
// the link is idle. Taken for congestion, that lowers or pauses every
// subscriber's video at once, for a cause no lower layer cures. The Go runtime
// measures the wait directly (/sched/latencies:seconds); a Meter reads it at
// most every few hundred milliseconds, from the allocator's own loop, so an
// idle server never reads it.
package starvation
