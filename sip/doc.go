// Package sip is Ensemble's SIP bridge: phones and room systems call a meeting's
// number and take part in its room, each call as one participant of kind sip
// (vocab.ParticipantSIP) joined through package signalling/client and named
// from the caller's From display name.
//
//	b, err := sip.New(sip.Config{Listen: "0.0.0.0:5060", PublicIP: "203.0.113.7",
//		Domain: "sip.example.com", URL: "http://127.0.0.1:7880", APIKey: key, APISecret: secret})
//	...
//	err = b.Serve(ctx) // until ctx ends; every call is hung up (BYE) on the way out
//
// It runs inside `ensemble serve` when the configuration has sip.listen, or as
// its own process (`ensemble sip --url ... --api-key ... --api-secret ...`); either
// way it reaches the server only through its API and WebSocket, with tokens it
// signs with the API key.
//
// Dial-in: an INVITE to sip:<meeting number>@<domain> (the meeting's numeric SIP
// id, also its dial-in PIN) joins that meeting's room. The number is looked up
// with GET /api/v1/meetings/{number} (Meetings, APIMeetings). The SIP signalling
// is github.com/emiago/sipgo over UDP and TCP, and TLS (below).
//
// Gateway: a call to Config.GatewayNumber (the number invitations give with a
// PIN) is answered at once with a spoken prompt, in English then French ("enter
// the meeting number, followed by the hash key"; package sip/prompts, made
// offline with espeak-ng and sox by sip/prompts/generate.sh). The caller types
// the meeting number (its PIN) and # as RFC 4733 events or in SIP INFO
// (application/dtmf-relay); * starts over. A wrong number is said so; after
// PINTries of them the caller hears goodbye and is hung up (BYE). A caller
// whose offer has no telephone-event may type them as tones in the audio
// (in-band DTMF): a Goertzel detector (package sip/internal/dtmf) listens to
// the decoded audio of such calls only, so that a phone sending both never
// has a key counted twice.
//
// Lobby: a call joins as a guest, so in a room whose lobby is on it knocks
// (with the caller's name) and waits for a room admin. A dial-in call is then
// answered at once and waits there, instead of ringing until a phone or proxy
// gives up; a gateway call waits after its meeting number. Waiting, the
// caller hears a soft beep (WaitingToneHz, 0.4 s every 3 s), so that the line
// does not seem dead; it stops as soon as the caller is let in. Admitted, the caller is in the room; refused, the bridge hangs up
// (BYE). A call the bridge placed (dial-out) does not knock: a room admin
// chose whom to call, so its token carries the skip_lobby grant, which lets
// that one participant into that one room and, unlike room_admin, decides
// nothing for others.
//
// Media: the far end's SDP offer (pion/sdp) picks the codec, in its order of
// preference, among Opus, G.722, PCMU and PCMA over RTP/AVP or RTP/SAVP;
// telephone-event is accepted beside it. Each call has its own UDP socket for RTP, in the
// configured port range, and answers where the far end's RTP comes from
// (symmetric RTP). Both ways go through a jitter buffer that holds three 20 ms
// frames:
//
//	caller → room: RTP → jitter buffer → decoder of the leg → Opus encoder → microphone track
//	room → caller: each room audio track (Opus) → jitter buffer → Opus decoder at the
//	               leg's rate → mix of the loudest three → encoder of the leg → RTP
//
// Each packet of the caller's voice carries the RFC 6464 audio level
// (urn:ietf:params:rtp-hdrext:ssrc-audio-level, negotiated by the room
// client's media engine as a browser's) of the frame the bridge decoded from
// the leg: its RMS in -dBov, and the V bit from -50 dBov up (audiolevel.go).
// The room's speaker detector reads nothing else, so a caller who speaks is
// an active speaker like anyone, and a room system is shown another room
// system that speaks.
//
// The caller's voice enters the room as Opus, not as the leg's G.711 or G.722
// passed through: every browser, the recorder (Ogg/Opus) and the mixing of the
// other calls then get the one codec they all take, with in-band FEC. Room
// audio is asked for as Opus only (client.WithCodecs), so a Go client
// publishing G.711 is not heard by callers. The bridge never subscribes to its
// own tracks, so a caller never hears its own voice.
//
// Codecs (package sip/internal/codec): Opus through libopus and G.722 through
// spandsp, both with cgo (Debian's libopus-dev and libspandsp-dev); G.711 is a
// table lookup written from the standard (not worth a library).
//
// Video (video.go, videosdp.go): an INVITE whose offer has an m=video line
// over RTP/AVP or RTP/AVPF with H.264 in packetization mode 1, in a profile
// the room carries (constrained baseline however spelt, baseline, main or
// high: answered as 42e01f, 42001f, 4d001f or 64001f, level 3.1), gets that
// line answered (in the direction the offer allows) on a UDP socket of its
// own, and the caller's H.264 is published as the participant's camera
// track: its RTP is forwarded as it comes (payloads, sequence numbers,
// timestamps and markers untouched; the room client sets the SSRC and
// payload type), never decoded. A key frame asked of that track in the room
// (PLI or FIR from the server) is asked of the caller as RTCP PLI when its
// offer had a=rtcp-fb nack pli, FIR when only ccm fir, else as SIP INFO
// picture_fast_update (application/media_control+xml, RFC 5168); once more
// when its video first comes. Video the bridge cannot take (no H.264, mode 0
// only, another profile, DTLS, or not protected as the audio is) has its
// m= line refused with port 0 and the call goes on with audio. A call
// whose audio is SRTP takes video over RTP/SAVP or RTP/SAVPF with SDES keys
// of its own (videosrtp.go: its own contexts, the first usable a=crypto,
// answered with a fresh key of the bridge's under its tag), and refuses
// video in clear beside it; a plain call refuses SRTP video. The caller's
// RTCP on the video socket is then SRTCP, and so are the bridge's PLI and
// FIR; a packet that does not authenticate is dropped before the bridge
// latches onto its source.
// The other way, the caller is shown the camera of the room's active
// speaker (speakervideo.go), passed through: the bridge's room client takes
// H.264 when the call has video, and follows the room's ActiveSpeakers
// events. cameraPicker (speakerpick.go) chooses: the loudest active speaker
// who is not the caller and publishes an H.264 camera (or a camera with an
// H.264 backup: the room client declares H.264 as its only video codec, so
// the room asks publishers of VP8 cameras for an H.264 backup and sends it
// under the camera's SID), once they held the floor for speakerHold (1 s:
// long enough that a "yes" or a cough of someone else does not switch the
// picture, short enough to follow a conversation). The floor is given again
// whenever a camera comes or goes, not only on a new list of speakers: the
// room sends that list only when it changes, and a room system's audio is
// published before its video. While nobody such speaks, the camera shown stays; at the
// start, or when the camera shown is unpublished or its participant left,
// the floor's camera or else the first H.264 camera published is shown at
// once, and with none left no video is sent until one comes. As a
// participant of kind sip, the room client gets the layers it asks for
// whatever its bandwidth estimate says, like a recorder: it runs in or
// beside the server, and the caller's own link is the SIP side's. The room
// client subscribes to every track (the caller hears all the room's
// audio), and a camera the caller is not shown is unsubscribed as soon as
// it arrives; to switch, the bridge subscribes to the new camera and asks
// it for a key frame (PLI, again every 500 ms until one comes), keeps
// sending the old one meanwhile, and unsubscribes the old one once the
// switch is made. videoSwitcher (videoswitch.go) makes the switch at the
// new camera's key frame (SPS or IDR, h264key.go) and only once the old
// camera's frame ended (its marker, or the next frame's start when the
// marker was lost): the key frame is held back until then. The caller gets
// one stream: the bridge's SSRC and the caller's payload type, sequence
// numbers going on from one camera to the next with no hole and no reuse
// (a camera's own losses stay holes), timestamps going forward across a
// switch by the wall time between the old camera's last frame and the new
// one's key frame, and without the room's header extensions. A key frame
// is asked of the camera shown whenever the caller's RTCP holds a PLI or
// FIR (the answer's a=rtcp, RFC 3605, or rtcp-mux brings the caller's RTCP
// to the video socket), or the caller sends SIP INFO picture_fast_update
// (RFC 5168; a body that is not that XML is answered 400). Every 5 s, once it sent video, the bridge sends the
// caller an RTCP sender report of that stream (videosr.go: NTP and RTP time
// of one instant, packets and octets sent, with its CNAME), where the
// caller's RTCP goes, for devices that line up sound and picture by them.
//
// Key presses (RFC 4733 telephone-event, SIP INFO, or tones in the audio when
// no telephone-event was offered) become data messages in the room with
// topic "dtmf" and the body {"digit":"5"}. The tones themselves are not
// taken out of the voice the room hears.
//
// Errors are answered with their own status and logged, and touch nothing else:
// an offer that is not SDP 400, no common codec 488 (with a Warning 305), an
// unknown or cancelled meeting 404, the call limit reached 503 with
// Retry-After, a request in no dialog 481; CANCEL before the answer stops the
// join (sipgo answers 200 and 487). A call ends on BYE from either side, when
// the room connection closes, and when no RTP came for MediaTimeout (30 s);
// a re-INVITE in the same codec holds (sendonly, inactive) or resumes it,
// the video as the audio: a video line on hold gets no camera, and on resume
// the camera shown is asked for a key frame.
// Session timers (RFC 4028): a caller's Session-Expires is granted with
// refresher=uac (422 with Min-SE under MinSessionExpires), refreshed by
// re-INVITE or UPDATE, and a session nobody refreshed is hung up.
//
// TLS and SRTP: with Config.TLSListen (sip.tls_listen, and sip.tls_cert_file
// and sip.tls_key_file; `ensemble sip --tls-listen --tls-cert-file
// --tls-key-file`) the bridge serves SIP over TLS (1.2 at least) on a port of
// its own, and its Contact for a dialog that came over TLS is
// sip:...;transport=tls on that port; its BYE goes back over the caller's
// connection, which gets through the caller's NAT and needs no certificate
// of the caller. An offer over RTP/SAVP with SDES keys (RFC 4568, sdes.go:
// AES_CM_128_HMAC_SHA1_80 and _32, AES_256_CM_HMAC_SHA1_80 and _32 of RFC
// 6188, AEAD_AES_128_GCM and _256 of RFC 7714; lifetimes, MKIs and several
// keys per line) is answered with the tag of the first usable a=crypto line
// and a fresh random key of the bridge's own in its suite; the call's RTP is
// then encrypted and authenticated by pion/srtp, each way with its sender's
// key, and a packet that does not authenticate (a forgery, a replay, RTP in
// clear) is dropped before the bridge latches onto its source. An offer with
// both an RTP/AVP and an RTP/SAVP stream (best-effort SRTP) is answered on
// the SAVP one. Policy: a call that came over TLS must offer SRTP (else 488,
// Warning 399 "SRTP required: ..."); over UDP and TCP an SDES offer is taken
// too (the far end asked), though its keys crossed the network in clear, and
// a plain offer is answered as before. An a=crypto that breaks RFC 4568's
// grammar (tag, suite, base64, key length of the suite, lifetime, MKI) is
// 488 with Warning 306 saying what is wrong; no usable line (suite,
// UNENCRYPTED_SRTP and other session parameters that weaken or change the
// protection, KDR other than 0) is 488 with Warning 399 naming each line's
// reason. A re-INVITE keeps the call's protection (SRTP to plain, or the
// reverse, or another suite is 488) and may bring new keys of the far end.
// A trunk with RequireSRTP (sip.trunks[].require_srtp) needs SRTP of its
// calls over UDP and TCP as well.
// Dial-out to a URI with transport=tls goes over TLS (the far end checked
// against Config.TLSCAFile, sip.tls_ca_file, else the system's roots) with
// the TLS Contact, offering SRTP only (AES_CM_128_HMAC_SHA1_80 and _32), the
// video too (RTP/SAVP, keys of its own); an answer without SRTP audio fails
// the call, and video in clear in the answer is not taken.
//
// Trunks (Config.Trunks): with none, anyone may call (open dial-in). With
// some, an INVITE from an address on no trunk's allow-list (CIDRs) is refused
// 403 and logged; a trunk that requires authentication answers its INVITEs 401
// with a digest challenge (RFC 2617/8760, MD5, qop=auth, realm Config.Domain),
// whose nonce carries its expiry (5 minutes) and a random salt signed with a
// key of the bridge, so that no state is kept per challenge. Right
// credentials go on; wrong ones, or a user of no trunk allowed from that
// address, are refused 403; right ones on an expired nonce get a new
// challenge with stale=true. Each nonce-count is taken once per nonce (RFC
// 7616 3.4.5; without qop the nonce itself once): a captured Authorization
// sent again gets a new challenge (stale=true), which only the phone that
// knows the password can answer. The counts are kept for the nonces that
// authenticated, until they expire, at most 4096 of them; past that the
// soonest to expire are forgotten and taken as stale.
//
// Registration (Config.Register): the bridge registers at a registrar (digest
// authentication), again at four fifths of the granted expiry, backing off
// from RetryMin to RetryMax after failures, and unregisters when it closes;
// Bridge.Registration tells the state.
//
// Dial-out: Bridge.Dial calls a sip: URI (offering Opus, G.722, PCMU, PCMA and
// telephone-event, and H.264 video, dialvideo.go: packetization mode 1,
// constrained baseline 42e01f, RTCP PLI and FIR, its RTCP on the video
// socket) and joins the answered call to a room; when the answer takes the
// video, the call has the video of a call that came in (its camera
// published, the active speaker's camera sent to it), else audio only;
// Dialed tells its progress (dialing, ringing, answered, busy, no_answer,
// failed with the SIP status, ended) and HangUp ends it (CANCEL or BYE). The room API serves it as
// POST/GET/DELETE /api/v1/rooms/{room}/sip-participants[/{id}] when the bridge
// runs inside `ensemble serve` (or in its own process, below), which also
// hears each new state (Config.OnDialProgress) and tells it to the webhooks
// (sip_call_progress) and to the room (a data message from the server, topic
// sip_call), both with the call as GET shows it.
//
// In its own process (`ensemble sip`), the bridge reads the sip: section of
// a YAML file (--config, as ensemble serve's: trunks and all; flags given
// override it) and, with --http (sip.http), serves /readyz and /metrics as
// below and the dial-out of a server configured with sip.bridge_url: the
// server POSTs /bridge/v1/rooms/{room}/calls with a token for that room
// signed with the key the bridge holds (sip.bridge_api_key), and the call's
// states come back as JSON lines on that response, held open until the call
// ends; DELETE .../calls/{id} hangs up. The server keeps the states for GET
// and announces them as its own bridge's. Progress rides on the server's own
// request, so the bridge needs no way to reach the server beyond the one it
// has, and no secret but the API key is shared (cmd/ensemble: sipremote.go,
// sipbridgehttp.go).
//
// Metrics (Collectors, on /metrics of ensemble serve or ensemble sip --http):
// ensemble_sip_calls, ensemble_sip_calls_answered,
// ensemble_sip_refused_total{status} and, with a registrar,
// ensemble_sip_registered, ensemble_sip_registration_expiry_timestamp_seconds
// and ensemble_sip_register_attempts_total. Their /readyz shows the
// calls and the registration (registered, expires, attempts, last_error) under
// "sip", without making the node unready when the registrar refuses: the
// node still serves its rooms and the calls sent to its address.
//
// Not yet: a server restarted while its calls go on through a bridge in its
// own process forgets them (their progress and hang-up); a VP8 (or VP9, AV1)
// camera whose publisher cannot send an H.264 backup is not shown to the
// caller (nothing is transcoded; the web app and the Go client send
// backups, a browser without an H.264 encoder does not);
// room cameras in another H.264 profile than the
// one answered to the caller (sent as they are); video RTCP beyond PLI,
// FIR and the bridge's sender reports (the caller's reports are dropped,
// the bridge sends no receiver reports, and its reports' RTP time follows
// the last packet sent, not the camera's capture clock); re-packetizing
// packets larger than the room's MTU (a room system's packets are passed
// as they are); a video m= line added by a
// re-INVITE; SIP INFO picture_fast_update is sent but not yet tried against
// a real user agent (baresip offers RTCP feedback); SRTP keyed by DTLS
// (UDP/TLS/RTP/SAVP) or MIKEY; sips: URIs (dial-out takes
// sip:...;transport=tls); audio RTCP, sent or read, plain or SRTCP (the
// bridge sends none, drops what comes on the RTP port and never reads
// port+1); the TLS certificate is read at start, not reloaded when it
// changes; registration over TLS; in-band DTMF on dial-out
// calls (their answer is expected to carry telephone-event); the tones of
// in-band keys are not muted in the room.
package sip
