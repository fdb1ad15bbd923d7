// Package srtpout is the write path of forwarded media past Pion: once a
// subscriber connection's DTLS handshake is done, its packets are numbered
// for transport-wide feedback, recorded for its bandwidth estimator,
// encrypted with an SRTP context of our own and queued on the engine's
// batching UDP socket (package udpbatch) for the address ICE selected. Pion's
// interceptor chain, SRTP session, DTLS/ICE mux and ICE candidate pair, which
// each took a lock, a channel select or a copy per packet and subscriber,
// are no longer on the way; RTCP, DTLS and ICE stay with Pion.
//
// The keys: Pion does not hand out a connection's SRTP keys, but its DTLS
// settings let us see what derives them (Keys): the master secret and the
// client random through the key log writer, the server random, the cipher
// suite and the SRTP protection profile through the server hello hook. From
// those the RFC 5764 keying material is exported (RFC 5705, the TLS 1.2 PRF)
// exactly as Pion does for its own context. Both come from the DTLS server's
// side only, so the path is used where the SFU is the DTLS server, which it
// is whenever it offers and the subscriber answers "active" (browsers and
// Pion do); elsewhere packets go through Pion as before. The settings are
// per webrtc.API, so each subscriber connection has an API of its own.
//
// Conn is the path of one connection, Stream one sender on it; a Stream
// writes through Pion until Conn.Enable and after Conn.Disable.
package srtpout
