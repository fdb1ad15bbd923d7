package sip

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// keyframeRetry is how often a key frame is asked again of a camera being
// switched to while none came: a PLI can be lost, and the server passes at
// most two a second upstream.
const keyframeRetry = 500 * time.Millisecond

// speakerVideo sends a caller the camera of the room's active speaker. Its
// state belongs to the call's room event loop (roomEvents), which hands it
// the room's events and its own timer and notes; cameraPicker decides what
// to show, and videoSwitcher makes the switch at a key frame. Each camera
// subscribed for the caller has a reader (in the call's wait group) that
// pushes its packets through the switcher to the caller's video socket;
// it ends with its track (unsubscribed, unpublished, or the room client
// closed).
//
// The room client subscribes to every track (the call hears all the room's
// audio), so a camera it is not shown is unsubscribed as soon as it comes.
type speakerVideo struct {
	c      *call
	cl     *client.Client
	ctx    context.Context
	wg     *sync.WaitGroup
	pick   *cameraPicker
	sw     *videoSwitcher
	subs   map[string]*cameraSub // by the name the switcher knows them by
	wanted string                // the camera (track SID) to show or being switched to
	shown  string                // the camera shown ("" none)
	asked  time.Time             // the last key frame asked of wanted while not shown
	timer  *time.Timer
	notes  chan cameraNote
	done   chan struct{} // closed when the event loop ends: readers stop noting
	gen    int
}

// cameraSub is a camera subscribed for the caller, read by its reader.
type cameraSub struct {
	track *client.RemoteTrack
	name  string // for the switcher: the track SID and a generation, unique per subscription
}

// cameraNote is what a reader tells the event loop: the switcher switched
// on its packet, or its track ended.
type cameraNote struct {
	name     string
	switched bool
	ended    bool
}

// newSpeakerVideo is nil when the call sends no video (no video leg, or the
// caller does not take it).
func (c *call) newSpeakerVideo(ctx context.Context, cl *client.Client, wg *sync.WaitGroup) *speakerVideo {
	v := c.video
	if v == nil {
		return nil
	}
	if d := v.offer.Load().direction; d != "sendrecv" && d != "recvonly" {
		return nil
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	s := &speakerVideo{c: c, cl: cl, ctx: ctx, wg: wg, pick: newCameraPicker(cl.Self().SID, speakerHold),
		sw: newVideoSwitcher(uint16(rand.Uint32()), rand.Uint32()), subs: map[string]*cameraSub{},
		timer: timer, notes: make(chan cameraNote, 16), done: make(chan struct{})}
	for _, p := range cl.Others() {
		for _, t := range p.Tracks {
			s.pick.published(p.SID, t)
		}
	}
	s.decide(time.Now())
	return s
}

// stop ends the loop's part: readers no longer wait to note anything.
func (s *speakerVideo) stop() {
	s.timer.Stop()
	close(s.done)
}

// handle takes a room event; it reports whether the event was a video
// track's subscription, which is its alone.
func (s *speakerVideo) handle(ev client.Event) bool {
	now := time.Now()
	switch ev := ev.(type) {
	case client.TrackPublished:
		s.pick.published(ev.ParticipantSID, ev.Track)
	case client.TrackUnpublished:
		s.pick.unpublished(ev.TrackSID)
	case client.ParticipantLeft:
		s.pick.left(ev.Participant.SID)
	case client.ActiveSpeakers:
		s.pick.speakers(ev.Speakers)
	case client.TrackSubscribed:
		if ev.Track.Kind() == vocab.KindAudio {
			return false
		}
		s.subscribed(ev.Track)
	default:
		return false
	}
	s.decide(now)
	return true
}

// subscribed starts reading a camera the caller is to be shown, and
// unsubscribes any other video.
func (s *speakerVideo) subscribed(t *client.RemoteTrack) {
	if t.TrackSID != s.wanted || !strings.EqualFold(t.Codec().MimeType, webrtc.MimeTypeH264) {
		t.Discard() // until the unsubscription ends it
		s.unsubscribe(t.TrackSID)
		return
	}
	s.gen++
	sub := &cameraSub{track: t, name: fmt.Sprintf("%s/%d", t.TrackSID, s.gen)}
	for name, old := range s.subs {
		if old.track.TrackSID == t.TrackSID {
			delete(s.subs, name) // subscribed again (a resumed session): the old one ends
		}
	}
	s.subs[sub.name] = sub
	s.wg.Go(func() { s.read(sub) })
	s.sw.switchTo(sub.name)
	s.askKeyframe(sub, time.Now())
}

// read pushes a camera's packets through the switcher to the caller until
// its track ends. The packets to send and the datagram they are written into
// are the reader's own, kept from one packet to the next: the camera shown
// costs no allocation per packet past Pion's read.
func (s *speakerVideo) read(sub *cameraSub) {
	v := s.c.video
	var out []*rtp.Packet
	buf := make([]byte, 1500)
	for {
		p, err := sub.track.ReadRTP()
		if err != nil {
			s.note(cameraNote{name: sub.name, ended: true})
			return
		}
		var switched bool
		out, switched = s.sw.push(sub.name, p, time.Now(), out[:0])
		for _, q := range out {
			buf = s.c.sendVideo(v, q, buf)
		}
		clear(out) // the packets sent are garbage now
		if switched {
			s.note(cameraNote{name: sub.name, switched: true})
		}
	}
}

func (s *speakerVideo) note(n cameraNote) {
	select {
	case s.notes <- n:
	case <-s.done:
	}
}

// noted takes a reader's note.
func (s *speakerVideo) noted(n cameraNote) {
	sub := s.subs[n.name]
	switch {
	case n.ended:
		s.sw.sourceGone(n.name)
		if sub != nil {
			delete(s.subs, n.name)
			if sub.track.TrackSID == s.shown {
				s.shown = ""
				s.c.video.roomTrack.Store(nil)
			}
			if sub.track.TrackSID == s.wanted {
				s.wanted = "" // subscribe again if still wanted
			}
		}
	case n.switched && sub != nil:
		old := s.shown
		s.shown = sub.track.TrackSID
		s.c.video.roomTrack.Store(sub.track)
		s.c.log.Info("sip video to the caller", "track", s.shown, "publisher", sub.track.ParticipantSID, "previous_track", old)
		if old != "" && old != s.shown && old != s.wanted {
			s.unsubscribe(old)
		}
	}
	s.decide(time.Now())
}

// decide asks the picker what to show and, when that changed, subscribes to
// it (or switches to it when already read); it sets the timer for when to
// look again (the floor held long enough, a key frame to ask again).
func (s *speakerVideo) decide(now time.Time) {
	want, recheck := s.pick.pick(s.shown, now)
	if want != s.wanted {
		old := s.wanted
		s.wanted = want
		if old != "" && old != s.shown {
			s.unsubscribe(old) // a switch given up before its key frame
		}
		if sub := s.subOf(want); sub != nil {
			s.sw.switchTo(sub.name)
			s.askKeyframe(sub, now)
		} else if want != "" {
			sctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
			if err := s.cl.Subscribe(sctx, want); err != nil {
				s.c.log.Debug("sip video: subscribe to a camera", "track", want, "err", err)
			}
			cancel()
		}
	}
	if s.wanted != s.shown && s.wanted != "" {
		if sub := s.subOf(s.wanted); sub != nil && now.Sub(s.asked) >= keyframeRetry {
			s.askKeyframe(sub, now)
		}
		if recheck == 0 || recheck > keyframeRetry {
			recheck = keyframeRetry
		}
	}
	s.timer.Stop()
	if recheck > 0 {
		s.timer.Reset(recheck)
	}
}

func (s *speakerVideo) subOf(track string) *cameraSub {
	for _, sub := range s.subs {
		if sub.track.TrackSID == track {
			return sub
		}
	}
	return nil
}

func (s *speakerVideo) askKeyframe(sub *cameraSub, now time.Time) {
	s.asked = now
	if err := sub.track.RequestKeyframe(); err != nil {
		s.c.log.Debug("sip video key frame from the room", "err", err)
	}
}

func (s *speakerVideo) unsubscribe(track string) {
	for name, sub := range s.subs {
		if sub.track.TrackSID == track {
			delete(s.subs, name)
			s.sw.sourceGone(name)
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	if err := s.cl.Unsubscribe(ctx, track); err != nil {
		s.c.log.Debug("sip video: unsubscribe from a camera", "track", track, "err", err)
	}
}

// sendVideo sends one packet of the outgoing video to the caller, under our
// SSRC and the caller's payload type, marshalled into buf (grown when too
// small, and returned to be used again); nothing while the far end holds the
// video.
func (c *call) sendVideo(v *videoLeg, p *rtp.Packet, buf []byte) []byte {
	off := v.offer.Load()
	if !off.farEndReceives() {
		return buf // on hold
	}
	p.SSRC = v.ssrc
	p.PayloadType = off.payloadType
	if n := p.MarshalSize(); cap(buf) < n {
		buf = make([]byte, n)
	}
	n, err := p.MarshalTo(buf[:cap(buf)])
	if err != nil {
		return buf
	}
	out, err := v.seal(buf[:n], false)
	if err != nil {
		c.log.Debug("sip video SRTP encrypt", "err", err)
		return buf // not sent in clear
	}
	if dst := v.remote.Load(); dst != nil && dst.Port() != 0 && !dst.Addr().IsUnspecified() {
		if _, err := v.conn.WriteToUDPAddrPort(out, *dst); err != nil {
			c.log.Debug("sip video send", "err", err)
		} else {
			v.out.sent(p.Timestamp, len(p.Payload), time.Now())
		}
	}
	return buf
}
