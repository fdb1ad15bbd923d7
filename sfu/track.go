package sfu

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/sfu/forward"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// TrackRequest is what a client declares before sending a track.
type TrackRequest struct {
	Name          string
	Kind          vocab.Kind
	Source        vocab.Source
	Muted         bool
	Width, Height int
	Layers        []vocab.LayerInfo
	// BackupOf makes the track the backup of one of the participant's own
	// video tracks (its SID), sent in MimeType (backup.go).
	BackupOf string
	MimeType string
}

// publishedTrack is one track a participant declared; it becomes live when its
// media arrives. Its info is guarded by the publisher's mutex; up and the
// flags are atomics because subscribers read them without that mutex.
type publishedTrack struct {
	sid, clientID string
	info          vocab.TrackInfo // guarded by the owner's mu
	live          bool            // guarded by the owner's mu; media arrived, announced
	up            atomic.Pointer[forward.UpTrack]
	retracted     atomic.Bool
	closeOnce     sync.Once
	// dynacastOff has bit q set while the publisher was told to stop the
	// layer of quality q.
	dynacastOff atomic.Uint32

	// backupOf is the primary track of a backup (nil for a primary); mime
	// is the codec the backup declared. Both are set at AddTrack, then fixed.
	backupOf   *publishedTrack
	backupMime string
	// backup is the live backup of a primary (nil: none), and backupWanted
	// what the publisher was last told of it (publisher_backup).
	backup       atomic.Pointer[publishedTrack]
	backupWanted atomic.Bool
}

func (t *publishedTrack) infoLocked() vocab.TrackInfo {
	info := t.info
	info.Layers = slices.Clone(info.Layers)
	if b := t.backup.Load(); b != nil {
		info.BackupMimeType = b.info.MimeType // the same owner's mu guards it
	}
	return info
}

// closeMedia stops the UpTrack's readers, waits for them and keeps their counters.
func (t *publishedTrack) closeMedia(stats *engineStats) {
	t.closeOnce.Do(func() {
		if up := t.up.Load(); up != nil {
			up.Close()
			stats.retireUp(up.Stats())
		}
	})
}

// AddTrack declares a track the client is about to send. The TrackInfo has the
// server-assigned SID at once; the others hear TrackPublished when the media
// arrives. Media is matched by WebRTC track id == clientID, or else to the
// oldest unmatched request of the same kind.
func (p *Participant) AddTrack(clientID string, req TrackRequest) (vocab.TrackInfo, error) {
	if clientID == "" {
		return vocab.TrackInfo{}, fmt.Errorf("%w: empty track client id", ErrInvalidArgument)
	}
	if req.Kind != vocab.KindAudio && req.Kind != vocab.KindVideo {
		return vocab.TrackInfo{}, fmt.Errorf("%w: track kind %q", ErrInvalidArgument, req.Kind)
	}
	if !req.Source.Valid() {
		return vocab.TrackInfo{}, fmt.Errorf("%w: track source %q", ErrInvalidArgument, req.Source)
	}
	audioSource := req.Source == vocab.SourceMicrophone || req.Source == vocab.SourceScreenShareAudio
	if audioSource != (req.Kind == vocab.KindAudio) {
		return vocab.TrackInfo{}, fmt.Errorf("%w: %s track from source %s", ErrInvalidArgument, req.Kind, req.Source)
	}
	if len(req.Layers) > 3 {
		return vocab.TrackInfo{}, fmt.Errorf("%w: %d simulcast layers (at most 3)", ErrInvalidArgument, len(req.Layers))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return vocab.TrackInfo{}, ErrParticipantClosed
	}
	if !p.perms.CanPublishSource(req.Source) {
		return vocab.TrackInfo{}, fmt.Errorf("%w: cannot publish %s", ErrPermissionDenied, req.Source)
	}
	for _, t := range p.tracks {
		if t.clientID == clientID {
			return vocab.TrackInfo{}, fmt.Errorf("%w: track %q already added", ErrInvalidArgument, clientID)
		}
	}
	var primary *publishedTrack
	if req.BackupOf != "" || req.MimeType != "" {
		var err error
		if primary, err = p.backupPrimaryLocked(req); err != nil {
			return vocab.TrackInfo{}, err
		}
	} else if n := p.primaryCountLocked(); n >= p.room.engine.cfg.MaxTracksPerParticipant {
		return vocab.TrackInfo{}, fmt.Errorf("%w: %d already", ErrTooManyTracks, n)
	}
	t := &publishedTrack{sid: newSID("TR_"), clientID: clientID, backupOf: primary, backupMime: req.MimeType}
	t.info = vocab.TrackInfo{
		SID:       t.sid,
		Name:      req.Name,
		Kind:      req.Kind,
		Source:    req.Source,
		Muted:     req.Muted,
		Width:     req.Width,
		Height:    req.Height,
		Simulcast: len(req.Layers) > 1,
		Layers:    slices.Clone(req.Layers),
	}
	p.tracks = append(p.tracks, t)
	return t.infoLocked(), nil
}

// publishedTrack finds one of p's tracks the others see (not a backup) by SID.
func (p *Participant) publishedTrack(sid string) *publishedTrack {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.tracks {
		if t.sid == sid && t.backupOf == nil {
			return t
		}
	}
	return nil
}

// liveTracks lists p's tracks whose media arrived, but for backups (which
// subscriptions reach through their primary).
func (p *Participant) liveTracks() []*publishedTrack {
	p.mu.Lock()
	defer p.mu.Unlock()
	var live []*publishedTrack
	for _, t := range p.tracks {
		if t.live && t.backupOf == nil {
			live = append(live, t)
		}
	}
	return live
}

// onTrack receives one incoming stream (one per simulcast layer) and feeds it
// to the UpTrack of the matching request.
func (p *Participant) onTrack(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	if g := p.relayedGhost(remote.ID()); g != nil {
		g.onTrack(remote, receiver) // a relay's stream for one of its ghosts
		return
	}
	kind := vocab.Kind(remote.Kind().String())
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	t := p.matchTrackLocked(remote.ID(), kind)
	if t == nil {
		p.mu.Unlock()
		p.log.Warn("media without a matching track request; ignored",
			"track_id", remote.ID(), "kind", string(kind), "rid", remote.RID())
		return
	}
	up := t.up.Load()
	first := up == nil
	if first {
		up = forward.NewUpTrack(p.upTrackConfig(t, remote, receiver))
		up.SetMuted(t.info.Muted)
		t.up.Store(up)
		t.live = true
		t.info.MimeType = remote.Codec().MimeType
	}
	up.AddLayer(remote, receiver)
	info := t.infoLocked()
	hidden := p.perms.Hidden
	p.mu.Unlock()
	p.log.Debug("media received", "track", t.sid, "rid", remote.RID(), "codec", remote.Codec().MimeType)
	if first {
		p.room.engine.stats.tracks.Add(1)
		if t.backupOf != nil {
			p.announceBackup(t, info, hidden)
			return
		}
		p.announceTrack(t, info, hidden)
	}
}

// matchTrackLocked finds the request for a stream: by client id, else the
// oldest not yet matched request of the same kind.
func (p *Participant) matchTrackLocked(id string, kind vocab.Kind) *publishedTrack {
	for _, t := range p.tracks {
		if t.clientID == id && !t.retracted.Load() {
			return t
		}
	}
	for _, t := range p.tracks {
		if !t.live && t.info.Kind == kind && !t.retracted.Load() {
			return t
		}
	}
	return nil
}

func (p *Participant) upTrackConfig(t *publishedTrack, remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) forward.UpTrackConfig {
	conn := p.pub
	if p.relay != nil {
		conn = p.relay.pub // a ghost's media arrive on its relay's connection
	}
	cfg := forward.UpTrackConfig{
		TrackSID: t.sid,
		Kind:     remote.Kind(),
		Codec:    remote.Codec(),
		SendPLI:  conn.sendPLI,
		Logger:   p.log,
	}
	for _, l := range t.info.Layers {
		cfg.Layers = append(cfg.Layers, forward.LayerSpec{RID: l.RID, Quality: l.Quality})
	}
	if remote.Kind() == webrtc.RTPCodecTypeAudio {
		for _, ext := range receiver.GetParameters().HeaderExtensions {
			if ext.URI == sdp.AudioLevelURI {
				cfg.AudioLevelExtID = uint8(ext.ID)
				cfg.OnAudioLevel = p.room.activity.speakers.Source(p.sid).Observe
			}
		}
	}
	return cfg
}

// announceTrack tells the publisher its track is live, the others that it was
// published, and subscribes those who subscribe to everything.
func (p *Participant) announceTrack(t *publishedTrack, info vocab.TrackInfo, hidden bool) {
	p.send(TrackPublished{ParticipantSID: p.sid, ClientID: t.clientID, Track: info})
	if hidden {
		return // nobody knows of the track, nobody subscribes automatically
	}
	p.room.broadcast(TrackPublished{ParticipantSID: p.sid, Track: info}, p)
	if h := p.room.engine.cfg.Hooks.TrackPublished; h != nil {
		h(p.room.Info(), p.Info(), info)
	}
	for _, q := range p.room.snapshot() {
		if !q.receivesFrom(p) || !q.autoSubscribe || !q.Permissions().CanSubscribe {
			continue
		}
		if err := q.subscribeTrack(p, t); err != nil {
			q.log.Debug("auto-subscribe", "track", t.sid, "err", err)
		}
	}
}

// SetTrackMuted mutes or unmutes one of the participant's tracks; forwarding
// stops while muted and the others get TrackMuted.
func (p *Participant) SetTrackMuted(trackSID string, muted bool) error {
	p.mu.Lock()
	var t *publishedTrack
	for _, x := range p.tracks {
		if x.sid == trackSID {
			t = x
		}
	}
	if t == nil {
		p.mu.Unlock()
		if p.kind == vocab.ParticipantRelay {
			return p.muteRelayed(trackSID, muted)
		}
		return fmt.Errorf("%w: %s", ErrTrackNotFound, trackSID)
	}
	changed := t.info.Muted != muted
	t.info.Muted = muted
	live, hidden := t.live, p.perms.Hidden
	backups := p.backupsOfLocked(t)
	for _, b := range backups {
		b.info.Muted = muted
	}
	p.mu.Unlock()
	if up := t.up.Load(); up != nil {
		up.SetMuted(muted)
	}
	for _, b := range backups { // a muted camera's backup is muted with it
		if up := b.up.Load(); up != nil {
			up.SetMuted(muted)
		}
	}
	if changed && live && !hidden && t.backupOf == nil {
		p.room.broadcast(TrackMuted{ParticipantSID: p.sid, TrackSID: trackSID, Muted: muted}, p)
	}
	return nil
}

// Unpublish removes one of the participant's tracks: subscribers lose it (their
// connections are renegotiated) and the others get TrackUnpublished. The
// publisher's transceiver stays; the client stops sending on it.
func (p *Participant) Unpublish(trackSID string) error {
	p.mu.Lock()
	i := slices.IndexFunc(p.tracks, func(t *publishedTrack) bool { return t.sid == trackSID })
	if i < 0 {
		p.mu.Unlock()
		if p.kind == vocab.ParticipantRelay {
			return p.unpublishRelayed(trackSID)
		}
		return fmt.Errorf("%w: %s", ErrTrackNotFound, trackSID)
	}
	t := p.tracks[i]
	p.tracks = slices.Delete(p.tracks, i, i+1)
	// The backups of a track go with it.
	backups := p.backupsOfLocked(t)
	p.tracks = slices.DeleteFunc(p.tracks, func(x *publishedTrack) bool { return x.backupOf == t })
	hidden := p.perms.Hidden
	p.mu.Unlock()
	p.retractTrack(t, hidden)
	t.closeMedia(&p.room.engine.stats)
	for _, b := range backups {
		p.retractTrack(b, hidden)
		b.closeMedia(&p.room.engine.stats)
	}
	return nil
}

// retractTrack ends every subscription to t and announces its end.
func (p *Participant) retractTrack(t *publishedTrack, hidden bool) {
	if t.backupOf != nil {
		p.retractBackup(t)
		return
	}
	t.retracted.Store(true)
	for _, q := range p.room.snapshot() {
		if q != p {
			q.dropSubscription(t.sid)
		}
	}
	p.mu.Lock()
	live, info := t.live, t.infoLocked()
	p.mu.Unlock()
	if !live {
		return
	}
	p.room.engine.stats.tracks.Add(-1)
	if hidden {
		return
	}
	p.room.broadcast(TrackUnpublished{ParticipantSID: p.sid, TrackSID: t.sid}, p)
	if h := p.room.engine.cfg.Hooks.TrackUnpublished; h != nil {
		h(p.room.Info(), p.Info(), info)
	}
}

// qualityForSize picks the lowest declared layer at least as big as asked.
func qualityForSize(layers []vocab.LayerInfo, width, height int) vocab.Quality {
	best := vocab.QualityHigh
	bestH := -1
	for _, l := range layers {
		if l.Height >= height && l.Width >= width && (bestH < 0 || l.Height < bestH) {
			best, bestH = l.Quality, l.Height
		}
	}
	return best
}
