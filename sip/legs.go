package sip

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// maxRTPPacket bounds a datagram read from the SIP leg.
const maxRTPPacket = 1500

// readRTP reads the far end's RTP until the socket closes: audio into the
// jitter buffer, RFC 4733 events to forwardDTMF, anything else dropped.
func (c *call) readRTP() {
	buf := make([]byte, maxRTPPacket)
	latched := false
	var lastEvent uint32
	haveEvent := false
	for {
		n, from, err := c.rtp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				c.log.Debug("sip RTP read", "err", err)
			}
			return
		}
		pkt := buf[:n]
		if c.srtp != nil {
			var ok bool
			if pkt, ok = c.srtp.unprotect(pkt); !ok {
				continue // not from the far end (or RTCP): never latched on, never played
			}
		}
		var p rtp.Packet
		if err := p.Unmarshal(pkt); err != nil || p.Version != 2 {
			continue // not RTP (RTCP multiplexed, or noise)
		}
		c.mu.Lock()
		pt, eventPT := c.offer.payloadType, c.offer.eventPT
		c.mu.Unlock()
		switch {
		case p.PayloadType == pt:
			c.lastRTP.Store(time.Now().UnixNano())
			if !latched {
				// Symmetric RTP (RFC 4961): answer where the audio comes from, which
				// gets through the caller's NAT when its SDP names a private address.
				latched = true
				from := netipUnmap(from)
				c.remote.Store(&from)
			}
			p.Payload = append([]byte(nil), p.Payload...)
			c.media.upJitter.Push(&p)
		case eventPT >= 0 && int(p.PayloadType) == eventPT:
			c.lastRTP.Store(time.Now().UnixNano())
			digit, end, ok := parseTelephoneEvent(p.Payload)
			if ok && end && (!haveEvent || p.Timestamp != lastEvent) {
				haveEvent, lastEvent = true, p.Timestamp // the end packet is sent three times
				c.keyPressed(digit)
			}
		}
	}
}

// roomEvents follows the room: each audio track of another participant becomes
// a source of the mix, read by its own goroutine (in wg) until the track ends;
// the cameras go to speakerVideo, which shows the caller the active speaker's.
func (c *call) roomEvents(ctx context.Context, cl *client.Client, wg *sync.WaitGroup) {
	sv := c.newSpeakerVideo(ctx, cl, wg)
	var wake <-chan time.Time
	var notes <-chan cameraNote
	if sv != nil {
		defer sv.stop()
		wake, notes = sv.timer.C, sv.notes
	}
	for {
		var ev client.Event
		select {
		case <-wake:
			sv.decide(time.Now())
			continue
		case n := <-notes:
			sv.noted(n)
			continue
		case e, ok := <-cl.Events():
			if !ok {
				return
			}
			ev = e
		}
		if sv != nil && sv.handle(ev) {
			continue
		}
		switch ev := ev.(type) {
		case client.TrackSubscribed:
			t := ev.Track
			if t.Kind() != vocab.KindAudio {
				t.Discard() // the call sends no video
				continue
			}
			c.hear(t, wg)
		case client.Closed:
			c.log.Info("sip: room connection closed", "reason", ev.Reason)
			c.endRoom()
		}
	}
}

// hear makes a room audio track a source of the mix, read by its own
// goroutine (in wg) until the track ends.
func (c *call) hear(t *client.RemoteTrack, wg *sync.WaitGroup) {
	src, err := c.media.addSource(t.TrackSID)
	if err != nil {
		c.log.Warn("sip: cannot hear a room track", "track", t.TrackSID, "err", err)
		t.Discard()
		return
	}
	wg.Go(func() {
		defer c.media.removeSource(t.TrackSID)
		for {
			p, err := t.ReadPacket()
			if err != nil {
				return
			}
			if t.IsTelephoneEvent(p.Packet) {
				continue
			}
			src.jitter.Push(p.Packet)
		}
	})
}

// keyPressed hands a caller's key (RFC 4733, SIP INFO or a tone in the
// audio) to the gateway or the room; past 16 waiting keys they are dropped,
// never waited for (the RTP reader and the pump must not stall).
func (c *call) keyPressed(k rune) {
	select {
	case c.dtmf <- k:
	default:
	}
}

// dtmfMessage is the data message a caller's key press becomes in the room
// (topic "dtmf"), so that an app can act on it.
type dtmfMessage struct {
	Digit string `json:"digit"`
}

// forwardDTMF sends the caller's key presses to the room as data messages.
func (c *call) forwardDTMF(ctx context.Context, cl *client.Client) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.ended:
			return
		case d := <-c.dtmf:
			b, _ := json.Marshal(dtmfMessage{Digit: string(d)})
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			if err := cl.SendData(sctx, b, client.DataOptions{Topic: "dtmf"}); err != nil {
				c.log.Warn("sip: a key press did not reach the room", "digit", string(d), "err", err)
			}
			cancel()
		}
	}
}

// parseTelephoneEvent reads an RFC 4733 event payload: the key (0-9, *, #, A-D)
// and whether this packet ends the event.
func parseTelephoneEvent(b []byte) (digit rune, end, ok bool) {
	if len(b) < 4 {
		return 0, false, false
	}
	const keys = "0123456789*#ABCD"
	if int(b[0]) >= len(keys) {
		return 0, false, false
	}
	return rune(keys[b[0]]), b[1]&0x80 != 0, true
}
