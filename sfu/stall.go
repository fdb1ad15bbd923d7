package sfu

import (
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/forward"
)

// A subscriber whose connection runs over ICE-TCP can block a write for as
// long as it does not read its socket; the engine's TCP mux writes straight
// to the socket (no buffer of its own, see openTCP), so that such a
// subscriber is noticed. Its DownTracks then write through a queue and a
// goroutine of their own (forward.DownTrack.UseWriteQueue): a stuck subscriber
// holds up nobody else, its subscriptions stall, and the allocator announces
// them paused with the reason "stalled" until they resume. Over UDP writes end
// in the engine's batching socket and never block: no queue, no hand-over per
// packet. A client behind a TURN server is the same: the server sends UDP to
// the TURN server, whatever carries it from there.

// writesCanBlock tells whether media writes on the selected candidate pair
// can block.
func writesCanBlock(pair *webrtc.ICECandidatePair) bool {
	return pair != nil && pair.Local != nil && pair.Local.Protocol == webrtc.ICEProtocolTCP
}

// watchTransport makes every DownTrack of the connection write through a
// queue once ICE selects a TCP pair, and moves its media on and off its own
// write path as the pair changes (writepathown.go).
func (c *subscriberConn) watchTransport() {
	c.pc.SCTP().Transport().ICETransport().OnSelectedCandidatePairChange(func(pair *webrtc.ICECandidatePair) {
		c.followPair(pair)
		if !writesCanBlock(pair) || c.queueWrites.Swap(true) {
			return
		}
		c.p.log.Debug("subscriber connection over TCP: subscriptions write through queues")
		c.p.mu.Lock()
		defer c.p.mu.Unlock()
		for _, s := range c.p.subs {
			s.down.UseWriteQueue()
		}
	})
}

// newDownTrack makes the DownTrack of a subscription of p (with p.mu held,
// the subscription being added to p.subs), writing through a queue if the
// connection needs one.
func (p *Participant) newDownTrack(conn *subscriberConn, up *forward.UpTrack, cfg forward.DownTrackConfig) *forward.DownTrack {
	track := cfg.TrackID
	cfg.OnStall = func(stalled bool) {
		if stalled {
			p.log.Info("subscription stalled: the subscriber does not take its packets", "track", track)
		} else {
			p.log.Info("stalled subscription resumes", "track", track)
		}
	}
	if conn.out != nil {
		cfg.WrapWriter = conn.out.Stream
	}
	d := forward.NewDownTrack(up, cfg)
	if conn.queueWrites.Load() {
		d.UseWriteQueue()
	}
	return d
}
