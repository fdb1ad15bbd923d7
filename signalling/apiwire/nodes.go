package apiwire

import "github.com/ensemble-sfu/ensemble/cluster"

// NodeList is the body of GET /api/v1/nodes.
type NodeList struct {
	Nodes []cluster.NodeInfo `json:"nodes"`
}
