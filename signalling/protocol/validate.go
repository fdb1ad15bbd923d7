package protocol

import (
	"slices"
	"strings"

	"github.com/pion/ice/v4"

	"github.com/ensemble-sfu/ensemble/internal/label"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Bounds on what a client may declare: no camera or screen is wider than
// MaxDimension pixels, no layer asks for more than MaxLayerBitrate.
const (
	MaxDimension    = 16384
	MaxLayerBitrate = 100_000_000 // bits per second
)

// validate checks what JSON typing alone cannot: required fields, enumerations and
// ranges. The server relies on it, so the sfu only sees well-formed requests.

func (m SDPMessage) validate() error {
	if m.SDP == "" {
		return invalid("sdp is required")
	}
	return nil
}

// maxCandidateLen bounds a trickled candidate line (real ones are under 300 bytes).
const maxCandidateLen = 1024

func (m TrickleMessage) validate() error {
	if err := validTarget(m.Target); err != nil {
		return err
	}
	c := m.Candidate
	if len(c.Candidate) > maxCandidateLen {
		return invalid("candidate is longer than %d bytes", maxCandidateLen)
	}
	if c.SDPMid != nil && len(*c.SDPMid) > maxClientIDLen {
		return invalid("sdpMid is longer than %d bytes", maxClientIDLen)
	}
	if c.UsernameFragment != nil && len(*c.UsernameFragment) > maxClientIDLen {
		return invalid("usernameFragment is longer than %d bytes", maxClientIDLen)
	}
	// An empty candidate is the end of candidates; anything else must parse, so that
	// a garbage line gets an error here instead of an ack and silence.
	if c.Candidate != "" {
		if _, err := ice.UnmarshalCandidate(c.Candidate); err != nil {
			return invalid("candidate %q is not an ICE candidate: %v", truncate(c.Candidate, 60), err)
		}
	}
	return nil
}

func validTarget(t vocab.Target) error {
	switch t {
	case vocab.TargetPublisher, vocab.TargetSubscriber:
		return nil
	case "":
		return invalid("target is required (publisher or subscriber)")
	}
	return invalid("target %q is not publisher or subscriber", truncate(string(t), 40))
}

func (m AddTrackRequest) validate() error {
	if err := requireSID("cid", m.ClientID); err != nil {
		return err
	}
	if m.Kind != vocab.KindAudio && m.Kind != vocab.KindVideo {
		return invalid("kind %q is not audio or video", truncate(string(m.Kind), 40))
	}
	if !m.Source.Valid() {
		return invalid("source %q is not camera, microphone, screen_share or screen_share_audio", truncate(string(m.Source), 40))
	}
	if want := m.Source.Kind(); want != m.Kind {
		return invalid("source %s carries %s, not %s", m.Source, want, m.Kind)
	}
	if err := label.Check(m.Name, label.MaxNameRunes); err != nil {
		return invalid("name %v", err)
	}
	if err := validDimensions(m.Width, m.Height); err != nil {
		return err
	}
	if o := m.Owner; o != nil {
		if o.Identity == "" {
			return invalid("owner.identity is empty")
		}
		if err := label.Check(o.Identity, label.MaxNameRunes); err != nil {
			return invalid("owner.identity %v", err)
		}
		if err := label.Check(o.Name, label.MaxNameRunes); err != nil {
			return invalid("owner.name %v", err)
		}
		if err := label.CheckMetadata(o.Metadata, label.MaxMetadataBytes); err != nil {
			return invalid("owner.metadata %v", err)
		}
		if err := checkRelayedKind(o.Kind); err != nil {
			return invalid("owner.kind %v", err)
		}
	}
	if err := m.validateBackup(); err != nil {
		return err
	}
	if len(m.Layers) > 0 && m.Kind != vocab.KindVideo {
		return invalid("only video tracks have simulcast layers")
	}
	if len(m.Layers) > maxSimulcastLayer {
		return invalid("at most %d simulcast layers, got %d", maxSimulcastLayer, len(m.Layers))
	}
	rids, qualities := map[string]bool{}, map[string]bool{}
	for i, l := range m.Layers {
		if err := validQuality(l.Quality, false); err != nil {
			return invalid("layers[%d]: %v", i, err.(*DecodeError).Message)
		}
		if qualities[l.Quality] {
			return invalid("layers[%d]: quality %s is declared twice", i, l.Quality)
		}
		qualities[l.Quality] = true
		if l.RID != "" {
			if len(l.RID) > maxRIDLen {
				return invalid("layers[%d]: rid is longer than %d bytes", i, maxRIDLen)
			}
			if rids[l.RID] {
				return invalid("layers[%d]: rid %q is declared twice", i, truncate(l.RID, 40))
			}
			rids[l.RID] = true
		}
		if err := validDimensions(l.Width, l.Height); err != nil {
			return invalid("layers[%d]: %v", i, err.(*DecodeError).Message)
		}
		if l.Bitrate < 0 || l.Bitrate > MaxLayerBitrate {
			return invalid("layers[%d]: bitrate must be between 0 and %d bits per second", i, MaxLayerBitrate)
		}
	}
	return nil
}

// VideoCodecs are the video codecs the server accepts: those a backup may be
// sent in (add_track mime_type) and a client may say it decodes (the
// video_codecs parameter of /rtc).
var VideoCodecs = []string{"video/VP8", "video/H264", "video/VP9", "video/AV1"}

// validateBackup checks backup_of and mime_type: both or neither, on one
// camera or screen share stream of its own. That the primary is the sender's
// own video track, without a backup yet and in another codec, the server
// checks against the room.
func (m AddTrackRequest) validateBackup() error {
	if m.BackupOf == "" {
		if m.MimeType != "" {
			return invalid("mime_type is only declared for a backup (with backup_of)")
		}
		return nil
	}
	if err := requireSID("backup_of", m.BackupOf); err != nil {
		return err
	}
	if m.Kind != vocab.KindVideo {
		return invalid("backup_of: only a video track is a backup, not %s", m.Kind)
	}
	if m.Owner != nil {
		return invalid("backup_of: a relay's track is not a backup")
	}
	if len(m.Layers) > 0 {
		return invalid("backup_of: a backup is one stream, without simulcast layers")
	}
	if m.MimeType == "" {
		return invalid("mime_type is required with backup_of (the backup's codec, such as video/H264)")
	}
	for _, c := range VideoCodecs {
		if strings.EqualFold(c, m.MimeType) {
			return nil
		}
	}
	return invalid("mime_type %q is not one of %s", truncate(m.MimeType, 40), strings.Join(VideoCodecs, ", "))
}

// maxRIDLen is RFC 8851's limit on a restriction identifier (16 characters is what
// browsers use; the grammar allows more, but nothing needs it).
const maxRIDLen = 32

func validDimensions(width, height int) error {
	if width < 0 || height < 0 || width > MaxDimension || height > MaxDimension {
		return invalid("width and height must be between 0 and %d pixels", MaxDimension)
	}
	return nil
}

func validQuality(q string, optional bool) error {
	if q == "" {
		if optional {
			return nil
		}
		return invalid("quality is required (low, medium or high)")
	}
	if _, err := vocab.ParseQuality(q); err == nil {
		return nil
	}
	return invalid("quality %q is not low, medium or high", truncate(q, 40))
}

func (m SubscribeRequest) validate() error {
	if len(m.TrackSIDs) == 0 {
		return invalid("track_sids must name at least one track")
	}
	if len(m.TrackSIDs) > maxSubscribeSIDs {
		return invalid("at most %d track_sids per request", maxSubscribeSIDs)
	}
	for i, sid := range m.TrackSIDs {
		if sid == "" {
			return invalid("track_sids[%d] is empty", i)
		}
	}
	return nil
}

func (m UpdateSubscriptionRequest) validate() error {
	if err := requireSID("track_sid", m.TrackSID); err != nil {
		return err
	}
	if err := validDimensions(m.Width, m.Height); err != nil {
		return err
	}
	return validQuality(m.Quality, true)
}

func (m SendDataRequest) validate() error {
	switch m.Kind {
	case vocab.DataReliable, vocab.DataLossy:
	case "":
		return invalid("kind is required (reliable or lossy)")
	default:
		return invalid("kind %q is not reliable or lossy", truncate(string(m.Kind), 40))
	}
	if len(m.Topic) > label.MaxTopicBytes {
		return invalid("topic is longer than %d bytes", label.MaxTopicBytes)
	}
	if err := label.Check(m.Topic, label.MaxTopicBytes); err != nil {
		return invalid("topic %v", err)
	}
	if len(m.DestinationIdentities) > maxDestinations {
		return invalid("at most %d destination_identities", maxDestinations)
	}
	if m.FromIdentity != nil {
		if err := label.Check(*m.FromIdentity, label.MaxNameRunes); err != nil {
			return invalid("from_identity %v", err)
		}
	}
	for i, id := range m.DestinationIdentities {
		if id == "" {
			return invalid("destination_identities[%d] is empty", i)
		}
	}
	return nil
}

func (m UpdateMetadataRequest) validate() error {
	if m.Name == nil && m.Metadata == nil {
		return invalid("update_metadata needs name or metadata")
	}
	if m.Name != nil {
		if err := label.Check(*m.Name, label.MaxNameRunes); err != nil {
			return invalid("name %v", err)
		}
	}
	if m.Metadata != nil {
		if err := label.CheckMetadata(*m.Metadata, label.MaxMetadataBytes); err != nil {
			return invalid("metadata %v", err)
		}
	}
	return nil
}

// ParseVideoCodecs reads the video_codecs parameter of /rtc: the video codecs a
// client decodes, comma-separated MIME types of VideoCodecs in any case
// ("video/H264,video/VP8"); empty is none (a client without video). The
// result is in VideoCodecs' spelling.
func ParseVideoCodecs(v string) ([]string, error) {
	out := []string{}
	if v == "" {
		return out, nil
	}
	for i, m := range strings.Split(v, ",") {
		j := slices.IndexFunc(VideoCodecs, func(c string) bool { return strings.EqualFold(c, strings.TrimSpace(m)) })
		if j < 0 {
			return nil, invalid("video_codecs[%d] %q is not one of %s", i, truncate(m, 40), strings.Join(VideoCodecs, ", "))
		}
		if !slices.Contains(out, VideoCodecs[j]) {
			out = append(out, VideoCodecs[j])
		}
	}
	return out, nil
}
