package sfu

import (
	"fmt"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Admission and room lifetime live here, under the room's lock: who may join
// (capacity), who counts, and when an empty room closes. Deciding both under
// one lock is what keeps a join from landing in a room that is closing.

// RoomFullError refuses a join at the room's cap; it is ErrRoomFull.
type RoomFullError struct{ Max int }

func (e *RoomFullError) Error() string {
	return fmt.Sprintf("%v: %d participants at most", ErrRoomFull, e.Max)
}

// Is makes errors.Is(err, ErrRoomFull) hold.
func (e *RoomFullError) Is(target error) bool { return target == ErrRoomFull }

// kindPermissions applies what a participant kind implies to perms: a recorder
// is always hidden. It is the one place where the kind decides policy; the rest
// of the package reads the permissions.
func kindPermissions(kind vocab.ParticipantKind, perms vocab.Permissions) vocab.Permissions {
	if kind == vocab.ParticipantRecorder || kind == vocab.ParticipantRelay {
		perms.Hidden = true
	}
	return perms
}

// countsTowardCapacity is the one capacity rule: participants shown to others
// count; hidden ones (recorders, a bridge's control leg) neither count nor are
// refused, so that a full meeting can still be recorded.
func countsTowardCapacity(perms vocab.Permissions) bool { return !perms.Hidden }

// SetMaxParticipants caps the room at n participants that count (see
// CheckAdmission); 0 leaves only the engine's MaxParticipantsPerRoom. The cap
// applies to joins from now on; nobody is removed.
func (r *Room) SetMaxParticipants(n int) {
	r.mu.Lock()
	r.maxParticipants = max(n, 0)
	r.mu.Unlock()
}

// capacityLocked is the room's cap: the lower of its own and the engine's; 0 is
// none.
func (r *Room) capacityLocked() int {
	own, engine := r.maxParticipants, r.engine.cfg.MaxParticipantsPerRoom
	if engine > 0 && (own <= 0 || engine < own) {
		return engine
	}
	return own
}

// emptyLocked reports whether nobody but recorders is in the room: a recorder
// only listens, so a room it is left alone in has ended (and so has its
// recording).
func (r *Room) emptyLocked() bool {
	for _, p := range r.participants {
		if p.kind != vocab.ParticipantRecorder {
			return false
		}
	}
	return true
}

// recordingLocked reports whether a recorder is in the room.
func (r *Room) recordingLocked() bool {
	for _, p := range r.participants {
		if p.kind == vocab.ParticipantRecorder {
			return true
		}
	}
	return false
}

// countedLocked counts the participants that count toward capacity, but the one
// with identity (a join with the same identity replaces it).
func (r *Room) countedLocked(identity string) int {
	n := 0
	for id, p := range r.participants {
		if id != identity && p.counted.Load() {
			n++
		}
	}
	return n
}

// admitLocked refuses a join the room cannot take now: ErrRoomClosed while it
// closes, ErrRoomFull at its cap.
func (r *Room) admitLocked(identity string, perms vocab.Permissions) error {
	if r.closing {
		return ErrRoomClosed
	}
	if !countsTowardCapacity(perms) {
		return nil
	}
	if c := r.capacityLocked(); c > 0 && r.countedLocked(identity) >= c {
		return &RoomFullError{Max: c}
	}
	return nil
}

// CheckAdmission tells whether Join would take a participant of this kind,
// identity and permissions now, by the same rule as Join, without reserving a
// place: Join decides again. It lets a server refuse a full room before it
// upgrades a connection or lets someone wait in a lobby.
func (r *Room) CheckAdmission(kind vocab.ParticipantKind, identity string, perms vocab.Permissions) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.admitLocked(identity, kindPermissions(kind, perms))
}

// closeIfEmpty closes the room if nobody is in it. The check and the decision
// are one step under the room's lock: a join either came first (the room is not
// empty and stays open) or sees the room closing and is refused with
// ErrRoomClosed, never accepted and then closed.
func (r *Room) closeIfEmpty() {
	r.mu.Lock()
	if !r.emptyLocked() || r.closing {
		r.mu.Unlock()
		return
	}
	r.closing = true
	r.mu.Unlock()
	r.Close(vocab.ReasonRoomDeleted)
}
