// Package turnrelay is Ensemble's embedded TURN server (RFC 8656, on Pion's
// pion/turn), for the networks that block UDP or allow only HTTPS: a browser that
// cannot reach the media port directly reaches it through a relay here, over UDP
// (3478) or TLS (5349, or 443 on a dedicated address).
//
// It relays to the server's own media and nothing else. A TURN server open to any
// peer is a proxy into the network it runs in (internal services, cloud metadata,
// other hosts); here each relay socket only sends to the media ports of this
// machine's own addresses, and TCP relays (RFC 6062) are refused.
//
// Credentials follow the TURN REST convention (username "<expiry>:<user>",
// password base64(HMAC-SHA1(secret, username))): the signalling server mints them
// for each participant at join time, short-lived, from a secret derived from an
// API secret, so no TURN account exists anywhere. Each user holds a bounded number
// of allocations.
package turnrelay
