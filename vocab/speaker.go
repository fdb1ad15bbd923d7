package vocab

// SpeakerInfo is one entry of an active-speakers update.
type SpeakerInfo struct {
	ParticipantSID string
	Level          float32 // 0 (silence) to 1 (loudest)
	Active         bool
}

// ConnectionQuality grades a participant's link.
type ConnectionQuality string

// Connection quality grades.
const (
	QualityExcellent ConnectionQuality = "excellent"
	QualityGood      ConnectionQuality = "good"
	QualityPoor      ConnectionQuality = "poor"
	QualityLost      ConnectionQuality = "lost"
)

// ConnectionQualityInfo is one participant's grade with the measurements behind it.
type ConnectionQualityInfo struct {
	ParticipantSID string
	Quality        ConnectionQuality
	Score          float32 // 1 (bad) to 5 (perfect), MOS-like
}
