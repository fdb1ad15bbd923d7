// Package loadtest is the load generator behind `ensemble loadtest`: simulated participants
// (Pion clients from signalling/client, in one process) that publish the committed VP8
// simulcast and Opus test clips, subscribe to each other, and measure what they receive —
// join time, tracks subscribed, bitrate, loss, jitter, freezes and end-to-end delay (from the
// abs-capture-time header extension the SFU passes through) — together with the server's own
// CPU, memory, packets and NACK/PLI counts read from its /metrics.
//
// The joins come first (a few at a time, bounded by Config.JoinTimeout); Config.Duration
// is then measured, and the server figures cover that part only, so that CPU per packet
// is forwarding work and not DTLS handshakes. Each participant's UDP socket gets a large
// receive buffer: the generator must not drop packets itself and call it loss.
//
// Subscribe-only participants receive in one of two modes (Config.SubscriberMode,
// --subscriber-mode). Full, the default and the mode for correctness runs, reads every
// packet through Pion: decrypted, passed through the interceptors (NACK, reports,
// TWCC), parsed. Light is for many subscribers on few cores: ICE and DTLS are Pion's,
// for real, but each socket hands every SRTP media datagram to a lightReceiver before
// Pion sees it (lightconn.go; on Linux every light socket of a run is read by one
// goroutine per CPU through epoll, lightpoll_linux.go, up to 8 datagrams per recvmmsg),
// which reads the RTP header in place — SRTP leaves it in the clear: sequence number,
// timestamp, marker, SSRC, and the header extensions with the transport-wide sequence
// number and abs-capture-time — and drops the payload undecrypted. That gives loss,
// jitter, freezes and delay as the full mode measures them (payload bytes are the
// datagram less header and the 16-byte AES-GCM tag, the only profile a light subscriber
// offers; a packet with the P bit counts none, like a full subscriber's count of a
// probe). Because Pion's interceptors never see those packets, the light receiver
// builds the transport-wide congestion control feedback itself (pion/interceptor's
// twcc.Recorder, every 100 ms as Pion's interceptor does; one goroutine sends every
// subscriber's, feedbackclock.go) and sends it, and a PLI when a video starts, through
// the subscriber connection's RTCP writer: without that feedback the server's estimator
// would not keep the top layer. A light subscriber declines RFC 9335 (cryptex), which
// would encrypt the header extensions, and asks Pion for OnTrack before the first
// packet (Pion never gets one). It sends no NACKs or receiver reports (its connections
// have none of Pion's default interceptors, client.WithoutDefaultInterceptors): the
// server allocates layers on TWCC alone.
//
// Load tests are aimed at one's own servers on purpose: a URL that is not loopback is
// refused unless Config.AllowRemote is set.
package loadtest
