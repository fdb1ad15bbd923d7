package cluster

import (
	"context"
	"fmt"
	"time"
)

// AdmissionTTL is how long a room's admissions outlive the last heartbeat of
// the node that hosted it: long enough for its people to come back through
// another node after a loss or a drain, short enough that tomorrow's meeting in
// the same room starts with its lobby shut.
const AdmissionTTL = 10 * time.Minute

// The lobby keeps its waiting guests in the host's memory: a guest waiting when
// the host is lost knocks again on the next host (the client does it). Who was
// let in must not be forgotten with the node, or every admitted guest of a lost
// or drained host would knock again: so admissions are kept in Redis, one set
// per room (room-admitted:<room>), its expiry pushed back by the host's
// heartbeat while the room is open there.

func (c *Cluster) admittedKey(room string) string { return c.cfg.KeyPrefix + "room-admitted:" + room }

// RememberAdmission notes that a room admin let identity into room.
func (c *Cluster) RememberAdmission(ctx context.Context, room, identity string) error {
	pipe := c.cfg.Redis.TxPipeline()
	pipe.SAdd(ctx, c.admittedKey(room), identity)
	pipe.PExpire(ctx, c.admittedKey(room), AdmissionTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("cluster: remember %q admitted to %q: %w", identity, room, err)
	}
	return nil
}

// Admitted says whether a room admin let identity into room (and it was not
// removed since).
func (c *Cluster) Admitted(ctx context.Context, room, identity string) (bool, error) {
	ok, err := c.cfg.Redis.SIsMember(ctx, c.admittedKey(room), identity).Result()
	if err != nil {
		return false, fmt.Errorf("cluster: is %q admitted to %q: %w", identity, room, err)
	}
	return ok, nil
}

// ForgetAdmission forgets that identity was let into room (it was removed: it
// knocks again if it comes back).
func (c *Cluster) ForgetAdmission(ctx context.Context, room, identity string) error {
	if err := c.cfg.Redis.SRem(ctx, c.admittedKey(room), identity).Err(); err != nil {
		return fmt.Errorf("cluster: forget %q admitted to %q: %w", identity, room, err)
	}
	return nil
}
