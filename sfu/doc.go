// Package sfu is the selective forwarding unit of Ensemble: an Engine owns the
// media sockets (one UDP port through Pion's ICE UDP mux, one ICE-TCP port) and the
// rooms; a Room owns its participants; a Participant owns two peer connections.
//
// The publisher connection carries media from the participant: the client offers
// (HandleOffer answers) and every received track becomes a forward.UpTrack. The
// subscriber connection carries media to the participant: the server offers (the
// SubscriberOffer event, answered with HandleAnswer) and every subscription is a
// forward.DownTrack on it. Only one subscriber offer is outstanding at a time;
// changes made meanwhile are applied and offered together after the answer.
// Re-offers also wait until the connection has connected once, so that no
// client gets one in the middle of its DTLS handshake (an ICE restart does not
// wait).
//
// A participant that joins with ClientOffers (a WHIP encoder, a WHEP player)
// offers on both connections: no SubscriberOffer is sent, and
// AnswerSubscriberOffer answers its offer with the tracks subscribed before it.
//
// The first subscriber offer is sent right after Join. It always carries one data
// channel ("ensemble"), so that ICE and DTLS connect even when there is nothing to
// receive yet; later subscriptions only renegotiate media sections.
//
// Candidates: the client trickles its candidates for both connections
// (AddICECandidate; those arriving before the remote description are queued).
// The server's publisher candidates are in the answer HandleOffer returns (the
// muxed ports give only host candidates, known at once), so no
// ICECandidateEvent for TargetPublisher is ever sent and none can overtake the
// answer; the server's subscriber candidates trickle as ICECandidateEvent, never
// before the SubscriberOffer they belong to. The server runs full ICE.
//
// Simulcast and bandwidth: every subscriber connection estimates its downstream
// bandwidth (package internal/sendbwe, the GCC draft's delay- and loss-based
// estimator on TWCC feedback, for congestion; REMB from clients that send only
// that; padding probes to find more; bandwidth.go). The room's activity
// goroutine shares each subscriber's estimate among its tracks every 200 ms
// (package bwalloc: screen share, then active speakers, then other cameras;
// audio always) and sends SubscriptionLayer when a choice changes (allocation.go);
// it also tells publishers which layers nobody needs (PublisherLayers,
// dynacast.go). Engine.BandwidthStats exposes the estimates and choices. A
// recorder (vocab.ParticipantRecorder) is the exception: it gets every track at
// the layer it asks for, since a frame it misses is lost from the recording. A
// relay (vocab.ParticipantRelay, package cascade) is outside the allocator too:
// it receives each layer of a simulcast video on a DownTrack of its own pinned
// to that layer (subscriber.go relayLayers), so that its node republishes the
// track as simulcast.
// The estimator's state changes only with the feedback it reads, so it can be
// seconds old (a subscriber whose videos are paused sends none): a probe is
// judged by the feedback on its own packets (sendbwe's counts of loss, and
// their delay growing), and the estimator's congestion lowers the estimate
// only when the last second of feedback shows loss or a queue. While the process waits for a CPU (package
// internal/starvation reads the runtime's scheduling latencies), growing delay
// is not taken for congestion (it neither lowers the estimate nor fails a
// probe): packets sent or read late on a busy machine look like a queue on
// the link, for every subscriber at once, and no lower layer cures that. Loss
// is still believed. Retransmissions on an RTX SSRC carry no transport-wide
// number (package twccext): a receiver addresses its feedback to the SSRC of
// the last numbered packet, and Pion reads no RTCP addressed to an RTX SSRC.
//
// The write path (writepathown.go): once a subscriber connection's DTLS is up
// and ICE selected a pair on the engine's UDP socket, its DownTracks write
// through package srtpout (transport-wide numbering, the estimator's record,
// SRTP with keys derived from the DTLS handshake, the batching socket) and no
// longer through Pion's interceptors, SRTP session and ICE connection; over
// TCP, and before DTLS is up, they write through Pion. Each subscriber
// connection has a webrtc.API of its own for that: the DTLS hooks that reveal
// its keys are per API. Config.PionWritePath turns the own path off.
//
// Slow subscribers (stall.go): over UDP a DownTrack writes on the publisher
// layer's reader goroutine (the engine's batching socket never blocks). Over
// ICE-TCP a subscriber that stops reading its socket blocks writes (the TCP
// mux has no buffer of its own), so the DownTracks of a subscriber connection
// whose selected pair is TCP write through a bounded queue and a goroutine of
// their own: a full queue stalls the subscription (SubscriptionLayer paused,
// reason vocab.LayerStalled), nobody else waits, and it resumes from a key
// frame once the queue has drained. PLIs to publishers are written off the
// media goroutines for the same reason.
//
// Backups (backup.go): a participant says which video codecs it decodes
// (JoinParams.VideoCodecs; a SIP room system takes H.264 only). While someone
// who cannot decode a camera's or screen share's codec but decodes H.264 is in
// the room, its publisher is asked for an H.264 backup (PublisherBackup); the
// backup is a codec variant of its primary: in no roster (the primary's
// TrackInfo names BackupMimeType), sent under the primary's SID to those who
// cannot decode the primary, muted and removed with it. Nothing is transcoded.
//
// Admission and room lifetime are decided in one place, under the room's lock
// (admission.go): the capacity rule (shown participants count; hidden ones and
// recorders neither count nor are refused), what a participant kind implies (a
// recorder is always hidden), and the close of an empty room, which re-checks
// that the room is still empty so that no join is ever closed by it. A room
// with nobody but recorders in it is empty: they only listen, and their
// recordings end with the room.
//
// The package knows nothing of WebSockets, JSON or tokens: the signalling layer
// calls its methods and turns the Events sent to each participant's EventSink into
// protocol messages. Its words (sources, kinds, qualities, close reasons, the info
// structs) come from package vocab.
//
//	eng, _ := sfu.NewEngine(ctx, sfu.Config{BindIP: "127.0.0.1"})
//	room, _ := eng.GetOrCreateRoom("standup")
//	p, _ := room.Join(sfu.JoinParams{Identity: "ada", AutoSubscribe: true, Sink: sink})
//	answer, _ := p.HandleOffer(offerSDP)
package sfu
