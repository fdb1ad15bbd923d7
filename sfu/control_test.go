package sfu

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Malformed SDP is refused with ErrInvalidSDP and the parser's reason; the
// participant and the room keep working.
func TestMalformedSDPRefused(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("sdp")
	a := joinClient(t, room, "alice")
	b := joinClient(t, room, "bob")
	for _, bad := range []string{"", "garbage", "v=0\r\no=- x\r\n", "v=0\r\nm=audio\r\n"} {
		_, err := a.p.HandleOffer(bad)
		if !errors.Is(err, ErrInvalidSDP) {
			t.Errorf("HandleOffer(%q) = %v, want ErrInvalidSDP", bad, err)
		} else if err.Error() == ErrInvalidSDP.Error() && bad != "" {
			t.Errorf("HandleOffer(%q) error %q does not say why", bad, err)
		}
	}
	if err := a.p.HandleAnswer("v=0\r\nbroken"); !errors.Is(err, ErrInvalidSDP) {
		t.Errorf("HandleAnswer(broken) = %v, want ErrInvalidSDP", err)
	}
	// Parsable but not an answer to anything: a clear error too.
	if err := a.p.HandleAnswer(validButUnrelatedSDP); err == nil {
		t.Error("HandleAnswer of an unrelated description succeeded")
	}
	// The room still works: alice publishes, bob receives.
	a.publish("mic", vocab.KindAudio)
	a.negotiatePublisher(false)
	b.waitPackets(a.p.SID(), 1, 20)
}

const validButUnrelatedSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

func TestAddTrackChecks(t *testing.T) {
	e := newTestEngine(t, func(c *Config) { c.MaxTracksPerParticipant = 2 })
	room, _ := e.GetOrCreateRoom("perms")
	sink := newEventLog()
	p, err := room.Join(JoinParams{
		Identity: "mic-only", Sink: sink,
		Permissions: vocab.Permissions{CanPublish: true, Sources: []vocab.Source{vocab.SourceMicrophone}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(vocab.ReasonClientLeft)

	_, err = p.AddTrack("cam", TrackRequest{Kind: vocab.KindVideo, Source: vocab.SourceCamera})
	if !errors.Is(err, ErrPermissionDenied) || !strings.Contains(err.Error(), "camera") {
		t.Errorf("camera without permission: %v", err)
	}
	for _, tc := range []struct {
		id  string
		req TrackRequest
	}{
		{"", TrackRequest{Kind: vocab.KindAudio, Source: vocab.SourceMicrophone}},
		{"x", TrackRequest{Kind: "data", Source: vocab.SourceMicrophone}},
		{"x", TrackRequest{Kind: vocab.KindAudio, Source: "radio"}},
		{"x", TrackRequest{Kind: vocab.KindVideo, Source: vocab.SourceMicrophone}},
	} {
		if _, err := p.AddTrack(tc.id, tc.req); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("AddTrack(%q, %+v) = %v, want ErrInvalidArgument", tc.id, tc.req, err)
		}
	}
	info, err := p.AddTrack("m1", TrackRequest{Kind: vocab.KindAudio, Source: vocab.SourceMicrophone})
	if err != nil || !strings.HasPrefix(info.SID, "TR_") {
		t.Fatalf("AddTrack = %+v, %v", info, err)
	}
	if _, err := p.AddTrack("m1", TrackRequest{Kind: vocab.KindAudio, Source: vocab.SourceMicrophone}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("same client id twice: %v", err)
	}
	if _, err := p.AddTrack("m2", TrackRequest{Kind: vocab.KindAudio, Source: vocab.SourceMicrophone}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddTrack("m3", TrackRequest{Kind: vocab.KindAudio, Source: vocab.SourceMicrophone}); !errors.Is(err, ErrTooManyTracks) {
		t.Errorf("third track: %v, want ErrTooManyTracks", err)
	}
	// Declared but not live: not listed, not subscribable.
	if got := p.Info().Tracks; len(got) != 0 {
		t.Errorf("tracks before media: %+v", got)
	}
	if err := p.SendData(DataPacket{Payload: []byte("x")}); !errors.Is(err, ErrPermissionDenied) {
		t.Errorf("SendData without permission: %v", err)
	}
	name := "new"
	if err := p.UpdateInfo(&name, nil); !errors.Is(err, ErrPermissionDenied) {
		t.Errorf("UpdateInfo without permission: %v", err)
	}
}

func TestRoomFull(t *testing.T) {
	e := newTestEngine(t, func(c *Config) { c.MaxParticipantsPerRoom = 1 })
	room, _ := e.GetOrCreateRoom("small")
	a := joinClient(t, room, "alice")
	if _, err := room.Join(JoinParams{Identity: "bob", Sink: newEventLog()}); !errors.Is(err, ErrRoomFull) {
		t.Errorf("second Join = %v, want ErrRoomFull", err)
	}
	// Replacing oneself is not joining a full room.
	a2 := joinClient(t, room, "alice")
	a.waitEvent("Closed", isEvent[Closed](nil))
	_ = a2
}

// Data goes to the named identities or to everyone but the sender; metadata
// changes reach the others.
func TestDataAndMetadata(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("data")
	a := joinClient(t, room, "alice")
	b := joinClient(t, room, "bob")
	c := joinClient(t, room, "carol")

	if err := a.p.SendData(DataPacket{Topic: "chat", Payload: []byte("hi all")}); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*testClient{b, c} {
		cl.waitEvent("broadcast data", isEvent(func(d DataReceived) bool {
			return string(d.Packet.Payload) == "hi all" && d.Packet.FromIdentity == "alice" && d.Packet.FromSID == a.p.SID() &&
				d.Packet.Kind == vocab.DataReliable
		}))
	}
	if err := a.p.SendData(DataPacket{Kind: vocab.DataLossy, Payload: []byte("psst"), DestinationIdentities: []string{"carol"}}); err != nil {
		t.Fatal(err)
	}
	c.waitEvent("direct data", isEvent(func(d DataReceived) bool { return string(d.Packet.Payload) == "psst" }))
	room.SendData(DataPacket{Payload: []byte("from server"), DestinationIdentities: []string{"alice"}})
	a.waitEvent("server data", isEvent(func(d DataReceived) bool {
		return string(d.Packet.Payload) == "from server" && d.Packet.FromSID == ""
	}))
	time.Sleep(100 * time.Millisecond)
	for _, ev := range b.log.all() {
		if d, ok := ev.(DataReceived); ok && string(d.Packet.Payload) != "hi all" {
			t.Errorf("bob got %q", d.Packet.Payload)
		}
	}
	if countEvents[DataReceived](a.log) != 1 {
		t.Errorf("alice got her own data back")
	}

	meta := "busy"
	if err := b.p.UpdateInfo(nil, &meta); err != nil {
		t.Fatal(err)
	}
	a.waitEvent("ParticipantUpdated", isEvent(func(u ParticipantUpdated) bool {
		return u.Participant.Identity == "bob" && u.Participant.Metadata == "busy" && u.Participant.Name == "bob"
	}))
	if countEvents[ParticipantUpdated](b.log) != 0 {
		t.Error("bob told of his own update")
	}
}

// Without AutoSubscribe, tracks are subscribed explicitly; subscriptions can be
// paused and dropped. Hidden participants are never announced.
func TestManualSubscriptionAndHidden(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("manual")
	a := joinClient(t, room, "alice")
	rec := joinClient(t, room, "recorder", func(p *JoinParams) {
		p.AutoSubscribe = false
		p.Permissions.Hidden = true
	})
	cam := a.publish("cam", vocab.KindVideo)
	a.negotiatePublisher(false)
	rec.waitEvent("TrackPublished", isEvent(func(tp TrackPublished) bool { return tp.Track.SID == cam.SID }))
	time.Sleep(200 * time.Millisecond)
	if n := rec.packetsFrom(a.p.SID()); n != 0 {
		t.Fatalf("received %d packets without subscribing", n)
	}
	if err := rec.p.Subscribe("TR_unknown"); !errors.Is(err, ErrTrackNotFound) {
		t.Errorf("Subscribe(unknown) = %v", err)
	}
	if err := a.p.Subscribe(cam.SID); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Subscribe(own) = %v", err)
	}
	if err := rec.p.Subscribe(cam.SID); err != nil {
		t.Fatal(err)
	}
	rec.waitPackets(a.p.SID(), 1, 20)

	if err := rec.p.UpdateSubscription(cam.SID, SubscriptionSettings{Paused: true}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	paused := rec.packetsFrom(a.p.SID())
	time.Sleep(300 * time.Millisecond)
	if n := rec.packetsFrom(a.p.SID()); n != paused {
		t.Errorf("paused subscription still receives: %d -> %d", paused, n)
	}
	if err := rec.p.UpdateSubscription(cam.SID, SubscriptionSettings{Quality: new(vocab.QualityLow)}); err != nil {
		t.Fatal(err)
	}
	rec.waitPackets(a.p.SID(), 1, paused+10)
	if err := rec.p.UpdateSubscription(cam.SID, SubscriptionSettings{Quality: new(vocab.Quality(7))}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad quality: %v", err)
	}
	if err := rec.p.Unsubscribe(cam.SID); err != nil {
		t.Fatal(err)
	}
	if err := rec.p.Unsubscribe(cam.SID); !errors.Is(err, ErrTrackNotFound) {
		t.Errorf("second Unsubscribe = %v", err)
	}

	// Alice never heard of the hidden recorder.
	for _, ev := range a.log.all() {
		switch ev := ev.(type) {
		case ParticipantJoined, ParticipantLeft:
			t.Errorf("alice told about the hidden participant: %#v", ev)
		}
	}
	infos := room.Participants()
	hidden := 0
	for _, info := range infos {
		if info.Hidden {
			hidden++
		}
	}
	if len(infos) != 2 || hidden != 1 {
		t.Errorf("Participants() = %+v", infos)
	}
	rec.close()
	time.Sleep(50 * time.Millisecond)
	if countEvents[ParticipantLeft](a.log) != 0 {
		t.Error("alice told the hidden participant left")
	}
}

// The room's ticker announces active speakers from the audio levels.
func TestActiveSpeakers(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("speakers")
	a := joinClient(t, room, "alice")
	b := joinClient(t, room, "bob")
	src := room.activity.speakers.Source(a.p.SID())
	stop := make(chan struct{})
	done := make(chan struct{})
	defer func() { close(stop); <-done }()
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				src.Observe(10, true)
			}
		}
	}()
	b.waitEvent("ActiveSpeakers with alice", isEvent(func(s ActiveSpeakers) bool {
		return len(s.Speakers) == 1 && s.Speakers[0].ParticipantSID == a.p.SID() && s.Speakers[0].Level > 0
	}))
	a.waitEvent("ActiveSpeakers to the speaker too", isEvent[ActiveSpeakers](nil))
	// Connection quality comes every ~2 s.
	b.waitEvent("ConnectionQualityUpdate", isEvent(func(u ConnectionQualityUpdate) bool { return len(u.Updates) == 2 }))
}

// Connection quality goes out as changes: a participant's first update lists
// everyone visible, later ones only the grades that changed or are new, so a
// join costs each of the others one grade, not the whole room's.
func TestConnectionQualitySendsChanges(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("quality")
	a := joinClient(t, room, "alice")
	b := joinClient(t, room, "bob")
	grades := func(u ConnectionQualityUpdate) []string {
		var sids []string
		for _, g := range u.Updates {
			sids = append(sids, g.ParticipantSID)
		}
		return sids
	}
	first := b.waitEvent("bob's first quality update", isEvent[ConnectionQualityUpdate](nil)).(ConnectionQualityUpdate)
	if got := grades(first); len(got) != 2 || !slices.Contains(got, a.p.SID()) || !slices.Contains(got, b.p.SID()) {
		t.Fatalf("bob's first update grades %v, want alice's and bob's", got)
	}
	c := joinClient(t, room, "carol")
	// Without media the grades of alice and bob stay as they were: carol's is
	// the only change.
	next := b.waitEvent("bob told of carol's grade", isEvent(func(u ConnectionQualityUpdate) bool {
		return slices.Contains(grades(u), c.p.SID())
	})).(ConnectionQualityUpdate)
	if got := grades(next); len(got) != 1 {
		t.Errorf("bob's update after carol joined grades %v, want carol's alone", got)
	}
	whole := c.waitEvent("carol's first quality update", isEvent[ConnectionQualityUpdate](nil)).(ConnectionQualityUpdate)
	if got := grades(whole); len(got) != 3 {
		t.Errorf("carol's first update grades %v, want all three", got)
	}
}

// Joins, replacements and leaves racing each other (and a live publisher)
// neither deadlock nor leave anything behind.
func TestConcurrentJoinsAndLeaves(t *testing.T) {
	e := newTestEngine(t)
	room, _ := e.GetOrCreateRoom("busy")
	a := joinClient(t, room, "alice")
	a.publish("mic", vocab.KindAudio)
	a.negotiatePublisher(false)
	a.waitEvent("own track live", isEvent[TrackPublished](nil))

	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := room.Join(JoinParams{
					Identity: fmt.Sprintf("guest%d", i%4), AutoSubscribe: true,
					Permissions: vocab.Permissions{CanSubscribe: true}, Sink: newEventLog(),
				})
				if err != nil {
					return
				}
				time.Sleep(time.Duration(i%3) * 10 * time.Millisecond)
				p.Close(vocab.ReasonClientLeft)
			}()
		}
		wg.Wait()
	}()
	select {
	case <-done:
	case <-time.After(testTimeout):
		t.Fatal("joins and leaves did not finish: deadlock?")
	}
	if n := len(room.Participants()); n != 1 {
		t.Errorf("%d participants left, want alice alone", n)
	}
	if st := e.Stats(); st.Participants != 1 || st.Subscriptions != 0 {
		t.Errorf("stats = %+v", st)
	}
}
