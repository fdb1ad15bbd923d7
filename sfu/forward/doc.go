// Package forward is the media path of the SFU: it receives the RTP packets of
// a published track and forwards them to every subscriber.
//
// An UpTrack is one published track with one to three simulcast layers. Each
// layer has one reader goroutine that reads the publisher's packets, stores
// them in a packet cache (for retransmissions), reports audio levels and fans
// the packet out to the DownTracks. A DownTrack is one subscription: a
// webrtc.TrackLocal added to the subscriber's PeerConnection. It forwards one
// chosen layer, rewriting SSRC, payload type, sequence numbers, timestamps,
// header extension IDs and (VP8, VP9) picture IDs so that the subscriber sees one
// continuous stream across layer switches, pauses, mutes and publisher
// reconnects. Its RTCP goroutine answers NACKs from the cache (over RTX when
// negotiated), forwards PLI/FIR upstream (rate limited) and reads receiver
// reports for loss and RTT.
//
// Bandwidth adaptation is decided elsewhere (package sfu, off the media path)
// and applied here through atomics: SetTargetQuality picks the simulcast layer
// (switching at the new layer's key frame, requested with a rate-limited PLI),
// SetTargetTemporal the highest temporal layer (VP8/VP9 TID from the payload
// descriptor, AV1 from the dependency descriptor extension; frames above it
// are dropped with sequence numbers and picture IDs closed up),
// SetBandwidthPaused stops a video that does not fit at all, and WritePadding
// sends padding between frames to probe the subscriber's link. UpTrack.LayerRates measures each
// layer's bitrate and UpTrack.NeededQualities says which layers subscribers
// want, for dynacast.
//
// The hot path (one packet in, N packets out) allocates nothing of its own,
// takes no lock shared between subscribers, looks nothing up in maps and logs
// nothing; see BENCHMARKS.md at the repository root.
//
// Writes happen on the goroutine that forwards (the layer's reader), which is
// cheapest and safe while they cannot block (UDP). For a subscriber whose
// transport can block (ICE-TCP), UseWriteQueue gives the DownTrack a bounded
// queue and a writer goroutine of its own: when the queue is full the
// subscription stalls (a third pause, beside SetPaused and
// SetBandwidthPaused; DownTrackConfig.OnStall is told) instead of holding up
// the other subscribers, and resumes from a key frame once the queue has
// drained (stall.go).
//
// Use from package sfu:
//
//	up := forward.NewUpTrack(forward.UpTrackConfig{TrackSID: sid, Kind: remote.Kind(),
//		Codec: remote.Codec(), SendPLI: sendPLI})
//	up.AddLayer(remote, receiver) // from OnTrack, once per simulcast layer
//
//	down := forward.NewDownTrack(up, forward.DownTrackConfig{TrackID: sid, StreamID: publisherSID})
//	sender, _ := subscriberPC.AddTrack(down) // Pion calls down.Bind after negotiation
//	down.Start(sender)
//	...
//	_ = subscriberPC.RemoveTrack(sender)
//	down.Close()
//	up.Close()
//
// Interceptors assumed on the PeerConnections (registered by package sfu): on
// the publisher side, Pion's NACK generator (lost packets are requested from
// the publisher), RTCP receiver reports and TWCC feedback; on the subscriber
// side, the TWCC header-extension writer, and NOT Pion's NACK responder (the
// DownTrack answers NACKs itself from the cache; a responder would buffer every
// packet a second time and retransmit twice) NOR its sender-report generator:
// each DownTrack sends sender reports mapped from the publisher's, so that a
// subscriber (a browser, a recorder) keeps the publisher's audio-video sync
// (senderreport.go). Each layer also reads its publisher's RTCP for those reports.
package forward
