package webhook_test

import (
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/webhook"
	"github.com/ensemble-sfu/ensemble/signalling/webhook/sfuhooks"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// BenchmarkHookEnqueue measures what an sfu hook costs its caller: encoding the event
// and queuing it (the receiver is unreachable, so nothing is sent meanwhile).
func BenchmarkHookEnqueue(b *testing.B) {
	n, err := webhook.New(b.Context(), webhook.Config{URLs: []string{"http://127.0.0.1:9/hook"}, Secret: "s", AllowedNetworks: loopback,
		QueueSize: 1 << 22, MinBackoff: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	h := sfuhooks.Of(n)
	room := vocab.RoomInfo{SID: "RM_1", Name: "standup", NumParticipants: 4}
	p := vocab.ParticipantInfo{SID: "PA_1", Identity: "alice", Tracks: []vocab.TrackInfo{{SID: "TR_1"}}}
	tr := vocab.TrackInfo{SID: "TR_2", Kind: vocab.KindVideo, Source: vocab.SourceCamera}
	b.ReportAllocs()
	for b.Loop() {
		h.TrackPublished(room, p, tr)
	}
}
