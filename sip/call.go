package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/sip/internal/codec"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// sipJoinRetry is how long a call's join tries a busy node again (503 with
// Retry-After): a room system dialling in waits a few seconds rather than
// being turned away, and an INVITE's answer is still well within its 32 s.
const sipJoinRetry = 12 * time.Second

// call is one SIP call bridged into a room: the SIP dialog, its RTP socket, and
// the room participant (a signalling/client) that publishes the caller's voice
// and hears the room.
type call struct {
	b      *Bridge
	id     string // SIP Call-ID
	number string // the called number (the meeting's SIP id)
	name   string // participant name, from the From display name
	log    *slog.Logger
	dialog *sipgo.DialogServerSession // an incoming call's dialog
	out    *outbound                  // a call the bridge placed (dial-out)

	offer      *offer // the current offer (re-INVITEs replace it, under mu)
	sdpSession uint64
	sdpVersion uint64
	room       string

	rtp              *net.UDPConn
	srtp             *srtpLeg                       // nil for RTP/AVP
	sdesOffered      []cryptoAttr                   // our keys in a placed call's offer over TLS
	videoSDESOffered []cryptoAttr                   // and those of its video (dialvideo.go)
	remote           atomic.Pointer[netip.AddrPort] // where RTP goes: the SDP's address, then where it comes from
	lastRTP          atomic.Int64                   // unix nanoseconds of the last RTP packet from the far end
	gateway          bool                           // called at the gateway number: asks for the meeting number
	cl               *client.Client                 // the room leg (under mu: the gateway joins late)
	mic              atomic.Pointer[client.LocalTrack]
	hangup           chan string // the call ends for this reason
	media            *audioPath
	video            *videoLeg // the far end's camera (video.go); nil without video
	dtmf             chan rune
	ended            chan struct{} // closed when the room leg ends (the server closed it)
	endOnce          sync.Once
	answered         atomic.Bool
	sessionTimer     atomic.Int64 // RFC 4028 interval in nanoseconds; 0 without one
	refreshed        atomic.Int64 // unix nanoseconds of the last refresh
	mu               sync.Mutex
	tornDown         bool
	legsClosed       bool
	lobby            *pendingJoin // a join waiting in the room's lobby at the answer (under mu)
	roomLog          *slog.Logger // c.log with the room and identity, once joined (under mu)
}

// tokenFor is the token a call joins with: a participant of kind sip that
// publishes its microphone (and a room system's camera), hears the others and sends the caller's key presses
// (publish_data). A call the bridge placed (dialOut) skips the room's lobby: a
// room admin chose whom to call. It gets skip_lobby, not room_admin, which
// would also let the phone admit, mute and remove others.
func tokenFor(cfg *Config, room, identity, name string, dialOut bool) (string, error) {
	return auth.Sign(cfg.APIKey, cfg.APISecret, auth.TokenParams{
		Identity: identity, Name: name, Room: room, Kind: vocab.ParticipantSIP,
		Grants: auth.Grants{Join: true, Publish: true, Subscribe: true, PublishData: true,
			Sources:   []string{string(vocab.SourceMicrophone), string(vocab.SourceCamera)},
			SkipLobby: dialOut},
		TTL: 24 * time.Hour,
	})
}

// setUp opens the RTP socket and, unless the call is to the gateway number
// (which asks for the meeting number first), finds the room and joins it. On
// error the caller tears down what was made.
func (c *call) setUp(ctx context.Context) error {
	cfg := &c.b.cfg
	c.ended = make(chan struct{})
	c.hangup = make(chan string, 1)
	c.dtmf = make(chan rune, 16)
	c.sdpSession = uint64(time.Now().UnixNano())
	c.sdpVersion = 1
	var err error
	c.rtp, err = listenRTP(c.b.listenIP(), cfg.RTPPortMin, cfg.RTPPortMax)
	if err != nil {
		return err
	}
	remote := c.offer.remote
	c.remote.Store(&remote)
	if err := c.openVideo(); err != nil {
		return err
	}
	if c.media, err = newAudioPath(c.offer.codec, cfg.JitterFrames); err != nil {
		return err
	}
	c.media.setPayloadType(c.offer.payloadType)
	if c.offer.eventPT < 0 {
		// No telephone-event offered: the keys can only come as tones in the
		// audio (or in SIP INFO). Not otherwise, lest a phone that sends both
		// have each key twice.
		c.media.listenForTones(c.offer.codec.PCMRate, c.keyPressed)
	}
	if c.gateway {
		return nil
	}
	room, err := cfg.Meetings.RoomOf(ctx, c.number)
	if err != nil {
		return err
	}
	return c.joinOrWait(ctx, room)
}

// joinRoom joins room as the call's participant and publishes the caller's audio.
func (c *call) joinRoom(ctx context.Context, room string, more ...client.Option) error {
	cfg := &c.b.cfg
	identity := "sip-" + randomID()
	log := c.log.With("room", room, "identity", identity)
	tok, err := tokenFor(cfg, room, identity, c.name, c.out != nil)
	if err != nil {
		return fmt.Errorf("sip: token: %w", err)
	}
	opts := append([]client.Option{
		client.WithLogger(log),
		// A busy node is tried again for a while, well within the time a
		// caller's INVITE waits for its answer.
		client.WithJoinRetry(sipJoinRetry),
		client.WithCodecs(c.roomCodecs()...),
		client.WithInterceptor(c.media.levelStamper()),
	}, cfg.ClientOptions...)
	opts = append(opts, more...)
	cl, err := client.Join(ctx, cfg.URL, tok, opts...)
	if err != nil {
		return fmt.Errorf("sip: join room %s: %w", room, lobbyRefusal(err))
	}
	mic, err := cl.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone, MimeType: webrtc.MimeTypeOpus, Name: "sip"})
	if err != nil {
		_ = cl.Close()
		return fmt.Errorf("sip: publish the caller's audio: %w", err)
	}
	cam, err := c.publishCamera(ctx, cl)
	if err != nil {
		_ = cl.Close()
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.legsClosed {
		_ = cl.Close() // the call ended while joining
		return fmt.Errorf("sip: join room %s: %w", room, context.Canceled)
	}
	c.cl, c.room, c.roomLog = cl, room, log
	c.mic.Store(mic)
	if cam != nil {
		c.video.cam.Store(cam)
	}
	return nil
}

// roomClient is the call's room participant, nil before it joined.
func (c *call) roomClient() *client.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cl
}

// startRoom starts hearing the room and forwarding the caller's keys to it.
func (c *call) startRoom(ctx context.Context, wg *sync.WaitGroup) {
	cl := c.roomClient()
	wg.Go(func() { c.roomEvents(ctx, cl, wg) })
	wg.Go(func() { c.forwardDTMF(ctx, cl) })
}

func (c *call) localRTP() netip.AddrPort {
	return netip.AddrPortFrom(c.b.public.Addr(), uint16(c.rtp.LocalAddr().(*net.UDPAddr).Port))
}

// run carries the call's media until either side hangs up, then ends the call.
func (c *call) run() {
	defer c.b.release(c)
	ctx, cancel := context.WithCancel(c.dialogContext()) // ends on the far end's BYE
	defer cancel()
	stop := context.AfterFunc(c.b.ctx, cancel)
	defer stop()
	if c.out != nil {
		stopOut := context.AfterFunc(c.out.ctx, cancel) // HangUp
		defer stopOut()
	}

	c.lastRTP.Store(time.Now().UnixNano())
	var wg sync.WaitGroup
	wg.Go(func() { c.readRTP() })
	if c.video != nil {
		wg.Go(c.readVideo)
		wg.Go(func() { c.watchKeyframes(ctx) })
		wg.Go(func() { c.sendSenderReports(ctx) })
	}
	c.mu.Lock()
	lobby := c.lobby
	c.mu.Unlock()
	switch {
	case c.gateway:
		wg.Go(func() { c.runGateway(ctx, &wg) })
	case lobby != nil:
		wg.Go(func() { c.waitInLobby(ctx, &wg, lobby) })
	default:
		c.startRoom(ctx, &wg)
	}

	why := c.pump(ctx)
	farEndHungUp := c.dialogContext().Err() != nil
	c.log.Info("sip call ended", "why", why)
	if !farEndHungUp {
		bctx, bcancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := c.bye(bctx); err != nil {
			c.log.Warn("sip BYE failed", "err", err)
		}
		bcancel()
	}
	cancel()
	c.closeLegs()
	wg.Wait()
	c.tearDown()
}

// pump is the call's clock: every 20 ms it moves one frame each way and checks
// the media timeout. It returns why the call ends.
func (c *call) pump(ctx context.Context) string {
	tick := time.NewTicker(codec.FrameMillis * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			if c.dialogContext().Err() != nil {
				return "caller hung up"
			}
			return "bridge closing"
		case <-c.ended:
			return "room connection closed"
		case why := <-c.hangup:
			return why
		case <-tick.C:
		}
		if err := c.media.up(c.mic.Load()); err != nil && !errors.Is(err, errNoFrame) {
			c.log.Debug("sip uplink frame", "err", err)
		}
		if pkt := c.protect(c.media.down()); pkt != nil && c.sending() {
			if dst := c.remote.Load(); dst != nil && dst.Port() != 0 && !dst.Addr().IsUnspecified() {
				if _, err := c.rtp.WriteToUDPAddrPort(pkt, *dst); err != nil {
					c.log.Debug("sip RTP send", "err", err)
				}
			}
		}
		if c.receiving() && time.Since(time.Unix(0, c.lastRTP.Load())) > c.b.cfg.MediaTimeout {
			return fmt.Sprintf("no RTP for %v", c.b.cfg.MediaTimeout)
		}
		if c.sessionExpired() {
			return "session timer ran out (no refresh)"
		}
	}
}

// sending and receiving follow the far end's last offer (hold: sendonly or inactive).
func (c *call) sending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offer.direction == "sendrecv" || c.offer.direction == "recvonly"
}

func (c *call) receiving() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offer.direction == "sendrecv" || c.offer.direction == "sendonly"
}

// closeLegs ends both legs: the room client (its events and tracks end) and the
// RTP socket (its reader ends).
func (c *call) closeLegs() {
	c.mu.Lock()
	c.legsClosed = true
	cl := c.cl
	c.mu.Unlock()
	if cl != nil {
		_ = cl.Close()
	}
	if c.rtp != nil {
		_ = c.rtp.Close()
	}
	c.closeVideo()
}

// tearDown frees everything once no goroutine uses it any more.
func (c *call) tearDown() {
	c.mu.Lock()
	done := c.tornDown
	c.tornDown = true
	c.mu.Unlock()
	if done {
		return
	}
	c.abandonLobby()
	c.closeLegs()
	if c.media != nil {
		c.media.close()
	}
}

func (c *call) endRoom() { c.endOnce.Do(func() { close(c.ended) }) }

// reinvite answers a re-INVITE: hold, resume or a new RTP address, in the codec
// already chosen (a change of codec is refused with 488).
func (c *call) reinvite(req *sip.Request, tx sip.ServerTransaction) {
	off, err := parseOffer(req.Body())
	c.mu.Lock()
	current := c.offer
	c.mu.Unlock()
	if err == nil && (off.codec.Name != current.codec.Name || off.payloadType != current.payloadType) {
		err = fmt.Errorf("%w: the call is in %s (%d), the re-INVITE offers %s (%d)", ErrNoCommonCodec,
			current.codec.Name, current.payloadType, off.codec.Name, off.payloadType)
	}
	if err == nil {
		err = c.rekeySRTP(off)
	}
	if err == nil {
		c.keepVideo(off)
	}
	if err != nil {
		code, reason := statusOf(err)
		c.log.Warn("sip re-INVITE refused", "status", code, "err", err)
		_ = tx.Respond(sip.NewResponseFromRequest(req, code, reason, nil))
		return
	}
	c.mu.Lock()
	c.sdpVersion++
	version := c.sdpVersion
	c.offer = off
	c.mu.Unlock()
	if off.remote.Port() != 0 && !off.remote.Addr().IsUnspecified() {
		remote := off.remote
		c.remote.Store(&remote)
	}
	c.lastRTP.Store(time.Now().UnixNano())
	body, err := off.answer(c.localRTP(), c.sdpSession, version)
	if err != nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusInternalServerError, "Server Internal Error", nil))
		return
	}
	c.refresh()
	res := sip.NewSDPResponseFromRequest(req, body)
	for _, h := range timerHeaders(time.Duration(c.sessionTimer.Load())) {
		res.AppendHeader(h)
	}
	contact := c.b.contactFor(req)
	res.AppendHeader(&contact)
	c.log.Info("sip re-INVITE", "direction", off.direction, "rtp_remote", off.remote.String())
	_ = tx.Respond(res)
}

// bye hangs up.
func (c *call) bye(ctx context.Context) error {
	if sess := c.outSession(); sess != nil {
		return sess.Bye(ctx)
	}
	return c.dialog.WriteBye(ctx, c.requestToCaller(sip.BYE))
}

// requestToCaller is a request of the dialog of a call that came in, to the
// caller. Over UDP it leaves from the SIP port the call came to, not from a new
// socket: the caller's NAT and firewall only know that one; over TLS it goes
// back over the caller's connection (backOverTLS).
func (c *call) requestToCaller(method sip.RequestMethod) *sip.Request {
	invite := c.dialog.InviteRequest
	req := sip.NewRequest(method, invite.Contact().Address)
	req.SetTransport(invite.Transport())
	c.b.sendFromSIPPort(req)
	backOverTLS(req, invite)
	return req
}

// dialogContext ends when the dialog does (the far end's BYE, or CANCEL before
// the answer).
func (c *call) dialogContext() context.Context {
	if sess := c.outSession(); sess != nil {
		return sess.Context()
	}
	return c.dialog.Context()
}

// outSession is a placed call's dialog (nil for incoming calls).
func (c *call) outSession() *sipgo.DialogClientSession {
	if c == nil || c.out == nil {
		return nil
	}
	return c.out.session()
}
