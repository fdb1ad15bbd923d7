// Package twccext stamps transport-wide sequence numbers (the TWCC header
// extension) on every RTP packet a PeerConnection sends, so that subscribers can
// send the transport-cc feedback that bandwidth estimation is built on.
//
// It does what Pion's twcc.HeaderExtensionInterceptor does, without its
// allocation per packet (Pion marshals the 2-byte extension into a new slice):
// on the forwarding path that is one allocation per packet and subscriber. The
// extension bytes live in the interceptor and numbers are taken under its lock,
// which also makes them follow the order in which packets reach the network.
//
//	reg.Add(twccext.Factory{})
//
// The header extension itself must be registered on the MediaEngine
// (sdp.TransportCCURI) for the streams to carry it; streams without it pass
// through untouched.
package twccext
