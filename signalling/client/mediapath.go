package client

import (
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// MediaPath tells how the client's media reaches the server now (UDP, ICE-TCP, or
// the TURN relay and over what), from the subscriber connection's selected
// candidate pair; MediaPathUnknown before it is connected.
func (c *Client) MediaPath() vocab.MediaPath {
	pc := c.subPC()
	if pc == nil || pc.SCTP() == nil {
		return vocab.MediaPathUnknown
	}
	pair, err := pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil || pair.Local == nil {
		return vocab.MediaPathUnknown
	}
	local := pair.Local
	relayProtocol := ""
	if local.Typ == webrtc.ICECandidateTypeRelay {
		// Only the stats say how the relay is reached.
		for _, s := range pc.GetStats() {
			if cs, ok := s.(webrtc.ICECandidateStats); ok && cs.Type == webrtc.StatsTypeLocalCandidate &&
				cs.IP == local.Address && int(cs.Port) == int(local.Port) {
				relayProtocol = cs.RelayProtocol
				break
			}
		}
	}
	return vocab.MediaPathOf(local.Typ.String(), local.Protocol.String(), relayProtocol)
}
