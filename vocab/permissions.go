package vocab

// Permissions are what a participant may do in its room. The signalling layer fills
// them from the token's grants; the sfu enforces them and knows nothing of tokens.
type Permissions struct {
	CanPublish     bool
	CanSubscribe   bool
	CanPublishData bool
	// Sources lists the sources the participant may publish; empty means none.
	Sources []Source
	// Hidden participants (recorders, the SIP bridge's control leg) are not announced
	// to others and never appear in participant lists sent to clients.
	Hidden bool
	// CanUpdateMetadata lets the participant change its own name and metadata.
	CanUpdateMetadata bool
}

// CanPublishSource reports whether the permissions allow publishing from src.
func (p Permissions) CanPublishSource(src Source) bool {
	if !p.CanPublish {
		return false
	}
	for _, s := range p.Sources {
		if s == src {
			return true
		}
	}
	return false
}
