package main

import (
	"sync/atomic"

	"github.com/ensemble-sfu/ensemble/cluster"
)

// joinedCluster is the cluster this node joined, once it has. The parts that
// need it are made before the join (the recording runner marks the last run's
// recordings failed first; the signalling server and the cascader exist before
// the node registers): they share this one holder, which serve sets once the
// node joined. Until then Load returns nil, and each part acts as a node alone.
type joinedCluster struct {
	p atomic.Pointer[cluster.Cluster]
}

// Load is the joined cluster, or nil (also for a nil holder: no cluster).
func (j *joinedCluster) Load() *cluster.Cluster {
	if j == nil {
		return nil
	}
	return j.p.Load()
}

func (j *joinedCluster) join(c *cluster.Cluster) { j.p.Store(c) }
