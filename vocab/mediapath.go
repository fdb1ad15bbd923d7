package vocab

// MediaPath is how a participant's media reaches the server: straight over UDP (the
// usual), over ICE-TCP (UDP blocked, the media port reachable over TCP), or through
// the TURN relay over UDP, TLS or TCP (only the relay reachable). Clients show it in
// their connection indicator, so that someone on a slow meeting can tell IT which
// path their network forces.
type MediaPath string

const (
	MediaPathUnknown MediaPath = ""
	MediaPathUDP     MediaPath = "udp"
	MediaPathTCP     MediaPath = "tcp"
	MediaPathTURNUDP MediaPath = "turn-udp"
	MediaPathTURNTLS MediaPath = "turn-tls"
	MediaPathTURNTCP MediaPath = "turn-tcp"
)

// MediaPathOf names the path of a selected ICE candidate pair from its local
// candidate: its type ("host", "srflx", "prflx", "relay"), its protocol ("udp",
// "tcp") and, for a relay, how the client reaches the relay ("udp", "tcp", "tls").
func MediaPathOf(candidateType, protocol, relayProtocol string) MediaPath {
	if candidateType == "relay" {
		switch relayProtocol {
		case "tls":
			return MediaPathTURNTLS
		case "tcp":
			return MediaPathTURNTCP
		default:
			return MediaPathTURNUDP
		}
	}
	switch protocol {
	case "tcp":
		return MediaPathTCP
	case "udp":
		return MediaPathUDP
	}
	return MediaPathUnknown
}
