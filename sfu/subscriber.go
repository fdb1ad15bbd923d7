package sfu

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/forward"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// SubscriptionSettings change how a subscribed track is received.
type SubscriptionSettings struct {
	Paused  bool
	Quality *vocab.Quality // nil: chosen from Width/Height, or the best layer
	Width   int
	Height  int
}

// subscription is one track of another participant sent to this one.
type subscription struct {
	// sid is the track subscribed to, as the subscriber knows it; track is
	// where the media comes from: that track, or its backup (backup.go).
	sid    string
	track  *publishedTrack
	down   *forward.DownTrack
	sender *webrtc.RTPSender // set once added to the connection
	stats  *engineStats
	once   sync.Once
	// What the subscriber asked for, read by the bandwidth allocator.
	source     vocab.Source
	pubSID     string
	requested  atomic.Int32 // best quality wanted (vocab.Quality)
	userPaused atomic.Bool
}

// detach stops forwarding at once; the connection is changed later.
func (s *subscription) detach() {
	if up := s.track.up.Load(); up != nil {
		up.RemoveDownTrack(s.down)
	}
}

// closeMedia stops the DownTrack's RTCP reader, waits for it and keeps its counters.
func (s *subscription) closeMedia() {
	s.once.Do(func() {
		s.down.Close()
		s.stats.retireDown(s.down.Stats())
	})
}

// Subscribe starts receiving another participant's live track.
func (p *Participant) Subscribe(trackSID string) error {
	if !p.Permissions().CanSubscribe {
		return fmt.Errorf("%w: cannot subscribe", ErrPermissionDenied)
	}
	pub, t := p.room.findTrack(trackSID)
	if t == nil || t.up.Load() == nil {
		return fmt.Errorf("%w: %s", ErrTrackNotFound, trackSID)
	}
	if !p.receivesFrom(pub) {
		return fmt.Errorf("%w: cannot subscribe to own (or own relayed) track %s", ErrInvalidArgument, trackSID)
	}
	return p.subscribeTrack(pub, t)
}

// subscribeTrack adds a DownTrack for t to the subscriber connection. Already
// subscribed is not an error.
func (p *Participant) subscribeTrack(pub *Participant, t *publishedTrack) error {
	if t.up.Load() == nil || t.retracted.Load() {
		return fmt.Errorf("%w: %s", ErrTrackNotFound, t.sid)
	}
	pub.mu.Lock() // not while holding p.mu: two participants may subscribe to each other
	source, mime := t.info.Source, t.info.MimeType
	pub.mu.Unlock()
	src, err := p.mediaSource(t, mime)
	if err != nil {
		return err
	}
	up := src.up.Load()
	if up == nil || src.retracted.Load() {
		return fmt.Errorf("%w: %s", ErrTrackNotFound, t.sid)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrParticipantClosed
	}
	conn := p.sub
	if conn == nil {
		// Still joining: Join subscribes to everything live once connected.
		p.mu.Unlock()
		return nil
	}
	if _, ok := p.subs[t.sid]; ok {
		p.mu.Unlock()
		return nil
	}
	s := &subscription{sid: t.sid, track: src, stats: &p.room.engine.stats, source: source, pubSID: pub.sid}
	s.requested.Store(int32(vocab.QualityHigh))
	s.down = forward.NewDownTrack(up, forward.DownTrackConfig{TrackID: t.sid, StreamID: pub.sid, Logger: p.log})
	p.subs[t.sid] = s
	p.mu.Unlock()
	p.room.engine.stats.subscriptions.Add(1)

	conn.change(func(pc *webrtc.PeerConnection) {
		sender, err := pc.AddTrack(s.down)
		if err != nil {
			p.log.Warn("add subscribed track", "track", t.sid, "err", err)
			return
		}
		s.sender = sender
		s.down.Start(sender)
	})
	// Unpublished while being added: undo.
	if t.retracted.Load() {
		p.dropSubscription(t.sid)
	} else if src.retracted.Load() {
		p.dropSubscriptionFrom(t.sid, src)
	}
	return nil
}

// subscribeToAll subscribes to every live track of the others (AutoSubscribe).
func (p *Participant) subscribeToAll() {
	if !p.Permissions().CanSubscribe {
		return
	}
	for _, q := range p.room.snapshot() {
		if !p.receivesFrom(q) || q.Permissions().Hidden {
			continue
		}
		for _, t := range q.liveTracks() {
			if err := p.subscribeTrack(q, t); err != nil {
				p.log.Debug("auto-subscribe", "track", t.sid, "err", err)
			}
		}
	}
}

// Unsubscribe stops receiving a track.
func (p *Participant) Unsubscribe(trackSID string) error {
	if !p.dropSubscription(trackSID) {
		return fmt.Errorf("%w: not subscribed to %s", ErrTrackNotFound, trackSID)
	}
	return nil
}

// dropSubscription ends the subscription to trackSID if there is one.
func (p *Participant) dropSubscription(trackSID string) bool {
	return p.dropSubscriptionFrom(trackSID, nil)
}

// dropSubscriptionFrom ends the subscription to trackSID if there is one and,
// with from, only if its media come from there (a backup).
func (p *Participant) dropSubscriptionFrom(trackSID string, from *publishedTrack) bool {
	p.mu.Lock()
	s, ok := p.subs[trackSID]
	if ok && from != nil && s.track != from {
		ok = false
	}
	if ok {
		delete(p.subs, trackSID)
	}
	conn := p.sub
	p.mu.Unlock()
	if !ok {
		return false
	}
	p.room.engine.stats.subscriptions.Add(-1)
	s.detach()
	conn.change(func(pc *webrtc.PeerConnection) {
		if s.sender != nil {
			if err := pc.RemoveTrack(s.sender); err != nil {
				p.log.Debug("remove subscribed track", "track", trackSID, "err", err)
			}
		}
		// The sender is stopped: the RTCP reader ends.
		s.closeMedia()
	}, s.closeMedia)
	return true
}

// UpdateSubscription pauses/resumes a subscribed track or changes its quality.
func (p *Participant) UpdateSubscription(trackSID string, settings SubscriptionSettings) error {
	p.mu.Lock()
	s, ok := p.subs[trackSID]
	p.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: not subscribed to %s", ErrTrackNotFound, trackSID)
	}
	var q vocab.Quality
	if settings.Quality != nil {
		q = *settings.Quality
	} else {
		q = vocab.QualityHigh
		if settings.Width > 0 || settings.Height > 0 {
			var layers []vocab.LayerInfo
			if pub, t := p.room.findTrack(trackSID); t != nil {
				pub.mu.Lock()
				layers = t.infoLocked().Layers
				pub.mu.Unlock()
			}
			q = qualityForSize(layers, settings.Width, settings.Height)
		}
	}
	if !q.Valid() {
		return fmt.Errorf("%w: quality %v", ErrInvalidArgument, q)
	}
	want := q
	s.requested.Store(int32(want))
	s.userPaused.Store(settings.Paused)
	s.down.SetPaused(settings.Paused)
	// Going down is always safe at once; going up waits for the allocator
	// (within allocEvery), which checks that the bandwidth allows it.
	if want < s.down.TargetQuality() {
		s.down.SetTargetQuality(want)
	}
	return nil
}
