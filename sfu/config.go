package sfu

import (
	"log/slog"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Defaults applied by NewEngine.
const (
	DefaultUDPPort                 = 7882
	DefaultTCPPort                 = 7881
	DefaultMaxTracksPerParticipant = 16
)

// Config configures an Engine.
type Config struct {
	// UDPPort carries all WebRTC media on one UDP port (ICE UDP mux, writes batched
	// with sendmmsg). 0 picks a free port (tests); the product default is
	// DefaultUDPPort, which the caller's configuration fills in.
	UDPPort int
	// UDPPortMin and UDPPortMax, when both set, give each peer connection a UDP
	// port of its own in [UDPPortMin, UDPPortMax] instead of the one UDPPort: the
	// mode for servers that media bridges (a SIP gateway, recorders) reach from one
	// local port each, since one bridge port can only talk to many connections if
	// they are on distinct server ports. Writes are not batched in this mode. The
	// range needs two ports per participant.
	UDPPortMin, UDPPortMax int
	// PionWritePath sends forwarded media through Pion's interceptors, SRTP
	// session and ICE connection, as before the SFU had a write path of its
	// own (package srtpout): for comparison, and should that path misbehave.
	PionWritePath bool
	// TCPPort carries ICE-TCP on one TCP port; -1 disables it; 0 picks a free port.
	// The product default is DefaultTCPPort.
	TCPPort int
	// BindIP is the IP to listen on; "" listens on all interfaces.
	BindIP string
	// NAT1To1IPs are public IPs advertised instead of the local host candidates.
	NAT1To1IPs []string
	// MaxParticipantsPerRoom limits rooms; 0 means unlimited.
	MaxParticipantsPerRoom int
	// MaxRooms limits the rooms open at once; a join that would open one more is
	// refused with ErrTooManyRooms (joins to open rooms are not). 0 means unlimited.
	MaxRooms int
	// MaxTracksPerParticipant limits publications; 0 means DefaultMaxTracksPerParticipant.
	MaxTracksPerParticipant int
	// Hooks are optional observers, called off the media path; they must not block.
	Hooks Hooks
	// Logger receives the engine's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Hooks observe the engine (webhooks, metrics). Any may be nil. They are called
// without the room's locks held but synchronously: they must not block.
type Hooks struct {
	RoomStarted       func(vocab.RoomInfo)
	RoomFinished      func(vocab.RoomInfo)
	ParticipantJoined func(vocab.RoomInfo, vocab.ParticipantInfo)
	ParticipantLeft   func(vocab.RoomInfo, vocab.ParticipantInfo, vocab.CloseReason)
	TrackPublished    func(vocab.RoomInfo, vocab.ParticipantInfo, vocab.TrackInfo)
	TrackUnpublished  func(vocab.RoomInfo, vocab.ParticipantInfo, vocab.TrackInfo)
}
