package cascade

import (
	"context"
	"fmt"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// An administrator acting on the origin on a participant of this node acts on
// its relayed copy there; the origin tells the far leg (client.RelayedAdmin),
// and the Bridge does the same here to the participant itself, through
// Config.Owners. What follows crosses back like any change of the
// participant: its leave (reason removed), its track's mute, its new name.

// Owners acts on this node's participants of the bridged room on behalf of an
// administrator of the origin. A relayed participant here (another node's) is
// not one of them.
type Owners interface {
	// Remove makes the participant leave, with reason removed.
	Remove(identity string) error
	// MuteTrack mutes or unmutes its track trackSID (this node's SID).
	MuteTrack(identity, trackSID string, muted bool) error
	// Update changes its name and metadata (nil keeps them) and its
	// permissions (nil: unchanged).
	Update(identity string, name, metadata *string, perms *vocab.PermissionsChange) error
	// Replaced closes it with reason duplicate_identity: a newer session of
	// its identity joined the room on another node.
	Replaced(identity string) error
}

// administer does what ev, from the far leg, says an administrator did on the
// origin.
func (b *Bridge) administer(ev client.RelayedAdmin) {
	if b.cfg.Owners == nil {
		b.log.Warn("an administrator's action on a participant of this node is dropped: the bridge has no owners",
			"participant", ev.Identity, "action", ev.Action)
		return
	}
	var err error
	switch ev.Action {
	case vocab.RelayedRemove:
		err = b.cfg.Owners.Remove(ev.Identity)
	case vocab.RelayedMute:
		sid, ok := b.sourceOf(ev.TrackSID)
		if !ok {
			err = fmt.Errorf("no track of this node was relayed as %s", ev.TrackSID)
			break
		}
		err = b.cfg.Owners.MuteTrack(ev.Identity, sid, ev.Muted)
	case vocab.RelayedUpdate:
		err = b.cfg.Owners.Update(ev.Identity, ev.Name, ev.Metadata, ev.Permissions)
	case vocab.RelayedReplaced:
		// Done before the pump reads on: the newer session's join, next
		// from the origin, is declared here once this one has left.
		err = b.cfg.Owners.Replaced(ev.Identity)
	default:
		err = fmt.Errorf("unknown action %q", ev.Action)
	}
	if err != nil {
		b.log.Warn("an administrator's action on a participant of this node failed",
			"participant", ev.Identity, "action", ev.Action, "err", err)
		return
	}
	b.log.Info("an administrator's action on a participant of this node done", "participant", ev.Identity, "action", ev.Action)
}

// sourceOf is the SID, on its source's leg, of the track the bridge relayed as
// sid on the other leg.
func (b *Bridge) sourceOf(sid string) (string, bool) {
	b.mutesMu.Lock()
	defer b.mutesMu.Unlock()
	src, ok := b.sources[sid]
	return src, ok
}

// Departure is a participant of this node that left, and why.
type Departure struct {
	Identity string
	Reason   vocab.CloseReason
}

// Farewell removes from the origin, for their reasons, participants of this
// node that left just before the bridge closes. The last one to leave is why
// it closes: its leave, on its way through the near leg, would not cross,
// and the origin would see it leave with the relay, for another reason. One
// that crossed already is refused there, which changes nothing.
func (b *Bridge) Farewell(ctx context.Context, left []Departure) {
	for _, d := range left {
		if err := b.far.RemoveRelayed(ctx, d.Identity, d.Reason); err != nil && ctx.Err() == nil {
			b.log.Debug("farewell of a participant of this node", "participant", d.Identity, "err", err)
		}
	}
}
