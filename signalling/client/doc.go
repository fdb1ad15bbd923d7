// Package client is the Go client of an Ensemble server: it joins a room over the
// WebSocket protocol of package signalling/protocol, publishes and receives media
// over two Pion PeerConnections, and resumes by itself when the connection drops.
// Tests, the load tester, the recorder and the SIP bridge are all built on it.
//
// A session:
//
//	c, err := client.Join(ctx, "http://127.0.0.1:7880", token)
//	if err != nil {
//		log.Fatal(client.ErrorCode(err), err) // e.g. "token_expired"
//	}
//	defer c.Close()
//
//	// Publish the embedded test clips: VP8 in three simulcast layers, and Opus.
//	low, _ := clip.ParseIVF(clips.VP8Low)
//	mid, _ := clip.ParseIVF(clips.VP8Medium)
//	high, _ := clip.ParseIVF(clips.VP8High)
//	cam, err := c.PublishTrack(ctx, client.TrackOptions{
//		Source: sfu.SourceCamera, Width: 1280, Height: 720,
//		Layers: []vocab.LayerInfo{{Width: 320, Height: 180}, {Width: 640, Height: 360}, {Width: 1280, Height: 720}},
//	})
//	go client.PlayClip(ctx, cam, low, mid, high)
//
//	for ev := range c.Events() {
//		switch ev := ev.(type) {
//		case client.TrackSubscribed: // media of another participant
//			go readRTP(ev.Track)          // or ev.Track.Discard()
//		case client.ParticipantLeft:
//		case client.Closed:
//			return // ev.Reason says why
//		}
//	}
//
// Connections: the publisher connection is offered by the client each time a track
// is published or unpublished (offers are serialised); the subscriber connection is
// offered by the server and answered on the session goroutine in order. Candidates
// trickle both ways. A subscribed track's WebRTC stream id is the publisher's SID and
// its track id the track SID; RemoteTrack carries both.
//
// Resume: when the WebSocket drops without a close message, the client dials again
// with resume=<sid> until the server's grace period (JoinResponse.ResumeGraceMS) is
// over. Requests made meanwhile wait for the new connection; a request whose answer
// was lost fails with ErrConnectionLost. After the resume the server restarts ICE
// on the subscriber connection and the client on the publisher connection; tracks
// and subscriptions are kept and the others see nothing. Events tell the owner:
// Reconnecting, then Resumed or Closed.
//
// Lobby: in a room whose lobby is on, Join of a guest blocks (pinging) until a room
// admin decides; WithLobbyWaiting tells the caller it waits. Admitted, Join returns
// as usual; refused, it returns an *Error with code "lobby_refused". A room admin's
// client gets LobbyKnock and LobbyLeft events and decides with AdmitGuest and
// RefuseGuest.
//
// Tests: DropConnection breaks the WebSocket; a Network (WithNetwork) cuts the
// media and signalling paths for a while or loses chosen RTP packets.
//
// Lifetime: every goroutine of the client ends in Close (or Leave), which also
// closes the Events channel; call one of them even after the server closed the session.
package client
