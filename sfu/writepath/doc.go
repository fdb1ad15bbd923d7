// Package writepath holds the benchmark of the last part of the forwarding
// path, the part Pion does: from a subscriber's TrackLocalWriter through the
// interceptors the SFU registers (RTCP sender reports, TWCC sequence numbers),
// SRTP encryption and ICE, to one UDP socket shared by every subscriber through
// ICE's UDP mux, written either datagram by datagram or in batches (sendmmsg),
// as sfu.Engine does.
//
//	go test -run '^$' -bench . -benchmem ./sfu/writepath/
//
// It has no code of its own: what it measures lives in Pion and in
// sfu/twccext. Results and their reading are in BENCHMARKS.md at the root.
package writepath
