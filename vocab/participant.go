package vocab

// ParticipantKind says what a participant is. Policy that depends on it (who is
// shown to others, who counts toward a room's capacity) is decided from the kind
// in one place on the server, not from scattered flags.
type ParticipantKind string

// Participant kinds. The empty kind is read as ParticipantStandard, so tokens and
// messages from before kinds existed keep their meaning.
const (
	// ParticipantStandard is a person in a browser or an app.
	ParticipantStandard ParticipantKind = "standard"
	// ParticipantRecorder records the room; it is never shown to others and never counts
	// toward the room's capacity.
	ParticipantRecorder ParticipantKind = "recorder"
	// ParticipantSIP is a call through the SIP bridge (a phone or a room system); it is
	// shown to others with a marker, its name being the caller's.
	ParticipantSIP ParticipantKind = "sip"
	// ParticipantAgent is a program taking part in the meeting (reserved for agents such
	// as a transcriber); it is treated as standard for now.
	ParticipantAgent ParticipantKind = "agent"
	// ParticipantIngress is a stream pushed into the room from outside by WHIP (an
	// encoder such as OBS, GStreamer or ffmpeg); it is shown and counts like a
	// person, publishes and receives nothing.
	ParticipantIngress ParticipantKind = "ingress"
	// ParticipantRelay is another node of the cluster carrying a room across nodes
	// (package cascade): it publishes tracks on behalf of the participants of its
	// node and receives the tracks of this one. It is never shown and never counts.
	ParticipantRelay ParticipantKind = "relay"
)

// Valid reports whether k is a known kind (the empty kind is valid: standard).
func (k ParticipantKind) Valid() bool {
	switch k {
	case "", ParticipantStandard, ParticipantRecorder, ParticipantSIP, ParticipantAgent, ParticipantIngress, ParticipantRelay:
		return true
	}
	return false
}

// OrStandard returns k, or ParticipantStandard when k is empty.
func (k ParticipantKind) OrStandard() ParticipantKind {
	if k == "" {
		return ParticipantStandard
	}
	return k
}
