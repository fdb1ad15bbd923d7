// Package rewrite turns packets from changing sources into one continuous
// outgoing RTP stream, as a subscriber must see it.
//
// A subscriber of the SFU receives one stream per track, while the packets it
// is built from come from different publisher streams over time: simulcast
// layers, a publisher that reconnected with a new SSRC, or the same stream
// after a pause. SeqTS keeps sequence numbers continuous (no gap, no jump back)
// and timestamps advancing with wall time across such switches; VP8 keeps the
// picture ID and TL0PICIDX of the VP8 payload descriptor continuous, and VP9
// those of the VP9 payload descriptor (ParseVP9/WriteVP9 read and write it).
//
// Both are plain state machines with no locking and no allocation: the owner
// (a forward.DownTrack) serialises calls.
//
//	var s rewrite.SeqTS
//	s.Init(90000)
//	seq, ts, ok := s.Rewrite(pkt.SequenceNumber, pkt.Timestamp, now)
//	// ...on a layer switch or resume:
//	s.Rebase()
package rewrite
