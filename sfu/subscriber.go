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
	// key is the subscription's key in Participant.subs: the track SID, or
	// for one layer of a relay's (pinned), vocab.LayerTrackID.
	key string
	// pinned: a relay's stream of one simulcast layer, outside the
	// allocator (see relayLayers).
	pinned bool
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
	var layers []relayLayer
	if src == t { // a relay decodes every codec: it never takes a backup
		layers = p.relayLayers(pub, t) // takes pub.mu too
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
	var subs []*subscription
	for _, l := range layers {
		s := &subscription{sid: t.sid, track: src, stats: &p.room.engine.stats, source: source, pubSID: pub.sid, pinned: true, key: l.key}
		s.requested.Store(int32(l.quality))
		s.down = p.newDownTrack(conn, up, forward.DownTrackConfig{TrackID: l.trackID, StreamID: pub.sid, Logger: p.log,
			Pinned: true, Layer: l.quality})
		subs = append(subs, s)
	}
	if subs == nil {
		s := &subscription{sid: t.sid, track: src, stats: &p.room.engine.stats, source: source, pubSID: pub.sid, key: t.sid}
		s.requested.Store(int32(vocab.QualityHigh))
		s.down = p.newDownTrack(conn, up, forward.DownTrackConfig{TrackID: t.sid, StreamID: pub.sid, Logger: p.log})
		subs = append(subs, s)
	}
	for _, s := range subs {
		p.subs[s.key] = s
	}
	p.mu.Unlock()
	p.room.engine.stats.subscriptions.Add(int64(len(subs)))

	conn.change(func(pc *webrtc.PeerConnection) {
		for _, s := range subs {
			sender, err := pc.AddTrack(s.down)
			if err != nil {
				p.log.Warn("add subscribed track", "track", s.key, "err", err)
				continue
			}
			s.sender = sender
			s.down.Start(sender)
		}
	})
	// Unpublished while being added: undo.
	if t.retracted.Load() {
		p.dropSubscription(t.sid)
	} else if src.retracted.Load() {
		p.dropSubscriptionFrom(t.sid, src)
	}
	return nil
}

// relayLayer is one simulcast layer a relay receives on a stream of its own.
type relayLayer struct {
	key, trackID string
	quality      vocab.Quality
}

// relayLayers are the streams on which a relay receives a simulcast video
// track: one per declared layer, each pinned to it, so that the relay's node
// republishes the track as simulcast and its allocator gives each local
// subscriber the layer its bandwidth allows. The top layer keeps the track's
// SID as its key and track id (what every subscriber sees); the others get
// vocab.LayerTrackID. A layer stays relayed until the relay pauses its stream
// (its node's dynacast turned that layer off: nobody there receives it; see
// package cascade). Nil for anyone but a relay, and for a track of one layer.
// Not called with p.mu held (it takes pub.mu).
func (p *Participant) relayLayers(pub *Participant, t *publishedTrack) []relayLayer {
	if p.kind != vocab.ParticipantRelay {
		return nil
	}
	pub.mu.Lock()
	layers := t.infoLocked().Layers
	pub.mu.Unlock()
	if len(layers) < 2 {
		return nil
	}
	top := layers[0].Quality
	for _, l := range layers {
		top = max(top, l.Quality)
	}
	out := make([]relayLayer, 0, len(layers))
	for _, l := range layers {
		id := vocab.LayerTrackID(t.sid, l.Quality)
		if l.Quality == top {
			id = t.sid
		}
		out = append(out, relayLayer{key: id, trackID: id, quality: l.Quality})
	}
	return out
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

// dropSubscription ends the subscription to trackSID if there is one (for a
// relay, the stream of each of its layers).
func (p *Participant) dropSubscription(trackSID string) bool {
	return p.dropSubscriptionFrom(trackSID, nil)
}

// dropSubscriptionFrom ends the subscription to trackSID if there is one (for
// a relay, the stream of each of its layers) and, with from, only if its media
// come from there (a backup).
func (p *Participant) dropSubscriptionFrom(trackSID string, from *publishedTrack) bool {
	keys := [1 + vocab.NumQualities]string{trackSID}
	for i, q := range vocab.Qualities() {
		keys[1+i] = vocab.LayerTrackID(trackSID, q)
	}
	var dropped []*subscription
	p.mu.Lock()
	for _, k := range keys {
		if s, ok := p.subs[k]; ok && (from == nil || s.track == from) {
			dropped = append(dropped, s)
			delete(p.subs, k)
		}
	}
	conn := p.sub
	p.mu.Unlock()
	if len(dropped) == 0 {
		return false
	}
	p.room.engine.stats.subscriptions.Add(-int64(len(dropped)))
	for _, s := range dropped {
		s.detach()
		conn.change(func(pc *webrtc.PeerConnection) {
			if s.sender != nil {
				if err := pc.RemoveTrack(s.sender); err != nil {
					p.log.Debug("remove subscribed track", "track", s.key, "err", err)
				}
			}
			// The sender is stopped: the RTCP reader ends.
			s.closeMedia()
		}, s.closeMedia)
	}
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
