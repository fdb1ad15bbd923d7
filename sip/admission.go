package sip

import (
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/emiago/sipgo/sip"
)

// trunkOf decides whether a new call may go on, by Config.Trunks: it returns
// the name of the caller's trunk ("" when no trunks are configured: open
// dial-in), an *errChallenge when the caller must authenticate first, or
// ErrForbidden.
func (b *Bridge) trunkOf(req *sip.Request) (string, error) {
	if len(b.cfg.Trunks) == 0 {
		return "", nil
	}
	src, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return "", fmt.Errorf("%w: source address %q: %w", ErrForbidden, req.Source(), err)
	}
	trunks := trunksFrom(b.cfg.Trunks, src.Addr())
	if len(trunks) == 0 {
		return "", fmt.Errorf("%w: %s is on no trunk's allow-list", ErrForbidden, src.Addr())
	}
	for _, t := range trunks {
		if !t.RequireAuth {
			return t.Name, nil
		}
	}
	var authorizations []string
	for _, h := range req.GetHeaders("Authorization") {
		authorizations = append(authorizations, h.Value())
	}
	t, err := b.auth.authenticate(req.Method.String(), authorizations, trunks)
	if err != nil {
		return "", err
	}
	return t.Name, nil
}

// challenge answers 401 with a fresh digest challenge.
func (b *Bridge) challenge(req *sip.Request, tx sip.ServerTransaction, ch *errChallenge, log *slog.Logger) {
	log.Info("sip call challenged", "status", sip.StatusUnauthorized, "reason", ch.reason)
	res := sip.NewResponseFromRequest(req, sip.StatusUnauthorized, "Unauthorized", nil)
	res.AppendHeader(sip.NewHeader("WWW-Authenticate", b.auth.challenge(ch.stale)))
	if err := tx.Respond(res); err != nil {
		log.Debug("sip response not sent", "err", err)
	}
}
