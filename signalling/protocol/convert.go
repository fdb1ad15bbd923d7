package protocol

import (
	"strings"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Conversions between the vocab descriptions and their wire shapes. From* build
// what is sent; the Vocab methods read what was received.

// QualityName is the wire name of q ("low", "medium" or "high").
func QualityName(q vocab.Quality) string { return q.String() }

// qualityOf reads a wire quality name. Messages are validated before they are
// read, so an unknown name only comes from a peer that skipped validation; it
// reads as high, the layer a track without simulcast has.
func qualityOf(name string) vocab.Quality {
	q, err := vocab.ParseQuality(name)
	if err != nil {
		return vocab.QualityHigh
	}
	return q
}

// WantedQuality is the quality the request asks for; nil when it leaves the
// choice to the server (no quality, or a size).
func (m UpdateSubscriptionRequest) WantedQuality() *vocab.Quality {
	if m.Quality == "" {
		return nil
	}
	return new(qualityOf(m.Quality))
}

// OptionalQualityName is the wire name of q, or "" (the field left out) for nil.
func OptionalQualityName(q *vocab.Quality) string {
	if q == nil {
		return ""
	}
	return q.String()
}

// WireQuality is the quality of the layer the subscriber receives.
func (m SubscriptionLayerEvent) VocabQuality() vocab.Quality { return qualityOf(m.Quality) }

// WireQuality is the quality of the layer.
func (l PublisherLayer) VocabQuality() vocab.Quality { return qualityOf(l.Quality) }

// FromLayers converts simulcast layers to their wire shape.
func FromLayers(ls []vocab.LayerInfo) []LayerInfo {
	if ls == nil {
		return nil
	}
	out := make([]LayerInfo, len(ls))
	for i, l := range ls {
		out[i] = LayerInfo{RID: l.RID, Quality: QualityName(l.Quality), Width: l.Width, Height: l.Height, Bitrate: l.Bitrate}
	}
	return out
}

// Vocab returns the layer as the vocab describes it.
func (l LayerInfo) Vocab() vocab.LayerInfo {
	return vocab.LayerInfo{RID: l.RID, Quality: qualityOf(l.Quality), Width: l.Width, Height: l.Height, Bitrate: l.Bitrate}
}

// VocabLayers returns the layers as the vocab describes them.
func VocabLayers(ls []LayerInfo) []vocab.LayerInfo {
	if ls == nil {
		return nil
	}
	out := make([]vocab.LayerInfo, len(ls))
	for i, l := range ls {
		out[i] = l.Vocab()
	}
	return out
}

// FromTrack converts a track description to its wire shape. The MIME type goes
// out in lower case ("video/vp8", "audio/opus"): media types are case-insensitive
// (RFC 6838) and Pion spells them both ways, so clients compare one spelling.
func FromTrack(t vocab.TrackInfo) TrackInfo {
	return TrackInfo{
		SID: t.SID, Name: t.Name, Kind: t.Kind, Source: t.Source, MimeType: strings.ToLower(t.MimeType), Muted: t.Muted,
		Width: t.Width, Height: t.Height, Simulcast: t.Simulcast, Layers: FromLayers(t.Layers),
		BackupMimeType: strings.ToLower(t.BackupMimeType),
	}
}

// Vocab returns the track as the vocab describes it.
func (t TrackInfo) Vocab() vocab.TrackInfo {
	return vocab.TrackInfo{
		SID: t.SID, Name: t.Name, Kind: t.Kind, Source: t.Source, MimeType: t.MimeType, Muted: t.Muted,
		Width: t.Width, Height: t.Height, Simulcast: t.Simulcast, Layers: VocabLayers(t.Layers),
		BackupMimeType: t.BackupMimeType,
	}
}

// FromParticipant converts a participant description to its wire shape.
func FromParticipant(p vocab.ParticipantInfo) ParticipantInfo {
	out := ParticipantInfo{
		SID: p.SID, Identity: p.Identity, Name: p.Name, Metadata: p.Metadata, JoinedAt: p.JoinedAt,
		Kind: p.Kind.OrStandard(), Hidden: p.Hidden,
	}
	if p.Tracks != nil {
		out.Tracks = make([]TrackInfo, len(p.Tracks))
		for i, t := range p.Tracks {
			out.Tracks[i] = FromTrack(t)
		}
	}
	return out
}

// FromParticipants converts a list of participant descriptions.
func FromParticipants(ps []vocab.ParticipantInfo) []ParticipantInfo {
	if ps == nil {
		return nil
	}
	out := make([]ParticipantInfo, len(ps))
	for i, p := range ps {
		out[i] = FromParticipant(p)
	}
	return out
}

// Vocab returns the participant as the vocab describes it.
func (p ParticipantInfo) Vocab() vocab.ParticipantInfo {
	out := vocab.ParticipantInfo{
		SID: p.SID, Identity: p.Identity, Name: p.Name, Metadata: p.Metadata, JoinedAt: p.JoinedAt,
		Kind: p.Kind.OrStandard(), Hidden: p.Hidden,
	}
	if p.Tracks != nil {
		out.Tracks = make([]vocab.TrackInfo, len(p.Tracks))
		for i, t := range p.Tracks {
			out.Tracks[i] = t.Vocab()
		}
	}
	return out
}

// FromRoom converts a room description to its wire shape.
func FromRoom(r vocab.RoomInfo) RoomInfo {
	return RoomInfo{
		SID: r.SID, Name: r.Name, Metadata: r.Metadata, CreatedAt: r.CreatedAt,
		MaxParticipants: r.MaxParticipants, NumParticipants: r.NumParticipants, Recording: r.Recording,
	}
}

// Vocab returns the room as the vocab describes it.
func (r RoomInfo) Vocab() vocab.RoomInfo {
	return vocab.RoomInfo{
		SID: r.SID, Name: r.Name, Metadata: r.Metadata, CreatedAt: r.CreatedAt,
		MaxParticipants: r.MaxParticipants, NumParticipants: r.NumParticipants, Recording: r.Recording,
	}
}

// FromSpeakers converts an active-speakers list to its wire shape.
func FromSpeakers(ss []vocab.SpeakerInfo) []SpeakerInfo {
	if ss == nil {
		return nil
	}
	out := make([]SpeakerInfo, len(ss))
	for i, s := range ss {
		out[i] = SpeakerInfo{ParticipantSID: s.ParticipantSID, Level: s.Level, Active: s.Active}
	}
	return out
}

// Vocab returns the speaker entry as the vocab describes it.
func (s SpeakerInfo) Vocab() vocab.SpeakerInfo {
	return vocab.SpeakerInfo{ParticipantSID: s.ParticipantSID, Level: s.Level, Active: s.Active}
}

// FromConnectionQualities converts link grades to their wire shape.
func FromConnectionQualities(cs []vocab.ConnectionQualityInfo) []ConnectionQualityInfo {
	if cs == nil {
		return nil
	}
	out := make([]ConnectionQualityInfo, len(cs))
	for i, c := range cs {
		out[i] = ConnectionQualityInfo{ParticipantSID: c.ParticipantSID, Quality: c.Quality, Score: c.Score}
	}
	return out
}

// Vocab returns the link grade as the vocab describes it.
func (c ConnectionQualityInfo) Vocab() vocab.ConnectionQualityInfo {
	return vocab.ConnectionQualityInfo{ParticipantSID: c.ParticipantSID, Quality: c.Quality, Score: c.Score}
}
