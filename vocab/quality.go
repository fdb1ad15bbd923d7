package vocab

import "fmt"

// Quality ranks a simulcast layer, lowest first. It is a number so that the
// forwarding path can compare and index with it; its names ("low", "medium",
// "high") are what the protocol sends. Layers are named by rank rather than by
// RID because publishers name RIDs freely ("q/h/f", "0/1/2"). A track without
// simulcast has one layer, QualityHigh.
type Quality uint8

// Simulcast qualities, lowest first.
const (
	QualityLow Quality = iota
	QualityMedium
	QualityHigh
)

// NumQualities is the number of simulcast qualities; a Quality below it can index
// an array of per-layer values.
const NumQualities = 3

// Qualities lists the simulcast qualities, lowest first.
func Qualities() [NumQualities]Quality {
	return [NumQualities]Quality{QualityLow, QualityMedium, QualityHigh}
}

// String returns the protocol name of q: "low", "medium" or "high".
func (q Quality) String() string {
	switch q {
	case QualityLow:
		return "low"
	case QualityMedium:
		return "medium"
	case QualityHigh:
		return "high"
	}
	return fmt.Sprintf("Quality(%d)", uint8(q))
}

// Valid reports whether q is one of the three qualities.
func (q Quality) Valid() bool { return q < NumQualities }

// ParseQuality maps a protocol name ("low", "medium", "high") to a Quality.
func ParseQuality(name string) (Quality, error) {
	switch name {
	case "low":
		return QualityLow, nil
	case "medium":
		return QualityMedium, nil
	case "high":
		return QualityHigh, nil
	}
	return 0, fmt.Errorf("%w: %q is not low, medium or high", ErrUnknownQuality, name)
}
