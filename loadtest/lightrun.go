package loadtest

import "log/slog"

// lightRun is what a run's light subscribers share: the goroutines that read their
// sockets and the one that sends their feedback. Per subscriber these would be a
// goroutine and a timer each, and at a thousand subscribers the generator's time
// went to waking them.
type lightRun struct {
	poll     *lightPoll
	feedback *feedbackClock
}

func newLightRun(log *slog.Logger) (*lightRun, error) {
	poll, err := newLightPoll()
	if err != nil {
		return nil, err
	}
	return &lightRun{poll: poll, feedback: newFeedbackClock(log)}, nil
}

// close stops both, once every light subscriber has left (their sockets closed).
func (l *lightRun) close() {
	l.feedback.close()
	l.poll.close()
}
