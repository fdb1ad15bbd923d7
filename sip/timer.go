package sip

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Session timers (RFC 4028): a caller that asks for them (Session-Expires)
// refreshes the session with a re-INVITE or UPDATE before the interval runs
// out; the bridge answers with the interval and refresher=uac, and hangs up a
// session nobody refreshed. An interval under MinSessionExpires is answered
// 422 with Min-SE.

// DefaultMinSessionExpires is RFC 4028's lowest interval (90 s).
const DefaultMinSessionExpires = 90 * time.Second

// sessionExpires reads Session-Expires ("1800;refresher=uac"); 0 without it.
func sessionExpires(req *sip.Request) (time.Duration, error) {
	h := req.GetHeader("Session-Expires")
	if h == nil {
		return 0, nil
	}
	v, _, _ := strings.Cut(h.Value(), ";")
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: Session-Expires %q", ErrBadRequest, h.Value())
	}
	return time.Duration(n) * time.Second, nil
}

// timerHeaders are what a 2xx says of the session timer: the interval, who
// refreshes (the caller), and that it is required.
func timerHeaders(d time.Duration) []sip.Header {
	if d == 0 {
		return nil
	}
	return []sip.Header{
		sip.NewHeader("Session-Expires", strconv.Itoa(int(d.Seconds()))+";refresher=uac"),
		sip.NewHeader("Require", "timer"),
	}
}

// refresh notes that the caller refreshed the session.
func (c *call) refresh() { c.refreshed.Store(time.Now().UnixNano()) }

// sessionExpired reports whether a session with a timer went unrefreshed.
func (c *call) sessionExpired() bool {
	d := time.Duration(c.sessionTimer.Load())
	return d > 0 && time.Since(time.Unix(0, c.refreshed.Load())) > d
}

// onUpdate takes UPDATE in a dialog: a session refresh (without SDP; an UPDATE
// with SDP is refused 488, the bridge changing media by re-INVITE only).
func (b *Bridge) onUpdate(req *sip.Request, tx sip.ServerTransaction) {
	b.mu.Lock()
	c := b.active[callID(req)]
	b.mu.Unlock()
	if c == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
		return
	}
	if len(req.Body()) > 0 {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 488, "Not Acceptable Here (media changes by re-INVITE)", nil))
		return
	}
	c.refresh()
	res := sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)
	for _, h := range timerHeaders(time.Duration(c.sessionTimer.Load())) {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}
