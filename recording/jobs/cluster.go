package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// Cluster is what a Runner on a node of a cluster needs to know of the others.
type Cluster interface {
	// NodeLive says whether the node of that id is registered (its heartbeat
	// has not lapsed).
	NodeLive(ctx context.Context, id string) (bool, error)
	// HostsRoom says whether this node hosts room.
	HostsRoom(ctx context.Context, room string) (bool, error)
}

// A recording runs inside the node hosting its room, and dies with it. On a
// cluster that node's loss must not leave the recording "recording" for ever,
// nor lose its files' list: so a node's own recordings hold a lease, renewed
// with the files written so far, as a record worker's do. Two things end a
// lost node's recording:
//
//   - the room's next host (its participants rejoined there), at the first
//     join it serves: the recording is marked failed with its partial files,
//     and a new recording of the room starts at once with the same options,
//     linked to it (Continues, ContinuedBy), so that the meeting goes on being
//     recorded with a gap of a few seconds (takeOver);
//   - otherwise (nobody came back) any node's WatchLeases once the lease
//     lapsed and the node is not registered any more.
//
// The partial files stay where the lost node wrote them (its disk), listed
// with the sizes of its last renewal, and move to the object storage, when
// there is one, as soon as that node starts again (salvage.go).

// renewEvery is how often a node renews its recordings' leases: a quarter of
// the TTL, and at least every 2 s, so that the files listed when the node is
// lost are those of its last two seconds (one small write per recording).
func renewEvery(ttl time.Duration) time.Duration {
	return max(min(ttl/4, 2*time.Second), 10*time.Millisecond)
}

// renewWhileRecording renews rec's lease every renewEvery, with the files on
// disk so far, until the returned stop is called.
func (r *Runner) renewWhileRecording(rec store.Recording) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(renewEvery(r.cfg.LeaseTTL))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			rctx, rcancel := context.WithTimeout(ctx, ledgerTimeout)
			_, err := r.RenewLease(rctx, rec.ID, r.cfg.Node, r.PartialFiles(rec.ID))
			rcancel()
			switch {
			case err == nil, ctx.Err() != nil:
			case errors.Is(err, ErrEnded):
				// Another node failed it: this one was thought lost (cut off
				// from Redis longer than the lease). The room goes on elsewhere,
				// recorded there: stop here; the end keeps it failed (record.go).
				r.log.Warn("recording failed by another node while running here (this node was thought lost): stopping it",
					"recording", rec.ID, "room", rec.Room)
				r.RequestStop(rec.ID)
				return
			default:
				r.log.Warn("recording: lease not renewed", "recording", rec.ID, "room", rec.Room, "err", err)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// takeOver fails and continues every unfinished recording of room whose node
// was lost, when this node hosts room now. It returns the new recordings.
func (r *Runner) takeOver(ctx context.Context, room string) ([]store.Recording, error) {
	if r.cfg.Cluster == nil || r.cfg.Store == nil || r.cfg.Queue {
		return nil, nil
	}
	recs, err := r.cfg.Store.ListRecordings(ctx, room)
	if err != nil {
		return nil, fmt.Errorf("recording: take over: %w", err)
	}
	var lost []store.Recording
	for _, rec := range recs {
		if rec.Status.Ended() || !rec.InClusterNode || rec.Node == r.cfg.Node {
			continue
		}
		live, err := r.cfg.Cluster.NodeLive(ctx, rec.Node)
		if err != nil {
			return nil, fmt.Errorf("recording: take over %s: %w", rec.ID, err)
		}
		if !live {
			lost = append(lost, rec)
		}
	}
	if len(lost) == 0 {
		return nil, nil
	}
	// Only the room's host continues it: a satellite serving some of the room's
	// participants hears joins too.
	if hosts, err := r.cfg.Cluster.HostsRoom(ctx, room); err != nil || !hosts {
		return nil, err
	}
	var started []store.Recording
	for _, rec := range lost {
		var took bool
		_, err := r.cfg.Ledger.Update(ctx, rec.ID, func(x *store.Recording) error {
			took = !x.Status.Ended() // another node may have been first
			if took {
				failLost(x, time.Now(), fmt.Sprintf("node %s was lost", x.Node))
			}
			return nil
		})
		if err != nil {
			return started, fmt.Errorf("recording: fail %s: %w", rec.ID, err)
		}
		if !took {
			continue
		}
		next, err := r.start(ctx, room, rec.Options, rec.ID)
		if err != nil {
			return started, fmt.Errorf("recording: continue %s: %w", rec.ID, err)
		}
		if _, err := r.cfg.Ledger.Update(ctx, rec.ID, func(x *store.Recording) error {
			x.ContinuedBy = next.ID
			return nil
		}); err != nil {
			r.log.Warn("recording: continuation not noted", "recording", rec.ID, "continued_by", next.ID, "err", err)
		}
		r.log.Warn("recording's node was lost: marked failed with its partial files and continued here",
			"recording", rec.ID, "room", room, "lost_node", rec.Node, "continued_by", next.ID, "files", len(rec.Files))
		started = append(started, next)
	}
	return started, nil
}

// failLost marks x failed at now because its recorder stopped renewing its
// lease (why says what happened to it); the files of its last renewal are
// listed as partial.
func failLost(x *store.Recording, now time.Time, why string) {
	where := ""
	if x.Location != "" {
		where = ", at " + x.Location + " on " + x.Node
	}
	x.Reason = fmt.Sprintf("interrupted while %s: %s (its last renewal was due by %s); the files are partial%s",
		x.Status, why, x.LeaseUntil.Format(time.RFC3339), where)
	x.Status, x.EndedAt = store.RecordingFailed, now.UTC()
	files := make([]store.RecordingFile, len(x.Files))
	for i, f := range x.Files {
		f.Partial = true
		files[i] = f
	}
	x.Files = files
}
