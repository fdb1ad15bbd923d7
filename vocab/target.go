package vocab

// Target names one of the two peer connections of a participant.
type Target string

// The publisher connection carries media from the participant (the client offers);
// the subscriber connection carries media to it (the server offers).
const (
	TargetPublisher  Target = "publisher"
	TargetSubscriber Target = "subscriber"
)
