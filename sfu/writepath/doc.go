// Package writepath holds the benchmarks of the last part of the forwarding
// path, the part Pion does: from a subscriber's TrackLocalWriter through the
// interceptors the SFU registers (RTCP sender reports, TWCC sequence numbers,
// optionally Pion's send-side estimator), SRTP encryption and ICE, to one UDP
// socket shared by every subscriber through ICE's UDP mux, written either
// datagram by datagram or in batches (sendmmsg) through sfu/udpbatch, as
// sfu.Engine does, or through pion/transport's udp.BatchConn, as it did
// before (BenchmarkWritePath). BenchmarkDirectWrite measures the floor of
// an own write path without Pion: one srtp.Context per subscriber and
// sfu/udpbatch.
//
//	go test -run '^$' -bench . -benchmem ./sfu/writepath/
//
// It has no code of its own: what it measures lives in Pion, sfu/twccext and
// sfu/udpbatch. Results and their reading are in BENCHMARKS.md at the root.
package writepath
