package whip

import (
	"fmt"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// offeredTrack is a track an encoder's offer sends: the client id the sfu
// matches its media by (the msid track id, else the mid) and what is declared.
type offeredTrack struct {
	clientID string
	req      sfu.TrackRequest
}

// maxIngressTracks bounds what one encoder may send (an encoder sends one audio
// and one video track; a few more are tolerated).
const maxIngressTracks = 4

// offeredTracks reads the tracks a WHIP offer sends: every audio or video
// section the client sends on (sendonly or sendrecv). A video section with
// a=simulcast:send declares its layers (see simulcastLayers). An offer that
// sends nothing is refused: WHIP exists to send.
func offeredTracks(sd *sdp.SessionDescription) ([]offeredTrack, error) {
	var out []offeredTrack
	for i, md := range sd.MediaDescriptions {
		kind := vocab.Kind(md.MediaName.Media)
		if kind != vocab.KindAudio && kind != vocab.KindVideo {
			continue
		}
		if md.MediaName.Port.Value == 0 || !sends(md) {
			continue
		}
		id := msidTrack(md)
		if id == "" {
			mid, _ := md.Attribute("mid")
			id = "mid:" + mid
			if mid == "" {
				id = fmt.Sprintf("section:%d", i)
			}
		}
		req := sfu.TrackRequest{Kind: kind, Source: vocab.SourceMicrophone, Name: "ingress audio"}
		if kind == vocab.KindVideo {
			req.Source, req.Name = vocab.SourceCamera, "ingress video"
			layers, err := simulcastLayers(md)
			if err != nil {
				return nil, fmt.Errorf("%w: media section %d: %w", ErrBadOffer, i, err)
			}
			req.Layers = layers
		}
		out = append(out, offeredTrack{clientID: id, req: req})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no audio or video section the client sends on (sendonly or sendrecv)", ErrBadOffer)
	}
	if len(out) > maxIngressTracks {
		return nil, fmt.Errorf("%w: %d tracks (an ingress sends at most %d)", ErrBadOffer, len(out), maxIngressTracks)
	}
	return out, nil
}

func sends(md *sdp.MediaDescription) bool {
	for _, a := range md.Attributes {
		switch a.Key {
		case "recvonly", "inactive":
			return false
		}
	}
	return true // sendonly, sendrecv, or the default (sendrecv)
}

// msidTrack is the track id of a section's a=msid (or of its a=ssrc … msid:),
// which Pion reports as the remote track's ID.
func msidTrack(md *sdp.MediaDescription) string {
	for _, a := range md.Attributes {
		v := a.Value
		switch a.Key {
		case "msid":
		case "ssrc":
			_, rest, ok := strings.Cut(v, " msid:")
			if !ok {
				continue
			}
			v = rest
		default:
			continue
		}
		if f := strings.Fields(v); len(f) == 2 && f[1] != "-" {
			return f[1]
		}
	}
	return ""
}

// ridQualities are rid names encoders and browsers use, with the quality each
// names. Other names are ranked by their place in a=simulcast, which lists
// layers in order of preference (RFC 8853): the first is taken as the best.
var ridQualities = map[string]vocab.Quality{
	"q": vocab.QualityLow, "h": vocab.QualityMedium, "f": vocab.QualityHigh,
	"l": vocab.QualityLow, "m": vocab.QualityMedium,
	"low": vocab.QualityLow, "mid": vocab.QualityMedium, "medium": vocab.QualityMedium, "high": vocab.QualityHigh,
}

// simulcastLayers reads the layers of a=simulcast:send, at most three: the
// first of each set of alternatives (a comma separates them); a stream paused
// at first ("~") is a layer all the same.
func simulcastLayers(md *sdp.MediaDescription) ([]vocab.LayerInfo, error) {
	v, ok := md.Attribute("simulcast")
	if !ok {
		return nil, nil
	}
	f := strings.Fields(v)
	var rids []string
	for i := 0; i+1 < len(f); i += 2 {
		if f[i] != "send" {
			continue
		}
		for _, alt := range strings.Split(f[i+1], ";") {
			rid, _, _ := strings.Cut(alt, ",")
			if rid = strings.TrimPrefix(rid, "~"); rid != "" {
				rids = append(rids, rid)
			}
		}
	}
	if len(rids) == 0 {
		return nil, nil
	}
	if len(rids) > 3 {
		return nil, fmt.Errorf("%d simulcast layers (at most 3)", len(rids))
	}
	named := true
	seen := map[vocab.Quality]bool{}
	for _, r := range rids {
		q, ok := ridQualities[strings.ToLower(r)]
		if !ok || seen[q] {
			named = false
			break
		}
		seen[q] = true
	}
	byPlace := [][]vocab.Quality{ // the first is the best
		{vocab.QualityHigh},
		{vocab.QualityHigh, vocab.QualityLow},
		{vocab.QualityHigh, vocab.QualityMedium, vocab.QualityLow},
	}[len(rids)-1]
	layers := make([]vocab.LayerInfo, len(rids))
	for i, r := range rids {
		q := byPlace[i]
		if named {
			q = ridQualities[strings.ToLower(r)]
		}
		layers[i] = vocab.LayerInfo{RID: r, Quality: q}
	}
	return layers, nil
}
