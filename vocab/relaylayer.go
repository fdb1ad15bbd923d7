package vocab

import "strings"

// layerTrackSep separates a track SID from a layer's quality in the track id
// of a relay's layer stream. Track SIDs hold no '~'.
const layerTrackSep = "~"

// LayerTrackID is the WebRTC track id under which a relay receives one
// simulcast layer of the track sid, when it receives each layer on a stream of
// its own (package cascade): the SID, '~', the quality's name.
func LayerTrackID(sid string, q Quality) string { return sid + layerTrackSep + q.String() }

// ParseLayerTrackID splits a track id made by LayerTrackID; ok is false for
// any other id (a plain track SID).
func ParseLayerTrackID(id string) (sid string, q Quality, ok bool) {
	sid, name, found := strings.Cut(id, layerTrackSep)
	if !found || sid == "" {
		return id, 0, false
	}
	q, err := ParseQuality(name)
	if err != nil {
		return id, 0, false
	}
	return sid, q, true
}
