package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ensemble-sfu/ensemble/cluster"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
)

// listNodes lists the live nodes of the cluster, or this node alone.
func (h *handler) listNodes(req *request) *apiwire.Problem {
	if h.Nodes == nil {
		st := h.Engine.Stats()
		self := cluster.NodeInfo{ID: h.NodeID, Participants: st.Participants, Rooms: st.Rooms, UpdatedAt: time.Now().UTC()}
		writeJSON(req.w, http.StatusOK, apiwire.NodeList{Nodes: []cluster.NodeInfo{self}})
		return nil
	}
	nodes, err := h.Nodes(req.r.Context())
	if err != nil {
		return internal(h.log, req.r, fmt.Errorf("list nodes: %w", err))
	}
	if nodes == nil {
		nodes = []cluster.NodeInfo{}
	}
	writeJSON(req.w, http.StatusOK, apiwire.NodeList{Nodes: nodes})
	return nil
}

// ErrUnknownNode is DrainNode's answer for an id that names no live node.
var ErrUnknownNode = errors.New("no live node has this id")

// drainNode starts draining a node: it takes no new room, its rooms move to other
// nodes with their participants, and it exits once empty. Any node answers: the
// request reaches the named node (see cmd/ensemble's routing). 202 once the drain
// has started (the node's /readyz says 503 from then on).
func (h *handler) drainNode(req *request) *apiwire.Problem {
	id := req.r.PathValue("id")
	if h.DrainNode == nil {
		return newProblem(http.StatusNotImplemented, "drain_unavailable", "this server cannot be drained through the API")
	}
	if err := h.DrainNode(req.r.Context(), id); err != nil {
		if errors.Is(err, ErrUnknownNode) {
			return newProblem(http.StatusNotFound, "node_not_found", fmt.Sprintf("no live node %q", id))
		}
		return internal(h.log, req.r, fmt.Errorf("drain node %s: %w", id, err))
	}
	writeJSON(req.w, http.StatusAccepted, map[string]string{"node": id, "state": "draining"})
	return nil
}
