package client_test

import (
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
)

// waitEvent reads c's events until match accepts one, for at most 10 s.
func waitEvent[T client.Event](t *testing.T, c *client.Client, what string, match func(T) bool) T {
	t.Helper()
	return waitEventWithin(t, c, 10*time.Second, what, match)
}

// rampTimeout bounds a wait for the bandwidth estimator to climb to the high layer. The climb
// takes 2–4 s on a quiet machine; on a starved one the estimator reads late feedback as
// congestion and climbs slower (issue 13), which is not what the tests waiting on it check.
const rampTimeout = 40 * time.Second

// waitEventWithin is waitEvent with its own bound.
func waitEventWithin[T client.Event](t *testing.T, c *client.Client, within time.Duration, what string, match func(T) bool) T {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev := <-c.Events():
			if e, ok := ev.(T); ok && match(e) {
				return e
			}
			if sub, ok := ev.(client.TrackSubscribed); ok {
				sub.Track.Discard()
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
