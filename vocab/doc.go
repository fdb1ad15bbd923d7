// Package vocab is the shared vocabulary of Ensemble: the words every part uses
// to talk about a meeting, and nothing else. Sources, media kinds, simulcast
// qualities, close reasons, participant kinds, permissions and the public
// descriptions of rooms, participants and tracks live here, so that the media
// plane (sfu), the signalling server, the Go client, loadtest, the recorder and
// the SIP bridge can speak about the same things without depending on one
// another.
//
// The name says what it holds: a vocabulary, not a protocol. The package imports
// only the standard library and carries no JSON tags: how these words are spelled
// on the wire (the WebSocket protocol, webhooks, the HTTP API) is decided in
// signalling/protocol alone, which converts these structs to its wire shapes. The
// string values of the enumerations (camera, audio, room_deleted…) are the names
// the protocol sends, so a change here is a protocol change.
//
// A test in internal/importrules holds the rule: vocab imports only the standard
// library.
//
//	info := vocab.TrackInfo{SID: "TR_x", Kind: vocab.KindVideo, Source: vocab.SourceCamera}
//	if q, err := vocab.ParseQuality("medium"); err == nil && q < vocab.QualityHigh { ... }
package vocab
