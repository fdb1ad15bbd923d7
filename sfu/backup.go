package sfu

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Backups: a subscriber that cannot decode a video's codec (a SIP room system
// takes H.264 only, most cameras are VP8) gets the same picture from a second
// track its publisher sends in a codec it decodes, so that nothing is
// transcoded. While someone in the room needs one, the room's activity
// goroutine asks the publisher of each camera or screen share in another codec
// for an H.264 backup (PublisherBackup, Enabled); the publisher adds it with
// TrackRequest.BackupOf. The backup is a codec variant of its primary, never a
// track of its own for the others: it is in no roster (the primary's TrackInfo
// carries BackupMimeType instead), and a subscription to the primary takes its
// media from the backup for a subscriber that cannot decode the primary, under
// the primary's SID. Its key frame requests go to its own stream; muting or
// unpublishing the primary mutes or removes it too. When nobody needs it any
// more, the publisher is told so (Enabled false) and unpublishes it.

// backupCodec is the codec backups are asked in: the one SIP room systems and
// hardware decoders take.
const backupCodec = webrtc.MimeTypeH264

// decodes reports whether the participant decodes video in mime.
func (p *Participant) decodes(mime string) bool {
	if p.videoCodecs == nil {
		return true
	}
	return slices.ContainsFunc(p.videoCodecs, func(c string) bool { return strings.EqualFold(c, mime) })
}

// mediaSource is where a subscription of p to t takes its media from: t
// itself, or its backup when p cannot decode t's codec (mime).
func (p *Participant) mediaSource(t *publishedTrack, mime string) (*publishedTrack, error) {
	if t.up.Load().Kind() != webrtc.RTPCodecTypeVideo || p.decodes(mime) {
		return t, nil
	}
	if b := t.backup.Load(); b != nil && p.decodes(b.backupMime) {
		return b, nil
	}
	return nil, fmt.Errorf("%w: %s is %s and has no backup in a codec this participant decodes", ErrCodecNotDecodable, t.sid, mime)
}

// backupPrimaryLocked checks a backup's request against the participant's
// tracks and returns its primary.
func (p *Participant) backupPrimaryLocked(req TrackRequest) (*publishedTrack, error) {
	if req.BackupOf == "" {
		return nil, fmt.Errorf("%w: a codec (mime_type) is only declared for a backup", ErrInvalidArgument)
	}
	i := slices.IndexFunc(p.tracks, func(t *publishedTrack) bool { return t.sid == req.BackupOf })
	if i < 0 {
		return nil, fmt.Errorf("%w: backup_of %s is not one of your tracks", ErrInvalidArgument, req.BackupOf)
	}
	primary := p.tracks[i]
	switch {
	case primary.backupOf != nil:
		return nil, fmt.Errorf("%w: backup_of %s is itself a backup", ErrInvalidArgument, req.BackupOf)
	case primary.info.Kind != vocab.KindVideo:
		return nil, fmt.Errorf("%w: backup_of %s is an audio track; only video has a backup", ErrInvalidArgument, req.BackupOf)
	case req.Kind != vocab.KindVideo:
		return nil, fmt.Errorf("%w: a backup is a video track, not %s", ErrInvalidArgument, req.Kind)
	case req.Source != primary.info.Source:
		return nil, fmt.Errorf("%w: a backup of %s (%s) has the same source, not %s", ErrInvalidArgument, req.BackupOf, primary.info.Source, req.Source)
	case len(req.Layers) > 0:
		return nil, fmt.Errorf("%w: a backup is one stream, without simulcast layers", ErrInvalidArgument)
	case req.MimeType == "":
		return nil, fmt.Errorf("%w: a backup declares its codec (mime_type)", ErrInvalidArgument)
	case primary.info.MimeType != "" && strings.EqualFold(primary.info.MimeType, req.MimeType):
		return nil, fmt.Errorf("%w: backup_of %s is %s already; a backup is in another codec", ErrInvalidArgument, req.BackupOf, strings.ToLower(req.MimeType))
	}
	if others := p.backupsOfLocked(primary); len(others) > 0 {
		return nil, fmt.Errorf("%w: %s has a backup already (%s)", ErrInvalidArgument, req.BackupOf, others[0].sid)
	}
	return primary, nil
}

// backupsOfLocked lists the backups of t (at most one).
func (p *Participant) backupsOfLocked(t *publishedTrack) []*publishedTrack {
	var out []*publishedTrack
	for _, x := range p.tracks {
		if x.backupOf == t {
			out = append(out, x)
		}
	}
	return out
}

// primaryCountLocked counts the tracks that are not backups (the limit on
// tracks per participant counts those: a backup follows its primary).
func (p *Participant) primaryCountLocked() int {
	n := 0
	for _, t := range p.tracks {
		if t.backupOf == nil {
			n++
		}
	}
	return n
}

// announceBackup links a backup whose media arrived to its primary: the
// publisher gets its track_published, the others the primary's again with
// BackupMimeType, and those who subscribe to everything but cannot decode the
// primary are subscribed to it now. A backup in the primary's codec, or not in
// the codec it declared, is left unlinked: nobody receives it.
func (p *Participant) announceBackup(t *publishedTrack, info vocab.TrackInfo, hidden bool) {
	p.send(TrackPublished{ParticipantSID: p.sid, ClientID: t.clientID, Track: info})
	primary := t.backupOf
	p.mu.Lock()
	primaryMime, primaryLive := primary.info.MimeType, primary.live
	p.mu.Unlock()
	if !strings.EqualFold(info.MimeType, t.backupMime) || strings.EqualFold(info.MimeType, primaryMime) {
		p.log.Warn("backup media in an unexpected codec; not used", "track", t.sid, "backup_of", primary.sid,
			"codec", info.MimeType, "declared", t.backupMime, "primary_codec", primaryMime)
		return
	}
	if primary.retracted.Load() || t.retracted.Load() || !primary.backup.CompareAndSwap(nil, t) {
		return
	}
	if up := t.up.Load(); up != nil {
		p.mu.Lock()
		muted := primary.info.Muted
		p.mu.Unlock()
		up.SetMuted(muted)
	}
	p.log.Debug("backup live", "track", t.sid, "backup_of", primary.sid, "codec", info.MimeType)
	if hidden || !primaryLive {
		return // the primary's own announcement will carry it
	}
	p.reannounce(primary)
	for _, q := range p.room.snapshot() {
		if !q.receivesFrom(p) || !q.autoSubscribe || !q.Permissions().CanSubscribe || q.decodes(primaryMime) {
			continue
		}
		if err := q.subscribeTrack(p, primary); err != nil {
			q.log.Debug("auto-subscribe to a backup", "track", primary.sid, "err", err)
		}
	}
}

// retractBackup ends the subscriptions that take their media from the backup
// t and tells the others that the primary has no backup any more.
func (p *Participant) retractBackup(t *publishedTrack) {
	t.retracted.Store(true)
	primary := t.backupOf
	linked := primary.backup.CompareAndSwap(t, nil)
	for _, q := range p.room.snapshot() {
		if q != p {
			q.dropSubscriptionFrom(primary.sid, t)
		}
	}
	p.mu.Lock()
	live, hidden := t.live, p.perms.Hidden
	p.mu.Unlock()
	if live {
		p.room.engine.stats.tracks.Add(-1)
	}
	if linked && !hidden && !primary.retracted.Load() {
		p.reannounce(primary)
	}
}

// reannounce sends the others a track's description again (track_published
// for a SID they know), after its backup came or went.
func (p *Participant) reannounce(t *publishedTrack) {
	p.mu.Lock()
	if p.closed || !t.live {
		p.mu.Unlock()
		return
	}
	info := t.infoLocked()
	p.mu.Unlock()
	p.room.broadcast(TrackPublished{ParticipantSID: p.sid, Track: info}, p)
}

// backups asks publishers for the backups someone needs and tells them of
// those nobody needs any more: a camera or screen share not in backupCodec
// needs one while another participant who may subscribe to it decodes
// backupCodec but not the track's codec. Called every allocEvery.
func (a *roomActivity) backups(ps []*Participant) {
	for _, p := range ps {
		if p.relay != nil || p.kind == vocab.ParticipantRelay || p.Permissions().Hidden {
			continue // a relay's tracks are another node's; a hidden one's are seen by nobody
		}
		for _, t := range p.liveTracks() {
			p.mu.Lock()
			kind, source, mime := t.info.Kind, t.info.Source, t.info.MimeType
			p.mu.Unlock()
			if kind != vocab.KindVideo || (source != vocab.SourceCamera && source != vocab.SourceScreenShare) {
				continue
			}
			want := !strings.EqualFold(mime, backupCodec) && needsBackup(ps, p, mime)
			if t.backupWanted.Load() == want {
				continue
			}
			t.backupWanted.Store(want)
			p.log.Debug("publisher backup", "track", t.sid, "codec", backupCodec, "enabled", want)
			p.send(PublisherBackup{TrackSID: t.sid, MimeType: backupCodec, Enabled: want})
		}
	}
}

// needsBackup reports whether someone in ps who receives pub's tracks decodes
// backupCodec but not mime.
func needsBackup(ps []*Participant, pub *Participant, mime string) bool {
	for _, q := range ps {
		if q == pub || !q.receivesFrom(pub) || q.decodes(mime) || !q.decodes(backupCodec) {
			continue
		}
		if q.Permissions().CanSubscribe {
			return true
		}
	}
	return false
}
