package cluster

import "fmt"

// Policy chooses the node of a new room.
type Policy string

// Policies.
const (
	// PolicyLoad: the least-loaded live node (PolicyLoad is the default, "").
	PolicyLoad Policy = "load"
	// PolicyRegion: the least-loaded live node of the region of the node placing
	// the room, which is the node the room's first participant reached (a regional
	// load balancer or geo-DNS sends people to a node near them); the least-loaded
	// node anywhere when that region has none that may take a room.
	PolicyRegion Policy = "region"
)

// ParsePolicy reads a policy name ("" is PolicyLoad).
func ParsePolicy(s string) (Policy, error) {
	switch Policy(s) {
	case "", PolicyLoad:
		return PolicyLoad, nil
	case PolicyRegion:
		return PolicyRegion, nil
	}
	return "", fmt.Errorf("cluster: placement policy %q is not load or region", s)
}

// choose picks the node of a new room among the live nodes, by the policy, for a
// placement made by this node (whose region is the participant's).
func (c *Cluster) choose(nodes []NodeInfo) (NodeInfo, bool) {
	if c.cfg.Placement == PolicyRegion && c.cfg.Self.Region != "" {
		var near []NodeInfo
		for _, n := range nodes {
			if n.Region == c.cfg.Self.Region {
				near = append(near, n)
			}
		}
		if best, ok := leastLoaded(near); ok {
			return best, true
		}
	}
	return leastLoaded(nodes)
}
