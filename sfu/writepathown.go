package sfu

import (
	"net/netip"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/srtpout"
)

// A subscriber connection's forwarded media leaves through the SFU's own
// write path (package srtpout) once DTLS is connected, as long as ICE's
// selected pair is on the engine's UDP socket; before, and over TCP, it goes
// through Pion. RTCP, DTLS and ICE stay with Pion throughout.

// ownWritePath reports whether subscriber connections get the SFU's own write
// path: not when configured away, nor with a port per connection (no shared
// batching socket to write to).
func (e *Engine) ownWritePath() bool {
	return !e.cfg.PionWritePath && e.udpConn != nil && e.udpMux != nil
}

// ownPathDestination is where the own write path sends for this pair: the
// remote address, if the pair's local side is the engine's UDP socket.
func (e *Engine) ownPathDestination(pair *webrtc.ICECandidatePair) (netip.AddrPort, bool) {
	if pair == nil || pair.Local == nil || pair.Remote == nil ||
		pair.Local.Protocol != webrtc.ICEProtocolUDP || pair.Remote.Protocol != webrtc.ICEProtocolUDP {
		return netip.AddrPort{}, false
	}
	if local := e.UDPAddr(); local == nil || int(pair.Local.Port) != local.Port {
		return netip.AddrPort{}, false
	}
	// An unresolved mDNS name is no address: such a pair stays on Pion's path.
	ip, err := netip.ParseAddr(pair.Remote.Address)
	if err != nil || pair.Remote.Port == 0 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip, pair.Remote.Port), true
}

// newOwnWritePath makes the write path of a subscriber connection built
// with keys, now that its interceptors are known.
func (e *Engine) newOwnWritePath(keys *srtpout.Keys, parts connInterceptors) *srtpout.Conn {
	var num srtpout.Numberer
	if parts.twcc != nil {
		num = parts.twcc
	}
	var sent srtpout.SentFunc
	if parts.link != nil {
		sent = parts.link.Est.Sent
	}
	out := srtpout.NewConn(keys, e.udpConn, num, sent)
	e.stats.addOwnPath(out)
	return out
}

// followPair puts the connection's media on its own write path toward the
// selected pair's remote address, or back on Pion's when the pair is not on
// the engine's UDP socket. It does nothing before DTLS is connected: the
// keys are not known yet.
func (c *subscriberConn) followPair(pair *webrtc.ICECandidatePair) {
	if c.out == nil {
		return
	}
	c.outMu.Lock()
	defer c.outMu.Unlock()
	if !c.dtlsUp {
		return
	}
	to, ok := c.p.room.engine.ownPathDestination(pair)
	if !ok {
		if c.out.Enabled() {
			c.p.log.Info("subscriber's media back on Pion's write path: the selected pair is not on the UDP socket")
			c.out.Disable()
		}
		return
	}
	if err := c.out.Enable(to); err != nil {
		if !c.outRefused {
			c.outRefused = true
			c.p.log.Debug("subscriber's media stay on Pion's write path", "err", err)
		}
		return
	}
	c.p.log.Debug("subscriber's media on the own write path", "to", to.String())
}

// dtlsConnected turns the own write path on for the pair ICE selected.
func (c *subscriberConn) dtlsConnected() {
	if c.out == nil {
		return
	}
	c.outMu.Lock()
	c.dtlsUp = true
	c.outMu.Unlock()
	pair, err := c.pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil {
		c.p.log.Debug("subscriber's selected candidate pair", "err", err)
		return
	}
	c.followPair(pair)
}
