package sip_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/internal/levelstamp"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// speakerWatch is a Go client in a room that notes who the room names as
// active speakers (by identity and kind, from each ActiveSpeakers event) and
// counts the packets it receives of the SIP participant's audio.
type speakerWatch struct {
	mu       sync.Mutex
	named    []vocab.ParticipantInfo // everyone ever named, in order, repeats kept
	sipAudio atomic.Int64
}

func (e *env) watchSpeakers(t *testing.T, ctx context.Context, room, identity string) *speakerWatch {
	t.Helper()
	c, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, identity), client.WithCodecs(webrtc.MimeTypeOpus))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	w := &speakerWatch{}
	go func() {
		for ev := range c.Events() {
			switch ev := ev.(type) {
			case client.TrackSubscribed:
				p, _ := ev.Track.Participant()
				if ev.Track.Kind() != vocab.KindAudio || p.Kind != vocab.ParticipantSIP {
					ev.Track.Discard()
					continue
				}
				go func() {
					for {
						if _, err := ev.Track.ReadRTP(); err != nil {
							return
						}
						w.sipAudio.Add(1)
					}
				}()
			case client.ActiveSpeakers:
				others := c.Others()
				w.mu.Lock()
				for _, s := range ev.Speakers {
					for _, p := range others {
						if p.SID == s.ParticipantSID {
							w.named = append(w.named, p)
						}
					}
				}
				w.mu.Unlock()
			}
		}
	}()
	return w
}

// namedKind reports whether a participant of this kind was named an active
// speaker, and its identity.
func (w *speakerWatch) namedKind(kind vocab.ParticipantKind) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.named {
		if p.Kind == kind {
			return p.Identity, true
		}
	}
	return "", false
}

func (w *speakerWatch) namedIdentity(identity string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.named {
		if p.Identity == identity {
			return true
		}
	}
	return false
}

// baresip dials in playing a 1 kHz tone (-15 dBov): the bridge stamps the
// caller's packets with the level of its decoded voice (RFC 6464), and the
// room names the SIP participant an active speaker, as it would a browser.
func TestBaresipCallerBecomesTheActiveSpeaker(t *testing.T) {
	needTool(t, "baresip")
	e := newEnv(t, nil)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	w := e.watchSpeakers(t, ctx, room, "alice")

	ua := startBaresip(t, sineWAV(t, 1000, 8000), "PCMU/8000/1", "Salle Zola",
		fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port()))
	waitFor(t, ctx, "the room to name the SIP caller an active speaker", func() bool {
		_, ok := w.namedKind(vocab.ParticipantSIP)
		return ok
	})
	ua.stop(ctx)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
}

// baresip dials in sending a faint hum (-64 dBov, a quiet line): the room
// hears its audio for two seconds, many ticks of the speaker detector, and
// never names it; a Go client who then speaks is named, so the detector did
// run all along.
func TestBaresipQuietCallerIsNotTheActiveSpeaker(t *testing.T) {
	needTool(t, "baresip")
	e := newEnv(t, nil)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	w := e.watchSpeakers(t, ctx, room, "alice")

	ua := startBaresip(t, sineWAV(t, 1000, 30), "PCMU/8000/1", "Salle Zola",
		fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port()))
	waitFor(t, ctx, "two seconds of the caller's audio in the room", func() bool { return w.sipAudio.Load() >= 100 })

	var bobLevel atomic.Uint32
	bobLevel.Store(talking)
	bob, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, "bob"), client.WithCodecs(webrtc.MimeTypeOpus),
		client.WithInterceptor(levelstamp.Stamper{Level: &bobLevel}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bob.Close() })
	go func() {
		for ev := range bob.Events() {
			if sub, ok := ev.(client.TrackSubscribed); ok {
				sub.Track.Discard()
			}
		}
	}()
	publishTone(t, ctx, bob, 440)
	waitFor(t, ctx, "the room to name bob an active speaker", func() bool { return w.namedIdentity("bob") })
	if who, ok := w.namedKind(vocab.ParticipantSIP); ok {
		t.Fatalf("the room named the quiet SIP caller %s an active speaker", who)
	}
	ua.stop(ctx)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
}

// Two room systems dial into one meeting with video, both speaking (a tone
// each), where a Go client's camera (red, 320x240) was published first and
// stays silent. Each room system is shown the other's camera (baresip's
// 352x288 test picture), which takes the room naming the SIP callers active
// speakers; without their levels both would be shown the red camera, the
// first published, for ever.
func TestBaresipRoomSystemsSeeEachOtherWhenTheySpeak(t *testing.T) {
	needTool(t, "baresip")
	needBaresipVideo(t)
	e := newEnv(t, nil)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	e.joinWithCamera(t, ctx, room, "carol", redCamera, nil)

	roomSystem := roomCamera{width: 352, height: 288} // videoConfig's video_size
	target := fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port())
	var shots []*snapshots
	for _, name := range []string{"Salle Zola", "Salle Hugo"} {
		cons := freeUDPPort(t)
		ua := startBaresipWith(t, sineWAV(t, 1000, 8000), "PCMU/8000/1", name, target, "", snapshotConfig(cons)+videoConfig)
		shots = append(shots, newSnapshots(t, ua, cons))
	}
	shots[0].waitToSee(t, ctx, "Salle Hugo", roomSystem)
	shots[1].waitToSee(t, ctx, "Salle Zola", roomSystem)
	for _, s := range shots {
		s.ua.stop(ctx)
	}
	waitFor(t, ctx, "the calls to end", func() bool { return e.bridge.Calls() == 0 })
}
