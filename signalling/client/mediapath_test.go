package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// On loopback with the media port open, the media goes straight over UDP.
func TestMediaPathIsUDPWhenTheMediaPortIsOpen(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub, _ := pair(t, ctx, "media-path")
	deadline := time.Now().Add(20 * time.Second)
	for pub.MediaPath() != vocab.MediaPathUDP {
		if time.Now().After(deadline) {
			t.Fatalf("media path %q, want udp", pub.MediaPath())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
