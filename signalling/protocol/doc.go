// Package protocol defines the signalling wire protocol of Ensemble: JSON messages
// in an envelope {type, req_id, data} over a WebSocket at /rtc. Server and clients
// both import it. The shared words come from package vocab; their JSON shapes
// (info.go) and the conversions (convert.go) live here and nowhere else.
//
// signalling/PROTOCOL.md describes the connection, every message and the order of a
// session. DecodeClient is what the server runs on every client message: it returns
// the typed request or a *DecodeError with a precise code, so that one bad message
// gets an error reply and the session continues.
//
//	msg, err := protocol.DecodeClient(frame)
//	var de *protocol.DecodeError
//	if errors.As(err, &de) { reply(de.ReqID, de.ErrorMessage()) }
//	switch req := msg.Body.(type) { case protocol.AddTrackRequest: ... }
package protocol
