package forward

import "github.com/ensemble-sfu/ensemble/vocab"

// numQualities sizes the per-layer arrays, indexed by vocab.Quality.
const numQualities = vocab.NumQualities

// LayerSpec ties a publisher's RID to the quality it carries, as the publisher
// declared it when adding the track.
type LayerSpec struct {
	RID     string
	Quality vocab.Quality
}

// qualityForRID finds the quality of rid in specs, falling back on the RIDs
// browsers and common clients use ("q/h/f", "l/m/h", "0/1/2").
func qualityForRID(rid string, specs []LayerSpec) vocab.Quality {
	for _, s := range specs {
		if s.RID == rid {
			return s.Quality
		}
	}
	switch rid {
	case "q", "l", "low", "0":
		return vocab.QualityLow
	case "h", "m", "medium", "mid", "1":
		return vocab.QualityMedium
	default:
		return vocab.QualityHigh
	}
}
