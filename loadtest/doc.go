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
// Load tests are aimed at one's own servers on purpose: a URL that is not loopback is
// refused unless Config.AllowRemote is set.
package loadtest
