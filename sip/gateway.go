package sip

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/sip/prompts"
)

// runGateway asks a caller of the gateway number for the meeting number: it
// plays the prompt, reads keys up to #, and joins that meeting's room; a wrong
// number is said so, up to PINTries times, then goodbye and BYE. Keys typed
// while a prompt plays count (and cut it short).
func (c *call) runGateway(ctx context.Context, wg *sync.WaitGroup) {
	cfg := &c.b.cfg
	say := func(name string) <-chan struct{} {
		pcm, err := prompts.PCM(name, c.offer.codec.PCMRate)
		if err != nil {
			c.log.Error("sip gateway prompt", "prompt", name, "err", err)
			done := make(chan struct{})
			close(done)
			return done
		}
		return c.media.play(pcm)
	}
	say(prompts.EnterNumber)
	for try := 1; try <= cfg.PINTries; try++ {
		number, err := c.readNumber(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			var room string
			room, err = cfg.Meetings.RoomOf(ctx, number)
			if err == nil {
				// In a room with its lobby on, this waits for a room admin's
				// decision, the caller hearing the waiting tone.
				waiting := client.WithLobbyWaiting(func(client.LobbyWaiting) { c.media.playWaitingTone() })
				if err = c.joinRoom(ctx, room, waiting); err == nil {
					c.media.stopPrompt()
					c.log.Info("sip gateway: meeting number accepted", "room", room, "try", try)
					c.startRoom(ctx, wg)
					return
				}
				if errors.Is(err, errLobbyRefused) {
					c.log.Info("sip gateway: caller refused in the lobby", "room", room, "err", err)
					select {
					case c.hangup <- "refused in the lobby":
					default:
					}
					return
				}
			}
		}
		c.log.Warn("sip gateway: meeting number refused", "try", try, "of", cfg.PINTries, "err", err)
		if try < cfg.PINTries {
			say(prompts.WrongNumber)
		}
	}
	select {
	case <-say(prompts.Goodbye):
	case <-ctx.Done():
		return
	}
	select {
	case c.hangup <- "no valid meeting number":
	default:
	}
}

var errNoDigits = errors.New("sip gateway: no meeting number typed")

// maxPINDigits bounds what the gateway collects before #.
const maxPINDigits = 20

// readNumber collects keys up to # (* starts over), waiting DigitTimeout for
// each; the first key stops the prompt.
func (c *call) readNumber(ctx context.Context) (string, error) {
	var b strings.Builder
	timer := time.NewTimer(c.b.cfg.DigitTimeout)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-timer.C:
			return "", errNoDigits
		case d := <-c.dtmf:
			c.media.stopPrompt()
			timer.Reset(c.b.cfg.DigitTimeout)
			switch {
			case d == '#':
				if b.Len() == 0 {
					return "", errNoDigits
				}
				return b.String(), nil
			case d == '*':
				b.Reset()
			case d >= '0' && d <= '9' && b.Len() < maxPINDigits:
				b.WriteRune(d)
			}
		}
	}
}

// onInfo takes keys sent in SIP INFO (application/dtmf-relay, "Signal=5"),
// the way some phones send them instead of RFC 4733, and requests for a full
// frame (application/media_control+xml, RFC 5168), the way some room
// systems ask for a key frame instead of RTCP PLI.
func (b *Bridge) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	b.mu.Lock()
	c := b.active[callID(req)]
	b.mu.Unlock()
	if c == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	if strings.HasPrefix(ct, "application/media_control+xml") {
		c.onMediaControl(req, tx)
		return
	}
	digit, ok := dtmfRelaySignal(req.Body())
	if !ok {
		if strings.HasPrefix(ct, "application/dtmf-relay") {
			_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusBadRequest, "Bad Request (no Signal)", nil))
			return
		}
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)) // other INFO packages: nothing to do
		return
	}
	c.keyPressed(digit)
	_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil))
}

// dtmfRelaySignal reads "Signal=<key>" of an application/dtmf-relay body.
func dtmfRelaySignal(body []byte) (rune, bool) {
	for _, line := range strings.Split(string(body), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "signal") {
			continue
		}
		v = strings.ToUpper(strings.TrimSpace(v))
		if len(v) == 1 && strings.Contains("0123456789*#ABCD", v) {
			return rune(v[0]), true
		}
		if v == "10" {
			return '*', true
		}
		if v == "11" {
			return '#', true
		}
		return 0, false
	}
	return 0, false
}
