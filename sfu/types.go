package sfu

import (
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// DataPacket is a data message between participants (chat rides on these).
type DataPacket struct {
	Kind  vocab.DataKind
	Topic string
	// Payload is owned by the packet once sent: senders must not change it afterwards.
	Payload []byte
	// DestinationIdentities restricts delivery; empty means everyone in the room but
	// the sender.
	DestinationIdentities []string
	// FromSID and FromIdentity are set by the room; empty when the server sent it.
	FromSID      string
	FromIdentity string
}

// ICECandidate is a trickled ICE candidate for one of the two connections.
type ICECandidate struct {
	Target    vocab.Target
	Candidate webrtc.ICECandidateInit
}
