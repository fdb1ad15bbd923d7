package main

import (
	"context"
)

// recordingCluster tells the recording runner which nodes live and whether this
// one hosts a room (jobs.Cluster). The runner starts before the node joins the
// cluster (it must mark the last run's recordings failed first): until then
// every node counts as live and this one hosts nothing, so nothing is taken over.
type recordingCluster struct {
	clus *joinedCluster
}

func (r *recordingCluster) NodeLive(ctx context.Context, id string) (bool, error) {
	c := r.clus.Load()
	if c == nil {
		return true, nil
	}
	_, live, err := c.Node(ctx, id)
	return live, err
}

func (r *recordingCluster) HostsRoom(ctx context.Context, room string) (bool, error) {
	c := r.clus.Load()
	if c == nil {
		return false, nil
	}
	host, ok, err := c.Host(ctx, room)
	return ok && host.ID == c.Self().ID, err
}
