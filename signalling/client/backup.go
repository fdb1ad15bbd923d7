package client

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// BackupSource is the same picture as a video track's, in another codec: when
// someone in the room cannot decode the track's codec (a SIP room system takes
// H.264 only), the server asks for a backup (publisher_backup) and the client
// publishes one from this source, beside the track, until the server says
// nobody needs it. The others never see the backup as a track of its own.
type BackupSource struct {
	// MimeType is the backup's codec; the server asks for webrtc.MimeTypeH264.
	// It must be among the client's codecs (WithCodecs).
	MimeType string
	// FmtpLine picks the H.264 profile, as TrackOptions.FmtpLine.
	FmtpLine      string
	Width, Height int
	// Play writes the backup's media to backup (WriteSample or WriteRTP) until
	// ctx ends or the backup is unpublished (backup.Done), then returns; it
	// runs in a goroutine of its own while the backup is wanted
	// (clienttest.PlayClip does this with a clip).
	Play func(ctx context.Context, backup *LocalTrack) error
}

// PublisherBackup reports that the server asked for a backup of one of the
// client's video tracks in MimeType (Enabled) or said that nobody needs it any
// more. A track whose TrackOptions.Backup is in that codec obeys; others
// ignore it.
type PublisherBackup struct {
	TrackSID string
	MimeType string
	Enabled  bool
}

func (PublisherBackup) isEvent() {}

// backupState is the backup of a LocalTrack (its primary).
type backupState struct {
	want atomic.Bool // what the server last asked
	mu   sync.Mutex  // serialises starting and stopping
	// Under mu: the backup while published, and how to stop its player.
	track *LocalTrack
	stop  context.CancelFunc
	done  chan struct{}
}

// Backup is the track's backup while one is published, else nil.
func (t *LocalTrack) Backup() *LocalTrack {
	t.backup.mu.Lock()
	defer t.backup.mu.Unlock()
	return t.backup.track
}

// handlePublisherBackup obeys publisher_backup on a goroutine of its own (the
// publish waits for the server's answers, which this goroutine reads).
func (c *Client) handlePublisherBackup(m protocol.PublisherBackupEvent) {
	c.mu.Lock()
	var track *LocalTrack
	for _, t := range c.local {
		if t.SID() == m.TrackSID && t.opts.backupOf == nil {
			track = t
		}
	}
	c.mu.Unlock()
	c.events.push(PublisherBackup{TrackSID: m.TrackSID, MimeType: m.MimeType, Enabled: m.Enabled})
	if track == nil {
		return
	}
	src := track.opts.Backup
	if src == nil || !strings.EqualFold(src.MimeType, m.MimeType) {
		c.log.Debug("publisher_backup ignored: the track has no backup source in that codec",
			"track", m.TrackSID, "codec", m.MimeType, "enabled", m.Enabled)
		return
	}
	track.backup.want.Store(m.Enabled)
	c.goTracked(func() { c.applyBackup(track) })
}

// applyBackup publishes or removes t's backup, as the server last asked.
func (c *Client) applyBackup(t *LocalTrack) {
	st := &t.backup
	st.mu.Lock()
	defer st.mu.Unlock()
	want := st.want.Load()
	if want == (st.track != nil) {
		return
	}
	if !want {
		c.stopBackupLocked(t, true)
		return
	}
	src := t.opts.Backup
	b, err := c.PublishTrack(c.ctx, TrackOptions{
		Kind: t.opts.Kind, Source: t.opts.Source, Name: t.opts.Name, MimeType: src.MimeType, FmtpLine: src.FmtpLine,
		Width: src.Width, Height: src.Height, backupOf: t,
	})
	if err != nil {
		if c.ctx.Err() == nil {
			c.log.Warn("backup not published", "track", t.SID(), "codec", src.MimeType, "err", err)
		}
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	done := make(chan struct{})
	if !c.goTracked(func() {
		defer close(done)
		if err := src.Play(ctx, b); err != nil && ctx.Err() == nil {
			c.log.Warn("backup source stopped", "track", b.SID(), "err", err)
		}
	}) {
		close(done)
	}
	st.track, st.stop, st.done = b, cancel, done
	c.log.Debug("backup published", "track", t.SID(), "backup", b.SID(), "codec", src.MimeType)
}

// stopBackupLocked stops the backup's player and, with unpublish, unpublishes
// it (a primary being unpublished takes its backup with it at the server).
func (c *Client) stopBackupLocked(t *LocalTrack, unpublish bool) {
	st := &t.backup
	b := st.track
	if b == nil {
		return
	}
	st.stop()
	<-st.done
	st.track, st.stop, st.done = nil, nil, nil
	if !unpublish {
		c.mu.Lock()
		delete(c.local, b.ClientID)
		c.mu.Unlock()
		b.markGone()
		return
	}
	if err := c.Unpublish(c.ctx, b); err != nil && c.ctx.Err() == nil {
		c.log.Debug("unpublish backup", "track", b.SID(), "err", err)
	}
}

// dropBackup forgets t's backup without telling the server (which removed it,
// or forgot the session).
func (c *Client) dropBackup(t *LocalTrack) {
	t.backup.want.Store(false)
	t.backup.mu.Lock()
	defer t.backup.mu.Unlock()
	c.stopBackupLocked(t, false)
}

// checkBackupSource refuses a backup source that cannot work.
func checkBackupSource(o TrackOptions) error {
	b := o.Backup
	if b == nil {
		return nil
	}
	switch {
	case o.Kind != vocab.KindVideo:
		return fmt.Errorf("%w: a backup source on a %s track", ErrInvalidOptions, o.Kind)
	case b.Play == nil:
		return fmt.Errorf("%w: a backup source without Play", ErrInvalidOptions)
	case strings.EqualFold(b.MimeType, o.MimeType):
		return fmt.Errorf("%w: a backup source in the track's own codec %s", ErrInvalidOptions, o.MimeType)
	}
	return nil
}
