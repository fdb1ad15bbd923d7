package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/ensemble-sfu/ensemble/cluster"
)

// NodeList is the body of GET /api/v1/nodes.
type NodeList struct {
	Nodes []cluster.NodeInfo `json:"nodes"`
}

// listNodes lists the live nodes of the cluster, or this node alone.
func (h *handler) listNodes(req *request) *Problem {
	if h.Nodes == nil {
		st := h.Engine.Stats()
		self := cluster.NodeInfo{ID: h.NodeID, Participants: st.Participants, Rooms: st.Rooms, UpdatedAt: time.Now().UTC()}
		writeJSON(req.w, http.StatusOK, NodeList{Nodes: []cluster.NodeInfo{self}})
		return nil
	}
	nodes, err := h.Nodes(req.r.Context())
	if err != nil {
		return internal(h.log, req.r, fmt.Errorf("list nodes: %w", err))
	}
	if nodes == nil {
		nodes = []cluster.NodeInfo{}
	}
	writeJSON(req.w, http.StatusOK, NodeList{Nodes: nodes})
	return nil
}
