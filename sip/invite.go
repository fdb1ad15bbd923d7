package sip

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emiago/sipgo/sip"
)

// onInvite answers a new call: it checks the offer, finds the meeting, joins its
// room and answers 200 with SDP once the room leg is up. Whatever goes wrong is
// answered with its own status (statusOf) and logged; nothing else is touched.
func (b *Bridge) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	log := b.log.With("call_id", callID(req), "from", fromURI(req), "to", req.Recipient.String(), "source", req.Source())
	if to := req.To(); to != nil && to.Params.Has("tag") {
		b.onReinvite(req, tx, log)
		return
	}
	refuse := func(err error) {
		code, reason := statusOf(err)
		log.Warn("sip call refused", "status", code, "err", err)
		b.countRefused(code)
		res := sip.NewResponseFromRequest(req, code, reason, nil)
		if code == 488 {
			res.AppendHeader(warningOf(err))
		}
		if code == sip.StatusServiceUnavailable {
			res.AppendHeader(sip.NewHeader("Retry-After", "30"))
		}
		if err := tx.Respond(res); err != nil {
			log.Debug("sip response not sent", "err", err)
		}
	}
	trunk, err := b.trunkOf(req)
	if ch := (*errChallenge)(nil); errors.As(err, &ch) {
		b.challenge(req, tx, ch, log)
		return
	}
	if err != nil {
		refuse(err)
		return
	}
	if trunk != "" {
		log = log.With("trunk", trunk)
	}
	off, err := parseOffer(req.Body())
	if err != nil {
		refuse(err)
		return
	}
	interval, err := sessionExpires(req)
	if err != nil {
		refuse(err)
		return
	}
	if interval > 0 && interval < b.cfg.MinSessionExpires {
		log.Warn("sip call refused", "status", 422, "session_expires", interval)
		b.countRefused(422)
		res := sip.NewResponseFromRequest(req, 422, "Session Interval Too Small", nil)
		res.AppendHeader(sip.NewHeader("Min-SE", strconv.Itoa(int(b.cfg.MinSessionExpires.Seconds()))))
		_ = tx.Respond(res)
		return
	}
	c := &call{b: b, id: callID(req), offer: off, name: callerName(req), log: log, number: req.Recipient.User}
	c.gateway = b.cfg.GatewayNumber != "" && c.number == b.cfg.GatewayNumber
	if err := b.secureMedia(req, c, trunk); err != nil {
		refuse(err)
		return
	}
	c.sessionTimer.Store(int64(interval))
	c.refresh()
	if err := b.admit(c); err != nil {
		refuse(err)
		return
	}
	answered := false
	defer func() {
		if !answered {
			b.release(c)
		}
	}()
	dialog, err := b.dialogs.ReadInvite(req, tx)
	if err != nil {
		refuse(fmt.Errorf("%w: %w", ErrBadRequest, err))
		return
	}
	c.dialog = dialog
	_ = dialog.Respond(sip.StatusTrying, "Trying", nil)

	// The set-up ends early on CANCEL (the dialog's context) and on Close.
	ctx, cancel := context.WithCancel(dialog.Context())
	stop := context.AfterFunc(b.ctx, cancel)
	defer stop()
	defer cancel()

	if err := c.setUp(ctx); err != nil {
		c.tearDown()
		if ctx.Err() != nil {
			log.Info("sip call cancelled before answer", "err", err)
			return // sipgo answered the CANCEL and 487 the INVITE
		}
		code, reason := statusOf(err)
		log.Warn("sip call refused", "status", code, "err", err)
		b.countRefused(code)
		if err := dialog.Respond(code, reason, nil); err != nil {
			log.Debug("sip response not sent", "err", err)
		}
		return
	}
	sdp, err := off.answer(c.localRTP(), c.sdpSession, 1)
	if err == nil {
		contact := b.contactFor(req)
		headers := append(timerHeaders(interval), sip.NewHeader("Content-Type", "application/sdp"), &contact)
		err = dialog.Respond(sip.StatusOK, "OK", sdp, headers...) // returns once the ACK came
	}
	if err != nil {
		log.Warn("sip call not answered", "err", err)
		c.tearDown()
		return
	}
	answered = true
	c.answered.Store(true)
	log.Info("sip call answered", "room", c.room, "codec", off.codec.Name, "rtp_remote", off.remote.String(), "name", c.name,
		"transport", req.Transport(), "srtp", c.srtpSuite(), "video", c.video != nil, "video_srtp", c.videoSRTPSuite())
	go c.run()
}

// onReinvite handles an INVITE inside a dialog: hold and resume, a new address.
func (b *Bridge) onReinvite(req *sip.Request, tx sip.ServerTransaction, log *slog.Logger) {
	b.mu.Lock()
	c := b.active[callID(req)]
	b.mu.Unlock()
	if c == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
		return
	}
	c.reinvite(req, tx)
}

func (b *Bridge) onAck(req *sip.Request, tx sip.ServerTransaction) {
	if err := b.dialogs.ReadAck(req, tx); err != nil {
		b.log.Debug("sip ACK outside a dialog", "call_id", callID(req), "err", err)
	}
}

func (b *Bridge) onBye(req *sip.Request, tx sip.ServerTransaction) {
	b.mu.Lock()
	c := b.active[callID(req)]
	b.mu.Unlock()
	if sess := c.outSession(); sess != nil {
		if err := sess.ReadBye(req, tx); err != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
		}
		return
	}
	if err := b.dialogs.ReadBye(req, tx); err != nil {
		b.log.Info("sip BYE outside a dialog", "call_id", callID(req), "err", err)
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
	}
}

// onOptions answers keep-alive and capability probes.
func (b *Bridge) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	_ = tx.Respond(res)
}

func callID(req *sip.Request) string {
	if h := req.CallID(); h != nil {
		return h.Value()
	}
	return ""
}

func fromURI(req *sip.Request) string {
	if f := req.From(); f != nil {
		return f.Address.String()
	}
	return ""
}

// maxNameRunes bounds the participant name taken from a caller's display name.
const maxNameRunes = 64

// callerName is the From display name, else the caller's user part, else "Phone".
func callerName(req *sip.Request) string {
	name := ""
	if f := req.From(); f != nil {
		name = strings.Trim(strings.TrimSpace(f.DisplayName), `"`)
		if name == "" {
			name = f.Address.User
		}
	}
	name = strings.ToValidUTF8(strings.TrimSpace(name), "")
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if utf8.RuneCountInString(name) > maxNameRunes {
		name = string([]rune(name)[:maxNameRunes])
	}
	if name == "" {
		name = "Phone"
	}
	return name
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
