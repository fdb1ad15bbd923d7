// Package loadtest is the load generator behind `ensemble loadtest`: simulated participants
// (Pion clients from signalling/client, in one process) that publish the committed VP8
// simulcast and Opus test clips, subscribe to each other, and measure what they receive —
// join time, tracks subscribed, bitrate, loss, jitter, freezes and end-to-end delay (from the
// abs-capture-time header extension the SFU passes through) — together with the server's own
// CPU and memory read from its /metrics.
//
// Load tests are aimed at one's own servers on purpose: a URL that is not loopback is
// refused unless Config.AllowRemote is set.
package loadtest
