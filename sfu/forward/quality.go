package forward

import "strings"

// Quality ranks a simulcast layer, lowest first. It mirrors sfu.Quality, which
// this package cannot import (sfu imports forward).
type Quality uint8

// Simulcast qualities; a track without simulcast has one layer, QualityHigh.
const (
	QualityLow Quality = iota
	QualityMedium
	QualityHigh

	numQualities = 3
)

// String returns the name sfu.Quality uses for q.
func (q Quality) String() string {
	switch q {
	case QualityLow:
		return "low"
	case QualityMedium:
		return "medium"
	default:
		return "high"
	}
}

// ParseQuality maps a quality name ("low", "medium", "high", as in sfu.Quality)
// to a Quality; unknown names give QualityHigh.
func ParseQuality(name string) Quality {
	switch strings.ToLower(name) {
	case "low":
		return QualityLow
	case "medium":
		return QualityMedium
	default:
		return QualityHigh
	}
}

// LayerSpec ties a publisher's RID to the quality it carries, as the publisher
// declared it when adding the track.
type LayerSpec struct {
	RID     string
	Quality Quality
}

// qualityForRID finds the quality of rid in specs, falling back on the RIDs
// browsers and common clients use ("q/h/f", "l/m/h", "0/1/2").
func qualityForRID(rid string, specs []LayerSpec) Quality {
	for _, s := range specs {
		if s.RID == rid {
			return s.Quality
		}
	}
	switch rid {
	case "q", "l", "low", "0":
		return QualityLow
	case "h", "m", "medium", "mid", "1":
		return QualityMedium
	default:
		return QualityHigh
	}
}
