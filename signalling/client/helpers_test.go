package client_test

import (
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
)

// waitEvent reads c's events until match accepts one.
func waitEvent[T client.Event](t *testing.T, c *client.Client, what string, match func(T) bool) T {
	t.Helper()
	deadline := time.After(10 * time.Second)
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
