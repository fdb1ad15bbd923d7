package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// DefaultLeaseTTL is how long a record worker's claim holds without renewal.
// A worker renews at each poll (every second by default), so a few missed
// polls (a slow API, a GC pause) do not fail its recordings.
const DefaultLeaseTTL = 30 * time.Second

// ErrNotYours is returned by RenewLease for a recording another node claimed.
var ErrNotYours = errors.New("recording: the recording is claimed by another node")

// LeaseTTL is how long a claim holds without renewal on this server.
func (r *Runner) LeaseTTL() time.Duration { return r.cfg.LeaseTTL }

// RenewLease extends node's claim on recording id by LeaseTTL and notes the
// files the worker has written so far (listed as partial if the worker dies).
// The recording returned carries StopRequested. ErrNotYours when another node
// holds it, ErrEnded once it has ended (the worker should stop it: it may
// have expired).
func (r *Runner) RenewLease(ctx context.Context, id, node string, files []store.RecordingFile) (store.Recording, error) {
	if r.cfg.Store == nil {
		return store.Recording{}, errors.New("recording: RenewLease needs a store")
	}
	return r.cfg.Store.UpdateRecording(ctx, id, func(x *store.Recording) error {
		switch {
		case x.Node != node:
			return ErrNotYours
		case x.Status.Ended():
			return ErrEnded
		}
		x.LeaseUntil = time.Now().Add(r.cfg.LeaseTTL).UTC()
		if files != nil && !x.Status.Ended() {
			x.Files = files
		}
		return nil
	})
}

// ExpireLeases marks failed every unfinished recording whose worker's lease
// lapsed at now: the worker died or lost the server (or, for a cluster node's
// own recording, the node is no longer registered). Its files are those of its
// last renewal, listed as partial. It returns their ids.
func (r *Runner) ExpireLeases(ctx context.Context, now time.Time) ([]string, error) {
	if r.cfg.Store == nil {
		return nil, nil
	}
	recs, err := r.cfg.Store.ListRecordings(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("recording: leases: %w", err)
	}
	var failed []string
	for _, rec := range recs {
		if rec.Status.Ended() || rec.LeaseUntil.IsZero() || !now.After(rec.LeaseUntil) {
			continue
		}
		why := fmt.Sprintf("record worker %s stopped renewing its claim (it died or lost the server)", rec.Node)
		if rec.InClusterNode {
			// A node still registered is alive: its renewals were held up (Redis
			// unreachable for a while), and it still records.
			if live, err := r.nodeLive(ctx, rec.Node); err != nil || live {
				continue
			}
			why = fmt.Sprintf("node %s was lost", rec.Node)
		}
		var expired bool
		_, err := r.cfg.Ledger.Update(ctx, rec.ID, func(x *store.Recording) error {
			if x.Status.Ended() || x.LeaseUntil.IsZero() || !now.After(x.LeaseUntil) {
				return nil // renewed or ended meanwhile
			}
			expired = true
			failLost(x, now, why)
			return nil
		})
		if err != nil {
			return failed, fmt.Errorf("recording: lease of %s: %w", rec.ID, err)
		}
		if expired {
			r.log.Warn("record worker's claim lapsed: recording marked failed", "recording", rec.ID, "room", rec.Room, "node", rec.Node)
			failed = append(failed, rec.ID)
		}
	}
	return failed, nil
}

// nodeLive says whether the cluster node id is registered (true without a
// cluster: nothing is judged lost then).
func (r *Runner) nodeLive(ctx context.Context, id string) (bool, error) {
	if r.cfg.Cluster == nil {
		return true, nil
	}
	return r.cfg.Cluster.NodeLive(ctx, id)
}

// WatchLeases runs ExpireLeases every quarter of LeaseTTL until ctx ends (a
// server that queues recordings for workers runs it).
func (r *Runner) WatchLeases(ctx context.Context) {
	tick := time.NewTicker(max(r.cfg.LeaseTTL/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if _, err := r.ExpireLeases(ctx, now); err != nil && ctx.Err() == nil {
				r.log.Error("recording: leases not checked", "err", err)
			}
		}
	}
}
