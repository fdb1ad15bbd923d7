package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// videoLeg is a call's video from the far end: its own UDP socket, and the
// camera track of the call's participant its H.264 RTP goes to, payloads
// untouched (the client only sets the negotiated SSRC and payload type).
// Key frame requests from the room go back as RTCP PLI (or FIR), or as SIP
// INFO picture_fast_update to a far end that offered no RTCP feedback.
type videoLeg struct {
	conn       *net.UDPConn
	offer      atomic.Pointer[videoOffer]
	remote     atomic.Pointer[netip.AddrPort] // the far end's video RTP, latched from what arrives
	mediaSSRC  atomic.Uint32                  // the far end's video SSRC, for PLI
	ssrc       uint32                         // ours, as RTCP sender
	firSeq     uint8
	cam        atomic.Pointer[client.LocalTrack]
	keyframes  atomic.Uint64 // key frames asked of the far end (RTCP or SIP INFO)
	packetsIn  atomic.Uint64
	roomTrack  atomic.Pointer[client.RemoteTrack] // the room camera the caller is shown (speakervideo.go)
	srtp       *srtpLeg                           // nil for plain RTP (videosrtp.go)
	out        sentVideo                          // what was sent, for the sender reports (videosr.go)
	askedFirst bool
}

// keyframeInterval bounds how often the far end is asked for a key frame:
// a room full of subscribers joining asks many times, one is enough.
const keyframeInterval = 300 * time.Millisecond

// openVideo opens the video socket when the offer has a video stream the
// bridge takes, and sets the address the answer gives for it.
func (c *call) openVideo() error {
	v := c.offer.video
	if v == nil {
		return nil
	}
	conn, err := listenRTP(c.b.listenIP(), c.b.cfg.RTPPortMin, c.b.cfg.RTPPortMax)
	if err != nil {
		return fmt.Errorf("sip: video %w", err)
	}
	c.video = &videoLeg{conn: conn, ssrc: rand.Uint32()}
	if err := c.secureVideo(v); err != nil {
		return err
	}
	c.video.offer.Store(v)
	remote := v.remote
	c.video.remote.Store(&remote)
	c.offer.videoLocal = netip.AddrPortFrom(c.b.public.Addr(), uint16(conn.LocalAddr().(*net.UDPAddr).Port))
	return nil
}

// keepVideo carries the call's video over to a re-INVITE's offer: the same
// socket, and the far end's new address.
func (c *call) keepVideo(off *offer) {
	if c.video == nil || off.video == nil || !c.rekeyVideo(off.video) {
		off.video = nil // no socket for video that was not there at the start
		return
	}
	off.videoLocal = netip.AddrPortFrom(c.b.public.Addr(), uint16(c.video.conn.LocalAddr().(*net.UDPAddr).Port))
	was := c.video.offer.Swap(off.video)
	if !was.farEndReceives() && off.video.farEndReceives() {
		// Resumed from hold: the far end's decoder starts again at a key
		// frame of the camera it is shown.
		if t := c.video.roomTrack.Load(); t != nil {
			if err := t.RequestKeyframe(); err != nil {
				c.log.Debug("sip video key frame from the room", "err", err)
			}
		}
	}
}

// roomCodecs are the codecs the call's room client takes: Opus and
// telephone-event, and H.264 when the call has video to publish.
func (c *call) roomCodecs() []string {
	codecs := []string{webrtc.MimeTypeOpus, client.MimeTypeTelephoneEvent}
	if c.video != nil {
		codecs = append(codecs, webrtc.MimeTypeH264)
	}
	return codecs
}

// publishCamera publishes the far end's video as the participant's camera,
// in the H.264 profile answered to it.
func (c *call) publishCamera(ctx context.Context, cl *client.Client) (*client.LocalTrack, error) {
	if c.video == nil {
		return nil, nil
	}
	v := c.video.offer.Load()
	cam, err := cl.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera, MimeType: webrtc.MimeTypeH264,
		FmtpLine: "profile-level-id=" + v.roomProfile, Name: "sip"})
	if err != nil {
		return nil, fmt.Errorf("sip: publish the caller's video: %w", err)
	}
	return cam, nil
}

// readVideo forwards the far end's H.264 RTP to the camera track until the
// socket closes. RTCP (multiplexed) and other payload types are dropped.
func (c *call) readVideo() {
	v := c.video
	buf := make([]byte, maxRTPPacket)
	latched := false
	for {
		n, from, err := v.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				c.log.Debug("sip video read", "err", err)
			}
			return
		}
		pkt, isRTCP, ok := v.open(buf[:n])
		if !ok {
			continue // a forgery, a replay, or in clear on an SRTP call: never latched on
		}
		if isRTCP {
			// RTCP, on this port by rtcp-mux or our a=rtcp: a key frame the
			// caller asks for is asked of the room camera it gets.
			if asksKeyframe(pkt) {
				if t := v.roomTrack.Load(); t != nil {
					if err := t.RequestKeyframe(); err != nil {
						c.log.Debug("sip video key frame from the room", "err", err)
					}
				}
			}
			continue
		}
		var p rtp.Packet
		if err := p.Unmarshal(pkt); err != nil || p.Version != 2 {
			continue
		}
		if p.PayloadType != v.offer.Load().payloadType {
			continue
		}
		c.lastRTP.Store(time.Now().UnixNano())
		if !latched {
			latched = true
			from := netipUnmap(from)
			v.remote.Store(&from)
		}
		v.mediaSSRC.Store(p.SSRC)
		v.packetsIn.Add(1)
		cam := v.cam.Load()
		if cam == nil {
			continue // not in the room yet (gateway, lobby)
		}
		if err := cam.WriteRTP(0, &p); err != nil {
			c.log.Debug("sip video to the room", "err", err)
		}
	}
}

// watchKeyframes asks the far end for a key frame whenever the room asked
// the camera track for one (a subscriber joined or lost packets), until ctx
// ends. It also asks once as soon as the far end's video comes: the room's
// first subscribers asked before it did.
func (c *call) watchKeyframes(ctx context.Context) {
	v := c.video
	tick := time.NewTicker(keyframeInterval)
	defer tick.Stop()
	var seen uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		cam := v.cam.Load()
		if cam == nil || v.mediaSSRC.Load() == 0 {
			continue
		}
		asked := cam.KeyframeRequests()
		if asked == seen && v.askedFirst {
			continue
		}
		seen, v.askedFirst = asked, true
		if err := c.askKeyframe(ctx); err != nil {
			c.log.Debug("sip video key frame request", "err", err)
		}
	}
}

// askKeyframe sends the far end RTCP PLI (or FIR when it takes only that),
// or SIP INFO picture_fast_update when it offered no RTCP feedback.
func (c *call) askKeyframe(ctx context.Context) error {
	v := c.video
	off := v.offer.Load()
	v.keyframes.Add(1)
	if !off.pli && !off.fir {
		return c.sendFastUpdate(ctx)
	}
	var pkt rtcp.Packet = &rtcp.PictureLossIndication{SenderSSRC: v.ssrc, MediaSSRC: v.mediaSSRC.Load()}
	if !off.pli {
		v.firSeq++
		pkt = &rtcp.FullIntraRequest{SenderSSRC: v.ssrc, FIR: []rtcp.FIREntry{{SSRC: v.mediaSSRC.Load(), SequenceNumber: v.firSeq}}}
	}
	return v.sendRTCP(pkt)
}

// sendRTCP marshals pkts into one compound packet, protects it when the
// video is SRTP, and sends it where the caller reads its video RTCP.
func (v *videoLeg) sendRTCP(pkts ...rtcp.Packet) error {
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		return fmt.Errorf("sip: marshal RTCP: %w", err)
	}
	if b, err = v.seal(b, true); err != nil {
		return fmt.Errorf("sip: SRTCP: %w", err)
	}
	dst := v.rtcpDestination()
	if _, err := v.conn.WriteToUDPAddrPort(b, dst); err != nil {
		return fmt.Errorf("sip: send RTCP to %s: %w", dst, err)
	}
	return nil
}

// fastUpdateBody is the XML of RFC 5168: ask the far end for a full frame.
const fastUpdateBody = `<?xml version="1.0" encoding="utf-8" ?>
<media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>`

// sendFastUpdate asks the far end for a key frame in SIP INFO (RFC 5168), as
// room systems without RTCP feedback expect.
func (c *call) sendFastUpdate(ctx context.Context) error {
	info := c.requestInDialog(sip.INFO)
	info.AppendHeader(sip.NewHeader("Content-Type", "application/media_control+xml"))
	info.SetBody([]byte(fastUpdateBody))
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := c.doInDialog(ctx, info)
	if err != nil {
		return fmt.Errorf("sip: INFO picture_fast_update: %w", err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("sip: INFO picture_fast_update answered %d %s", res.StatusCode, res.Reason)
	}
	return nil
}

// onMediaControl answers a SIP INFO of RFC 5168: picture_fast_update asks
// the room camera the caller is shown for a key frame, as an RTCP PLI from
// the caller does. A body that is not that XML is refused with 400.
func (c *call) onMediaControl(req *sip.Request, tx sip.ServerTransaction) {
	asks, err := asksFastUpdate(req.Body())
	if err != nil {
		c.log.Warn("sip INFO refused", "status", sip.StatusBadRequest, "err", err)
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusBadRequest, "Bad Request (media_control)", nil))
		return
	}
	if asks && c.video != nil {
		if t := c.video.roomTrack.Load(); t != nil {
			if err := t.RequestKeyframe(); err != nil {
				c.log.Debug("sip video key frame from the room", "err", err)
			}
		}
	}
	_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil))
}

// closeVideo closes the video socket (its reader ends).
func (c *call) closeVideo() {
	if c.video != nil {
		_ = c.video.conn.Close()
	}
}

// asksKeyframe reports whether an RTCP compound packet from the caller holds
// a PLI or a FIR (anything it cannot parse asks for nothing).
func asksKeyframe(b []byte) bool {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return false
	}
	for _, p := range pkts {
		switch p.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			return true
		}
	}
	return false
}
