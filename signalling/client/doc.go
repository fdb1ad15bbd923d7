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
//	mic, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
//	go feed(mic) // mic.WriteSample(0, media.Sample{...}) or mic.WriteRTP(0, packet)
//
//	for ev := range c.Events() {
//		switch ev := ev.(type) {
//		case client.TrackSubscribed: // media of another participant
//			go record(ev.Track)           // ev.Track.ReadPacket(), or ev.Track.Discard()
//		case client.ParticipantLeft:
//		case client.Closed:
//			return // ev.Reason says why
//		}
//	}
//
// Media: every codec the server accepts goes both ways: VP8, VP9, AV1, H.264
// (four profiles), Opus (and Opus in RED when asked for with WithCodecs), G.722,
// PCMU, PCMA, and RFC 4733 telephone events beside audio. A LocalTrack takes
// encoded samples (WriteSample) or RTP packets (WriteRTP, WriteTelephoneEvent). A
// RemoteTrack tells its source, codec and layers (Info, Codec), delivers packets
// with their arrival time (ReadPacket), the last RTCP sender report that maps its
// timestamps to the sender's clock (SenderReport: audio-video sync for a
// recorder), and sends key frame requests upstream (RequestKeyframe). WithCodecs
// narrows the codecs (a SIP bridge: G.711 and telephone-event only).
//
// Ports: by default each of a client's two connections has its own UDP port. Many
// clients of one process (a bridge's calls) can share one UDP socket, through
// Pion's ICE UDP mux (WithSettingEngine and SetICEUDPMux), when the server gives
// each connection a port of its own (its udp_port_range setting): ICE, DTLS and
// SRTP tell connections apart by the address pair, so on one local port they need
// distinct server ports. Against a server with its one media port (the default),
// keep each client on its own ports instead, within a range a firewall lets
// through (SetEphemeralUDPPortRange, two ports per call).
//
// Connections: the publisher connection is offered by the client each time a track
// is published or unpublished (offers are serialised); the subscriber connection is
// offered by the server and answered on the session goroutine in order. Candidates
// trickle both ways. A subscribed track's WebRTC stream id is the publisher's SID and
// its track id the track SID; RemoteTrack carries both.
//
// Busy server: a join refused with 503 (server_overloaded: the node is past its
// budget; node_unavailable: the room's node does not answer; the room's record
// unreadable while its store fails over) is tried again after the server's
// Retry-After (bounded to 1–10 s, with a little jitter), logged at Info, until
// the budget of WithJoinRetry (DefaultJoinRetry, 30 s) or ctx runs out; it then
// fails with ErrServerBusy wrapping the last refusal, and says how many tries it
// made. Every other refusal (401, 403, 404, 429, ...) returns at once. Resume and
// rejoin wait a busy node's Retry-After the same way within their own windows.
//
// Resume: when the WebSocket drops without a close message, the client dials again
// with resume=<sid> until the server's grace period (JoinResponse.ResumeGraceMS) is
// over. Requests made meanwhile wait for the new connection; a request whose answer
// was lost fails with ErrConnectionLost. After the resume the server restarts ICE
// on the subscriber connection and the client on the publisher connection; tracks
// and subscriptions are kept and the others see nothing. Events tell the owner:
// Reconnecting, then Resumed or Closed.
//
// Room move: a node that drains closes its sessions with room_moved; the client
// joins again through the same URL (new SID, tracks published again: Rejoined).
// The others known before come back on the new node under new SIDs; each one, found
// by identity, is announced as ParticipantMoved (OldSID, the new Participant), not as
// ParticipantLeft and ParticipantJoined. One not back within 15 s of the rejoin gets
// its ParticipantLeft then.
//
// Lobby: in a room whose lobby is on, Join of a guest blocks (pinging) until a room
// admin decides; WithLobbyWaiting tells the caller it waits. Admitted, Join returns
// as usual; refused, it returns an *Error with code "lobby_refused". A room admin's
// client gets LobbyKnock and LobbyLeft events and decides with AdmitGuest and
// RefuseGuest.
//
// Backups: WithCodecs limits what the client decodes; it tells the server its
// video codecs (video_codecs), and a video in another codec reaches it through
// the publisher's backup, under the video's SID. A camera published with
// TrackOptions.Backup (the same picture in H.264, from a source the caller
// plays) gets its backup published when the server asks (publisher_backup, a
// PublisherBackup event) and unpublished when it says nobody needs it; a
// track without such a source ignores the request. The backup is not in
// LocalTracks (LocalTrack.Backup) and is muted and unpublished with its track.
//
// Tests: package clienttest has a Network (WithNet) that cuts the media and
// signalling paths for a while, breaks the WebSocket or loses chosen RTP packets,
// and PlayClip, which plays the embedded test clips on a LocalTrack.
//
// Lifetime: every goroutine of the client ends in Close (or Leave), which also
// closes the Events channel; call one of them even after the server closed the session.
package client
