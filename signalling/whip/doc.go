// Package whip serves WHIP (RFC 9725, WebRTC-HTTP ingestion) and WHEP (the
// WebRTC-HTTP egress draft) for Ensemble: an encoder (OBS, GStreamer, ffmpeg,
// any WHIP client) publishes a stream into a room, and a player watches a
// participant or one track, each with one HTTP request instead of the
// WebSocket protocol.
//
//	POST   /whip/{room}                     offer (application/sdp) → 201 answer
//	PATCH  /whip/{room}/{session}           trickle or ICE restart (application/trickle-ice-sdpfrag)
//	DELETE /whip/{room}/{session}           end
//	POST   /whep/{room}/{identity or TR_…}  offer of receive-only sections → 201 answer
//	PATCH  /whep/{room}/{target}/{session}  as for WHIP
//	DELETE /whep/{room}/{target}/{session}
//
// Every request carries a room token as Authorization: Bearer. A WHIP token is
// of kind ingress with the publish grant (`ensemble token --kind ingress
// --grant join,publish`): the encoder becomes a participant of kind ingress,
// shown to the others, whose audio and video sections (with a=simulcast:send,
// its layers) become its tracks. A WHEP token needs subscribe; the player is
// a participant of the token's kind (give it the hidden grant to stay out of the
// participant list). Both are admitted by the signalling server as at /rtc
// (server.JoinDirect: drain, room cap, lobby), and both offer on their one
// connection: the media plane answers (sfu.JoinParams.ClientOffers).
//
// The 201 carries the session URL (Location), an ETag naming the ICE session and
// the ICE servers as Link headers. A PATCH with the current credentials adds
// candidates (204); one with new credentials and If-Match is an ICE restart,
// answered 200 with the server's new credentials and candidates. Refusals are
// problem documents (application/problem+json) with the status the RFC names.
//
//	h, _ := whip.New(whip.Config{Server: srv, Verifier: verifier})
//	srv.Mount("/whip/", h)
//	srv.Mount("/whep/", h)
//	defer h.Close() // ends every session
//
// WHIP and WHEP cannot renegotiate: a player's sections take the target's
// tracks at the POST, and a track published later needs a new session.
package whip
