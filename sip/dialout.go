package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/sdp/v3"

	"github.com/ensemble-sfu/ensemble/sip/internal/codec"
)

// DialState is how far a call the bridge placed got.
type DialState string

// Dial-out states: dialing, then ringing (180/183), then answered (in the room)
// or busy (486, 600), no_answer (408, 480, or nobody answered in DialTimeout),
// failed (any other status, in SIPStatus); ended once it is over after the answer.
const (
	DialDialing  DialState = "dialing"
	DialRinging  DialState = "ringing"
	DialAnswered DialState = "answered"
	DialBusy     DialState = "busy"
	DialNoAnswer DialState = "no_answer"
	DialFailed   DialState = "failed"
	DialEnded    DialState = "ended"
)

// Dialed describes a call the bridge placed.
type Dialed struct {
	ID        string    `json:"id"`
	Room      string    `json:"room"`
	URI       string    `json:"uri"`
	Name      string    `json:"name"`
	State     DialState `json:"state"`
	SIPStatus int       `json:"sip_status,omitempty"` // the final SIP status when it failed
}

// DialTimeout is how long a placed call may ring.
const DialTimeout = 60 * time.Second

// ErrNoSuchCall: no placed call has this id (in this room).
var ErrNoSuchCall = errors.New("sip: no such call")

// outbound is the dial-out side of a call.
type outbound struct {
	sess   *sipgo.DialogClientSession
	ctx    context.Context    // ends on HangUp (and when the bridge closes)
	cancel context.CancelFunc // HangUp: CANCEL while ringing, BYE once answered

	report func(Dialed) // Config.OnDialProgress; nil for none

	mu    sync.Mutex
	state Dialed
}

// set changes the call's state and reports a new one. A call's changes all
// come from one goroutine at a time (dial, then the call's run), so reports
// keep their order.
func (o *outbound) set(f func(*Dialed)) {
	o.mu.Lock()
	before := o.state.State
	f(&o.state)
	after := o.state
	o.mu.Unlock()
	if after.State != before && o.report != nil {
		o.report(after)
	}
}

// session is the call's dialog, nil before the INVITE went out.
func (o *outbound) session() *sipgo.DialogClientSession {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sess
}

func (o *outbound) get() Dialed {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.state
}

// Dial calls uri (a room system, a phone) and, once it answers, joins it to
// room as a participant named name. It returns at once; Dialed tells the
// progress.
func (b *Bridge) Dial(room, uri, name string) (Dialed, error) {
	var target sip.Uri
	if err := sip.ParseUri(uri, &target); err != nil || target.Host == "" || (target.Scheme != "sip" && target.Scheme != "") {
		return Dialed{}, fmt.Errorf("%w: %q is not a sip: URI", ErrBadRequest, uri)
	}
	if name == "" {
		name = target.User
	}
	id := randomID()
	c := &call{b: b, id: id + "@" + b.public.Addr().String(), name: name, log: b.log.With("dial_id", id, "to", uri, "room", room)}
	ctx, cancel := context.WithCancel(b.ctx)
	c.out = &outbound{ctx: ctx, cancel: cancel, report: b.cfg.OnDialProgress,
		state: Dialed{ID: id, Room: room, URI: uri, Name: name, State: DialDialing}}
	if err := b.admit(c); err != nil {
		cancel()
		return Dialed{}, err
	}
	b.mu.Lock()
	b.forgetEndedDials()
	b.dialed[id] = c.out
	b.mu.Unlock()
	placed := c.out.get() // dialing: read before the call can move on
	go c.dial(ctx, target, room)
	return placed, nil
}

// Dialed returns the state of a placed call of room.
func (b *Bridge) Dialed(room, id string) (Dialed, error) {
	b.mu.Lock()
	o := b.dialed[id]
	b.mu.Unlock()
	if o == nil || o.get().Room != room {
		return Dialed{}, fmt.Errorf("%w: %s", ErrNoSuchCall, id)
	}
	return o.get(), nil
}

// HangUp ends a placed call of room: CANCEL while it rings, BYE once answered.
func (b *Bridge) HangUp(room, id string) error {
	b.mu.Lock()
	o := b.dialed[id]
	b.mu.Unlock()
	if o == nil || o.get().Room != room {
		return fmt.Errorf("%w: %s", ErrNoSuchCall, id)
	}
	o.cancel()
	return nil
}

// dial places the call, then runs it like an incoming one once answered.
func (c *call) dial(ctx context.Context, target sip.Uri, room string) {
	answered := false
	defer func() {
		if !answered {
			c.out.cancel()
			c.tearDown()
			c.b.release(c)
		}
	}()

	fail := func(state DialState, status int, err error) {
		c.out.set(func(d *Dialed) { d.State, d.SIPStatus = state, status })
		c.log.Warn("sip dial-out failed", "state", state, "status", status, "err", err)
	}
	if err := c.prepareLeg(); err != nil {
		fail(DialFailed, 0, err)
		return
	}
	if err := c.prepareDialSRTP(target); err != nil {
		fail(DialFailed, 0, err)
		return
	}
	if err := c.prepareDialVideo(); err != nil {
		fail(DialFailed, 0, err)
		return
	}
	body, err := c.offerSDP()
	if err != nil {
		fail(DialFailed, 0, err)
		return
	}
	ua := sipgo.DialogUA{Client: c.b.client, ContactHDR: c.b.dialContact(target)}
	req := sip.NewRequest(sip.INVITE, target)
	req.SetBody(body)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.AppendHeader(&sip.FromHeader{DisplayName: "Ensemble", Address: sip.Uri{Scheme: "sip", User: "ensemble", Host: c.b.public.Addr().String()}, Params: fromTag()})
	callIDHeader := sip.CallIDHeader(c.id)
	req.AppendHeader(&callIDHeader)
	c.b.sendFromSIPPort(req)
	ringCtx, ringCancel := context.WithTimeout(ctx, DialTimeout)
	defer ringCancel()
	sess, err := ua.WriteInvite(ringCtx, req)
	if err != nil {
		fail(DialFailed, 0, err)
		return
	}
	c.out.mu.Lock()
	c.out.sess = sess
	c.out.mu.Unlock()
	err = sess.WaitAnswer(ringCtx, sipgo.AnswerOptions{OnResponse: func(res *sip.Response) error {
		if res.StatusCode == sip.StatusRinging || res.StatusCode == sip.StatusSessionInProgress {
			c.out.set(func(d *Dialed) {
				if d.State == DialDialing {
					d.State = DialRinging
				}
			})
		}
		return nil
	}})
	var refused *sipgo.ErrDialogResponse
	switch {
	case errors.As(err, &refused):
		status := refused.Res.StatusCode
		switch status {
		case sip.StatusBusyHere, 600:
			fail(DialBusy, status, err)
		case sip.StatusRequestTimeout, sip.StatusTemporarilyUnavailable:
			fail(DialNoAnswer, status, err)
		default:
			fail(DialFailed, status, err)
		}
		sess.Close()
		return
	case err != nil && ctx.Err() != nil:
		c.out.set(func(d *Dialed) { d.State = DialEnded }) // hung up (or the bridge closed) while ringing
		c.log.Info("sip dial-out cancelled before the answer")
		sess.Close()
		return
	case err != nil && ringCtx.Err() != nil:
		fail(DialNoAnswer, 0, err)
		sess.Close()
		return
	case err != nil:
		fail(DialFailed, 0, err)
		sess.Close()
		return
	}
	if err := c.takeAnswer(ctx, sess, room); err != nil {
		fail(DialFailed, 0, err)
		bctx, bcancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = sess.Bye(bctx)
		bcancel()
		sess.Close()
		return
	}
	answered = true
	c.answered.Store(true)
	c.out.set(func(d *Dialed) { d.State = DialAnswered })
	c.log.Info("sip dial-out answered", "codec", c.offer.codec.Name, "srtp", c.srtpSuite(), "video", c.video != nil, "video_srtp", c.videoSRTPSuite())
	go func() {
		c.run()
		sess.Close()
		c.out.set(func(d *Dialed) { d.State = DialEnded })
		c.out.cancel()
	}()
}

// takeAnswer takes the far end's SDP answer, acknowledges, and joins the room.
func (c *call) takeAnswer(ctx context.Context, sess *sipgo.DialogClientSession, room string) error {
	ans, err := parseOffer(sess.InviteResponse.Body())
	if err == nil {
		err = c.takeAnswerCrypto(ans)
	}
	if err != nil {
		_ = sess.Ack(ctx)
		return err
	}
	if err := c.takeAnswerVideo(ans); err != nil {
		_ = sess.Ack(ctx)
		return err
	}
	c.mu.Lock()
	c.offer = ans
	c.mu.Unlock()
	if c.media, err = newAudioPath(ans.codec, c.b.cfg.JitterFrames); err != nil {
		_ = sess.Ack(ctx)
		return err
	}
	c.media.setPayloadType(ans.payloadType)
	remote := ans.remote
	c.remote.Store(&remote)
	if err := sess.Ack(ctx); err != nil {
		return fmt.Errorf("sip: ACK: %w", err)
	}
	if err := c.joinRoom(ctx, room); err != nil {
		return err
	}
	c.mu.Lock()
	c.log = c.roomLog // before the call's goroutines start
	c.mu.Unlock()
	return nil
}

// prepareLeg opens the RTP socket of a placed call; its codec is known only
// from the answer.
func (c *call) prepareLeg() error {
	cfg := &c.b.cfg
	c.ended = make(chan struct{})
	c.hangup = make(chan string, 1)
	c.dtmf = make(chan rune, 16)
	c.sdpSession = uint64(time.Now().UnixNano())
	c.sdpVersion = 1
	var err error
	if c.rtp, err = listenRTP(c.b.listenIP(), cfg.RTPPortMin, cfg.RTPPortMax); err != nil {
		return err
	}
	c.offer = &offer{direction: "sendrecv", eventPT: dialEventPT}
	return nil
}

// Payload types of the bridge's own offer.
const (
	dialOpusPT  = 111
	dialEventPT = 101
)

// offerSDP is the bridge's offer: every codec it speaks, Opus first, and
// H.264 video when the call has a video socket (dialvideo.go).
func (c *call) offerSDP() ([]byte, error) {
	local := c.localRTP()
	ip := local.Addr().String()
	sd := sdp.SessionDescription{
		Origin: sdp.Origin{Username: "ensemble", SessionID: c.sdpSession, SessionVersion: c.sdpVersion,
			NetworkType: "IN", AddressType: addrType(local.Addr()), UnicastAddress: ip},
		SessionName:           "Ensemble",
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: addrType(local.Addr()), Address: &sdp.Address{Address: ip}},
		TimeDescriptions:      []sdp.TimeDescription{{}},
	}
	md := &sdp.MediaDescription{MediaName: sdp.MediaName{Media: "audio", Port: sdp.RangedPort{Value: int(local.Port())}, Protos: []string{"RTP", "AVP"}}}
	for _, cd := range []codec.Info{codec.Opus, codec.G722, codec.PCMU, codec.PCMA} {
		pt := cd.StaticPT
		if pt < 0 {
			pt = dialOpusPT
		}
		md.MediaName.Formats = append(md.MediaName.Formats, strconv.Itoa(pt))
		name := fmt.Sprintf("%d %s/%d", pt, cd.Name, cd.ClockRate)
		if cd.Channels > 1 {
			name += "/" + strconv.Itoa(cd.Channels)
		}
		md.WithValueAttribute("rtpmap", name)
	}
	md.MediaName.Formats = append(md.MediaName.Formats, strconv.Itoa(dialEventPT))
	md.WithValueAttribute("rtpmap", strconv.Itoa(dialEventPT)+" telephone-event/8000")
	md.WithValueAttribute("fmtp", strconv.Itoa(dialEventPT)+" 0-16")
	md.WithValueAttribute("ptime", strconv.Itoa(codec.FrameMillis))
	md.WithPropertyAttribute("sendrecv")
	c.offerCrypto(md)
	sd.MediaDescriptions = []*sdp.MediaDescription{md}
	if c.video != nil {
		sd.MediaDescriptions = append(sd.MediaDescriptions, c.offerVideo())
	}
	return sd.Marshal()
}

func fromTag() sip.HeaderParams {
	p := sip.NewParams()
	p.Add("tag", randomID())
	return p
}

// maxDialed bounds the placed calls whose state the bridge remembers.
const maxDialed = 1000

// forgetEndedDials drops the states of finished placed calls when there are
// too many (b.mu held).
func (b *Bridge) forgetEndedDials() {
	if len(b.dialed) < maxDialed {
		return
	}
	for id, o := range b.dialed {
		if o.ctx.Err() != nil {
			delete(b.dialed, id)
		}
	}
}
