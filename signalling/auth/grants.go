package auth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Grants are what a token allows, as they appear in its "grants" claim. The JSON names
// are also the names `ensemble token --grant` and CheckGrant take.
type Grants struct {
	Join        bool `json:"join,omitempty"`
	Publish     bool `json:"publish,omitempty"`
	Subscribe   bool `json:"subscribe,omitempty"`
	PublishData bool `json:"publish_data,omitempty"`
	// Sources are the publishable sources (camera, microphone, screen_share,
	// screen_share_audio). Empty together with Publish means every source.
	Sources        []string `json:"sources,omitempty"`
	Hidden         bool     `json:"hidden,omitempty"`
	UpdateMetadata bool     `json:"update_metadata,omitempty"`
	RoomAdmin      bool     `json:"room_admin,omitempty"`
	RoomCreate     bool     `json:"room_create,omitempty"`
	RoomList       bool     `json:"room_list,omitempty"`
	Record         bool     `json:"record,omitempty"`
	// SkipLobby lets the holder into a room whose lobby is on without knocking.
	// Unlike room_admin it decides nothing for others: it is for a participant
	// a room admin already chose, such as the phone a SIP dial-out called.
	SkipLobby bool `json:"skip_lobby,omitempty"`
}

// Grant names, as in the claims JSON.
const (
	GrantJoin           = "join"
	GrantPublish        = "publish"
	GrantSubscribe      = "subscribe"
	GrantPublishData    = "publish_data"
	GrantHidden         = "hidden"
	GrantUpdateMetadata = "update_metadata"
	GrantRoomAdmin      = "room_admin"
	GrantRoomCreate     = "room_create"
	GrantRoomList       = "room_list"
	GrantRecord         = "record"
	GrantSkipLobby      = "skip_lobby"
)

// GrantNames lists the boolean grants by their JSON names, in a stable order.
var GrantNames = []string{
	GrantJoin, GrantPublish, GrantSubscribe, GrantPublishData, GrantHidden,
	GrantUpdateMetadata, GrantRoomAdmin, GrantRoomCreate, GrantRoomList, GrantRecord,
	GrantSkipLobby,
}

// SourceNames lists the publishable sources a token may name.
var SourceNames = []string{
	string(vocab.SourceCamera), string(vocab.SourceMicrophone),
	string(vocab.SourceScreenShare), string(vocab.SourceScreenShareAudio),
}

// field returns a pointer to the boolean grant called name, or nil when there is none.
func (g *Grants) field(name string) *bool {
	switch name {
	case GrantJoin:
		return &g.Join
	case GrantPublish:
		return &g.Publish
	case GrantSubscribe:
		return &g.Subscribe
	case GrantPublishData:
		return &g.PublishData
	case GrantHidden:
		return &g.Hidden
	case GrantUpdateMetadata:
		return &g.UpdateMetadata
	case GrantRoomAdmin:
		return &g.RoomAdmin
	case GrantRoomCreate:
		return &g.RoomCreate
	case GrantRoomList:
		return &g.RoomList
	case GrantRecord:
		return &g.Record
	case GrantSkipLobby:
		return &g.SkipLobby
	}
	return nil
}

// Has reports whether the boolean grant called name is set. Unknown names are never set.
func (g Grants) Has(name string) bool {
	p := g.field(name)
	return p != nil && *p
}

// Set sets the boolean grant called name; it fails with ErrUnknownGrant for other names.
func (g *Grants) Set(name string) error {
	p := g.field(name)
	if p == nil {
		return fmt.Errorf("%w %q (known: %s)", ErrUnknownGrant, name, strings.Join(GrantNames, ", "))
	}
	*p = true
	return nil
}

// Names returns the set boolean grants by name, in GrantNames order.
func (g Grants) Names() []string {
	var out []string
	for _, n := range GrantNames {
		if g.Has(n) {
			out = append(out, n)
		}
	}
	return out
}

// CanPublishSource reports whether the grants allow publishing from src
// ("camera", "microphone", "screen_share", "screen_share_audio").
func (g Grants) CanPublishSource(src string) bool {
	if !g.Publish {
		return false
	}
	if len(g.Sources) == 0 {
		return slices.Contains(SourceNames, src)
	}
	return slices.Contains(g.Sources, src)
}

// Permissions maps the grants to what the sfu enforces. Publish with no Sources
// becomes every known source; source names the sfu does not know are dropped.
func (g Grants) Permissions() vocab.Permissions {
	p := vocab.Permissions{
		CanPublish:        g.Publish,
		CanSubscribe:      g.Subscribe,
		CanPublishData:    g.PublishData,
		Hidden:            g.Hidden,
		CanUpdateMetadata: g.UpdateMetadata,
	}
	if !g.Publish {
		return p
	}
	names := g.Sources
	if len(names) == 0 {
		names = SourceNames
	}
	for _, n := range names {
		if s := vocab.Source(n); s.Valid() && !slices.Contains(p.Sources, s) {
			p.Sources = append(p.Sources, s)
		}
	}
	return p
}

// DefaultParticipantGrants are the grants of an ordinary participant: join, publish
// from every source, subscribe, publish data and update its own metadata.
func DefaultParticipantGrants() Grants {
	return Grants{Join: true, Publish: true, Subscribe: true, PublishData: true, UpdateMetadata: true}
}

// ParseGrantList parses a comma-separated list of grant names ("join,publish,subscribe").
// Blanks around names and empty items are ignored; unknown names are refused, all of
// them named in the error.
func ParseGrantList(s string) (Grants, error) {
	var g Grants
	var unknown []string
	for _, item := range strings.Split(s, ",") {
		name := strings.TrimSpace(item)
		if name == "" {
			continue
		}
		if g.Set(name) != nil {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if len(unknown) > 0 {
		return Grants{}, fmt.Errorf("%w %s (known: %s)", ErrUnknownGrant, strings.Join(unknown, ", "), strings.Join(GrantNames, ", "))
	}
	return g, nil
}

// ParseSourceList parses a comma-separated list of publish sources ("camera,microphone").
// Unknown names are refused, all of them named in the error.
func ParseSourceList(s string) ([]string, error) {
	var out, unknown []string
	for _, item := range strings.Split(s, ",") {
		name := strings.TrimSpace(item)
		switch {
		case name == "":
		case !slices.Contains(SourceNames, name):
			unknown = append(unknown, fmt.Sprintf("%q", name))
		case !slices.Contains(out, name):
			out = append(out, name)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%w %s (known: %s)", ErrUnknownSource, strings.Join(unknown, ", "), strings.Join(SourceNames, ", "))
	}
	return out, nil
}
