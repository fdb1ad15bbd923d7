package sfu

import (
	"fmt"
	"log/slog"

	"github.com/pion/webrtc/v4"
)

// remoteCandidates holds a connection's remote ICE candidates until its first remote
// description is set (Pion refuses candidates before it), then passes them straight
// through. Its owner serializes calls with the connection's negotiation lock.
type remoteCandidates struct {
	which      string // "publisher" or "subscriber", for errors and logs
	haveRemote bool
	queued     []webrtc.ICECandidateInit
}

// maxQueuedCandidates bounds the candidates held before the remote description:
// a browser trickles a handful, and a client that never sends its description
// must not make the server hold whatever it keeps sending.
const maxQueuedCandidates = 100

// add gives cand to pc, or queues it while pc has no remote description yet.
func (q *remoteCandidates) add(pc *webrtc.PeerConnection, cand webrtc.ICECandidateInit) error {
	if !q.haveRemote {
		if len(q.queued) >= maxQueuedCandidates {
			return fmt.Errorf("%w: more than %d %s candidates before the %s description",
				ErrInvalidArgument, maxQueuedCandidates, q.which, q.which)
		}
		q.queued = append(q.queued, cand)
		return nil
	}
	if err := pc.AddICECandidate(cand); err != nil {
		return fmt.Errorf("%w: %s candidate: %w", ErrInvalidArgument, q.which, err)
	}
	return nil
}

// remoteSet is called once a remote description is set on pc: the queued candidates
// are given to it (a refused one is only logged: the client sent it long ago).
func (q *remoteCandidates) remoteSet(pc *webrtc.PeerConnection, log *slog.Logger) {
	if q.haveRemote {
		return
	}
	q.haveRemote = true
	for _, cand := range q.queued {
		if err := pc.AddICECandidate(cand); err != nil {
			log.Debug("queued "+q.which+" candidate refused", "err", err)
		}
	}
	q.queued = nil
}
