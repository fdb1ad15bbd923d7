package forward

import (
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// UpStats are the counters of an UpTrack, summed over its layers.
type UpStats struct {
	Packets     uint64 // RTP packets received from the publisher
	Bytes       uint64 // RTP bytes (header and payload) received
	PacketsLost uint64 // sequence numbers skipped by the publisher's stream, less late arrivals
	Malformed   uint64 // packets that did not parse as RTP
	PLIsSent    uint64 // keyframe requests passed to UpTrackConfig.SendPLI
	Jitter      time.Duration
	Layers      int // layers currently receiving
}

// DownStats are the counters of a DownTrack.
type DownStats struct {
	Packets          uint64 // RTP packets sent to the subscriber (retransmissions excluded)
	Bytes            uint64
	NACKs            uint64 // sequence numbers the subscriber asked for again
	Retransmits      uint64 // packets sent again after a NACK
	RetransmitMisses uint64 // NACKed packets no longer cached
	PLIs             uint64 // PLI and FIR received from the subscriber
	LayerSwitches    uint64 // times the forwarded layer or source changed
	WriteErrors      uint64
	FractionLost     float64 // loss the subscriber reported in its last receiver report (0..1)
	PacketsLost      uint64  // cumulative loss the subscriber reported
	RTT              time.Duration
	Jitter           time.Duration // interarrival jitter the subscriber reported
	Quality          vocab.Quality // layer currently forwarded
	Forwarding       bool          // a layer is being forwarded (not paused, not waiting for a key frame)
	Target           vocab.Quality // layer wanted (SetTargetQuality)
	Temporal         int           // highest temporal layer wanted
	BandwidthPaused  bool          // paused by the bandwidth allocator
	Stalled          bool          // paused because the transport did not take the packets in time
	Stalls           uint64        // times it was stalled
	PaddingPackets   uint64        // padding packets sent to probe for bandwidth
	PaddingBytes     uint64
	SenderReports    uint64 // RTCP sender reports sent (one compound packet each)
}
