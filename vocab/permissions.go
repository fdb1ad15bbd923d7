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

// PermissionsChange changes some of a participant's permissions (an
// administrator's update): a nil field keeps its value. Hidden is fixed at the
// join and never changes.
type PermissionsChange struct {
	CanPublish, CanSubscribe, CanPublishData, CanUpdateMetadata *bool
	// Sources, when not nil, replaces the sources the participant may publish.
	Sources []Source
}

// Apply returns p with the change made.
func (c PermissionsChange) Apply(p Permissions) Permissions {
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.CanPublish, c.CanPublish)
	set(&p.CanSubscribe, c.CanSubscribe)
	set(&p.CanPublishData, c.CanPublishData)
	set(&p.CanUpdateMetadata, c.CanUpdateMetadata)
	if c.Sources != nil {
		p.Sources = append([]Source(nil), c.Sources...)
	}
	return p
}
