package e2e

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Data messages reach everyone else, or only the named identities.
func TestDataMessages(t *testing.T) {
	ctx := testCtx(t, 15*time.Second)
	srv := servertestStart(t)
	alice := join(t, ctx, srv, "data", "alice")
	bob := join(t, ctx, srv, "data", "bob")
	carol := join(t, ctx, srv, "data", "carol")

	if err := alice.SendData(ctx, []byte("hello all"), client.DataOptions{Topic: "chat"}); err != nil {
		t.Fatalf("send: %v", err)
	}
	if err := alice.SendData(ctx, []byte("psst"), client.DataOptions{Kind: vocab.DataLossy, To: []string{"carol"}}); err != nil {
		t.Fatalf("send to carol: %v", err)
	}
	for _, p := range []*participant{bob, carol} {
		got := waitEvent(ctx, p, "hello", func(e client.DataReceived) bool { return bytes.Equal(e.Payload, []byte("hello all")) })
		if got.Topic != "chat" || got.FromIdentity != "alice" || got.Kind != vocab.DataReliable {
			t.Errorf("%s got %+v", p.name, got)
		}
	}
	waitEvent(ctx, carol, "psst", func(e client.DataReceived) bool { return bytes.Equal(e.Payload, []byte("psst")) })
	// Events to one participant are in order: bob's psst would have come before this.
	if err := alice.SendData(ctx, []byte("marker"), client.DataOptions{To: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	waitEvent(ctx, bob, "marker", func(e client.DataReceived) bool { return bytes.Equal(e.Payload, []byte("marker")) })
	if hasEvent(bob, func(e client.DataReceived) bool { return bytes.Equal(e.Payload, []byte("psst")) }) {
		t.Error("bob got a message addressed to carol")
	}
	if hasEvent(alice, func(e client.DataReceived) bool { return true }) {
		t.Error("the sender got its own message")
	}
}

// A metadata change reaches the others as participant_updated.
func TestMetadataUpdate(t *testing.T) {
	ctx := testCtx(t, 15*time.Second)
	srv := servertestStart(t)
	alice := join(t, ctx, srv, "meta", "alice")
	bob := join(t, ctx, srv, "meta", "bob")
	name, meta := "Alice L.", `{"hand":"raised"}`
	if err := alice.UpdateMetadata(ctx, &name, &meta); err != nil {
		t.Fatal(err)
	}
	waitEvent(ctx, bob, "alice updated", func(e client.ParticipantUpdated) bool {
		return e.Participant.Identity == "alice" && e.Participant.Name == name && e.Participant.Metadata == meta
	})
	if o, _ := bob.Other("alice"); o.Metadata != meta {
		t.Errorf("bob's view of alice's metadata: %q", o.Metadata)
	}
}

// Without auto-subscribe nothing arrives until the client subscribes; pausing
// stops the media, resuming restarts it, unsubscribing ends the track.
func TestManualSubscriptionPauseAndResume(t *testing.T) {
	ctx := testCtx(t, 20*time.Second)
	srv := servertestStart(t)
	alice := join(t, ctx, srv, "subs", "alice")
	bob := join(t, ctx, srv, "subs", "bob", client.WithAutoSubscribe(false))
	_, audio := publishAV(t, ctx, alice)

	waitEvent(ctx, bob, "audio announced", func(e client.TrackPublished) bool { return e.Track.SID == audio.SID() })
	time.Sleep(300 * time.Millisecond) // media would have arrived by now with auto-subscribe
	if hasEvent[client.TrackSubscribed](bob, nil) {
		t.Fatal("bob receives media without subscribing")
	}
	if err := bob.Subscribe(ctx, audio.SID()); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	bob.waitMedia(ctx, alice, 1, 20)

	if err := bob.UpdateSubscription(ctx, audio.SID(), client.SubscriptionSettings{Paused: true}); err != nil {
		t.Fatalf("pause: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // let in-flight packets land
	bob.mu.Lock()
	paused := bob.tracks[audio.SID()].packets
	bob.mu.Unlock()
	time.Sleep(500 * time.Millisecond) // 25 audio packets would come in that time
	bob.mu.Lock()
	after := bob.tracks[audio.SID()].packets
	bob.mu.Unlock()
	if after > paused+2 {
		t.Errorf("%d packets arrived on a paused subscription", after-paused)
	}
	if err := bob.UpdateSubscription(ctx, audio.SID(), client.SubscriptionSettings{Paused: false}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	bob.waitFor(ctx, "audio after resuming", func() bool { return bob.tracks[audio.SID()].packets > after+10 })

	if err := bob.Unsubscribe(ctx, audio.SID()); err != nil {
		t.Fatalf("unsubscribe: %v", err)
	}
	bob.waitFor(ctx, "the unsubscribed track to end", func() bool { return bob.tracks[audio.SID()].ended })
}

// A request the server refuses comes back as an *client.Error with its code.
func TestRefusedRequestCarriesCode(t *testing.T) {
	ctx := testCtx(t, 15*time.Second)
	srv := servertestStart(t)
	viewer, err := client.Join(ctx, srv.URL, srv.Token("refuse", "viewer", "join", "subscribe"), client.WithLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	p := watch(t, "viewer", viewer)
	_, err = p.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
	if code := client.ErrorCode(err); code != "permission_denied" {
		t.Errorf("publishing without the grant: code %q (%v), want permission_denied", code, err)
	}
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Message == "" {
		t.Errorf("error %v carries no server message", err)
	}
	if err := p.SendData(ctx, []byte("x"), client.DataOptions{}); client.ErrorCode(err) != "permission_denied" {
		t.Errorf("sending data without the grant: %v", err)
	}
	if err := p.Subscribe(ctx, "TR_nonexistent"); client.ErrorCode(err) != "track_not_found" {
		t.Errorf("subscribing to a missing track: %v", err)
	}
}

// A client that stays away longer than the grace period is closed: the client
// reports the failed resume, the others see it leave.
func TestResumeAfterGraceFails(t *testing.T) {
	ctx := testCtx(t, 15*time.Second)
	srv := servertestStart(t, servertestResumeGrace(time.Second))
	network, err := clienttest.NewNetwork()
	if err != nil {
		t.Fatal(err)
	}
	alice := join(t, ctx, srv, "late", "alice", client.WithNet(network))
	bob := join(t, ctx, srv, "late", "bob")
	network.Cut(3 * time.Second)
	closed := waitEvent[client.Closed](ctx, alice, "alice closed", nil)
	if !errors.Is(closed.Err, client.ErrResumeFailed) {
		t.Errorf("alice closed with %+v, want ErrResumeFailed", closed)
	}
	waitEvent(ctx, bob, "alice left", func(e client.ParticipantLeft) bool {
		return e.Participant.Identity == "alice" && e.Reason == vocab.ReasonResumeTimeout
	})
}
