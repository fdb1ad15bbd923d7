package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// rosterMember is a participant that publishes nothing unless told, and
// records the roster events it gets.
type rosterMember struct {
	identity string
	c        *client.Client
	mu       sync.Mutex
	muted    map[string][]bool            // TrackMuted by track SID, in order
	left     map[string]vocab.CloseReason // ParticipantLeft's reason by identity
	packets  atomic.Int64                 // of every track it receives
}

// leftFor is why identity left, as m was told ("" while it was not).
func (m *rosterMember) leftFor(identity string) vocab.CloseReason {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.left[identity]
}

func (m *rosterMember) mutes(trackSID string) []bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]bool(nil), m.muted[trackSID]...)
}

func (m *rosterMember) sees(identity string) (vocab.ParticipantInfo, bool) {
	return m.c.Other(identity)
}

func joinRoster(t *testing.T, ctx context.Context, baseURL, room, identity string) *rosterMember {
	t.Helper()
	return joinRosterAs(t, ctx, baseURL, room, identity, participantToken(t, room, identity))
}

// joinRosterAs is joinRoster with a token of the caller's.
func joinRosterAs(t *testing.T, ctx context.Context, baseURL, room, identity, token string) *rosterMember {
	t.Helper()
	c, err := client.Join(ctx, baseURL, token, client.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("%s joins %s through %s: %v", identity, room, baseURL, err)
	}
	return followRoster(t, c, identity)
}

// followRoster records the roster events c, joined as identity, gets until
// the test ends.
func followRoster(t *testing.T, c *client.Client, identity string) *rosterMember {
	m := &rosterMember{identity: identity, c: c, muted: map[string][]bool{}, left: map[string]vocab.CloseReason{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case ev, ok := <-c.Events():
				if !ok {
					return // closed (the reason is c.CloseReason)
				}
				switch ev := ev.(type) {
				case client.ParticipantLeft:
					m.mu.Lock()
					m.left[ev.Participant.Identity] = ev.Reason
					m.mu.Unlock()
				case client.TrackMuted:
					m.mu.Lock()
					m.muted[ev.TrackSID] = append(m.muted[ev.TrackSID], ev.Muted)
					m.mu.Unlock()
				case client.TrackSubscribed:
					countPackets(&wg, ev.Track, &m.packets)
				}
			}
		}
	})
	t.Cleanup(func() {
		close(stop)
		_ = c.Close()
		wg.Wait()
	})
	return m
}

// Two node processes on one real Redis, two participants of the room per
// node, none publishing: each sees the other node's participants as soon as
// they join, their name and metadata changes, a mute on the other node as
// TrackMuted (and its media stop), a participant whose last track went still
// there, and a participant leaving the other node while the room stays
// bridged (its node keeps another participant) leaving its roster.
func TestClusterCascadeRosterCrossesNodes(t *testing.T) {
	const perNode = 2
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	redisAddr := storetest.StartRedis(t)
	var urls []string
	urlOf := map[string]string{}
	for i := range 2 {
		port := freePort(t)
		id := fmt.Sprintf("node-%d", i+1)
		args := append(clusterNodeArgs(t, redisAddr, id, port), "--max-participants-per-node", strconv.Itoa(perNode))
		url, stop := startServe(t, port, args...)
		t.Cleanup(stop)
		urls = append(urls, url)
		urlOf[id] = url
	}
	const room = "roster"
	// Placement fills the host first: ada and amy on it, bob and cyd on the
	// other node (the satellite).
	ada := joinRoster(t, ctx, urls[0], room, "ada")
	amy := joinRoster(t, ctx, urls[1], room, "amy")
	bob := joinRoster(t, ctx, urls[0], room, "bob")
	// cyd is a room system, through the SIP bridge: of kind sip on every node.
	cydToken, err := auth.Sign(auth.DevAPIKey, auth.DevAPISecret, auth.TokenParams{Identity: "cyd", Room: room,
		Kind: vocab.ParticipantSIP, Grants: auth.DefaultParticipantGrants(), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	cyd := joinRosterAs(t, ctx, urls[1], room, "cyd", cydToken)
	if host := roomNode(t, ctx, urls[0], room); urlOf[host] == "" {
		t.Fatalf("the room is hosted on %q", host)
	}
	members := []*rosterMember{ada, amy, bob, cyd}

	// Everyone sees the three others, none with a track, and no relay.
	for _, m := range members {
		waitFor(t, 20*time.Second, m.identity+" seeing the three others", func() bool {
			others := m.c.Others()
			if len(others) != len(members)-1 {
				return false
			}
			for _, o := range others {
				if o.Identity == m.identity || o.Kind == vocab.ParticipantRelay || len(o.Tracks) != 0 {
					return false
				}
			}
			return true
		})
	}

	if o, ok := ada.sees("cyd"); !ok || o.Kind != vocab.ParticipantSIP {
		t.Errorf("ada sees cyd, a SIP participant on the other node, as %+v", o)
	}
	if o, ok := cyd.sees("ada"); !ok || o.Kind != vocab.ParticipantStandard {
		t.Errorf("cyd sees ada as %+v, want a standard participant", o)
	}

	// Name and metadata cross both ways.
	rename := func(m *rosterMember, name, metadata string) {
		if err := m.c.UpdateMetadata(ctx, &name, &metadata); err != nil {
			t.Fatalf("%s renames itself: %v", m.identity, err)
		}
		for _, o := range members {
			if o == m {
				continue
			}
			waitFor(t, 10*time.Second, o.identity+" seeing "+m.identity+" renamed "+name, func() bool {
				p, ok := o.sees(m.identity)
				return ok && p.Name == name && p.Metadata == metadata
			})
		}
	}
	rename(bob, "Bob B.", `{"hand":true}`)
	rename(ada, "Ada A.", `{"role":"host"}`)

	// bob (satellite) publishes a microphone and mutes it: the host's
	// participants hear of the mute and of the unmute, and its media stop
	// there meanwhile.
	mic := publishPlayingMicrophone(ctx, t, bob.c)
	micOn := func(m *rosterMember) (string, bool) {
		p, ok := m.sees("bob")
		if !ok || len(p.Tracks) != 1 {
			return "", false
		}
		return p.Tracks[0].SID, true
	}
	var micAtAda string
	waitFor(t, 20*time.Second, "ada receiving bob's microphone", func() bool {
		sid, ok := micOn(ada)
		micAtAda = sid
		return ok && ada.packets.Load() >= 25
	})
	if err := mic.Mute(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "ada told bob's microphone is muted", func() bool {
		got := ada.mutes(micAtAda)
		return len(got) == 1 && got[0]
	})
	if p, _ := ada.sees("bob"); len(p.Tracks) != 1 || !p.Tracks[0].Muted {
		t.Errorf("ada's roster shows bob's tracks %+v, want his microphone muted", p.Tracks)
	}
	time.Sleep(300 * time.Millisecond) // the packets already on their way
	before := ada.packets.Load()
	time.Sleep(500 * time.Millisecond)
	if after := ada.packets.Load(); after != before {
		t.Errorf("bob's muted microphone still reaches ada: %d -> %d packets", before, after)
	}
	if err := mic.Unmute(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "ada told bob's microphone is unmuted", func() bool {
		got := ada.mutes(micAtAda)
		return len(got) == 2 && !got[1]
	})
	waitFor(t, 10*time.Second, "bob's microphone reaching ada again", func() bool { return ada.packets.Load() >= before+25 })

	// bob's last track goes: he stays in the host's roster, without it.
	if err := mic.Unpublish(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "ada seeing bob without a track", func() bool {
		p, ok := ada.sees("bob")
		return ok && len(p.Tracks) == 0
	})
	if _, ok := amy.sees("bob"); !ok {
		t.Error("amy no longer sees bob once his last track went")
	}

	// bob leaves; cyd keeps the satellite in the room: bob leaves the host's
	// roster, cyd stays.
	if err := bob.c.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*rosterMember{ada, amy, cyd} {
		waitFor(t, 10*time.Second, m.identity+" seeing bob leave", func() bool {
			_, ok := m.sees("bob")
			return !ok
		})
	}
	for _, m := range []*rosterMember{ada, amy} {
		if _, ok := m.sees("cyd"); !ok {
			t.Errorf("%s no longer sees cyd", m.identity)
		}
	}
	if _, ok := cyd.sees("ada"); !ok {
		t.Error("cyd no longer sees ada")
	}
}

// publishPlayingMicrophone publishes a microphone on c that plays the Opus
// clip over and over until the test ends.
func publishPlayingMicrophone(ctx context.Context, t *testing.T, c *client.Client) *client.LocalTrack {
	t.Helper()
	opus, err := clip.ParseOgg(clips.Opus)
	if err != nil {
		t.Fatal(err)
	}
	mic, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
	if err != nil {
		t.Fatal(err)
	}
	playCtx, stopPlay := context.WithCancel(context.Background())
	var play sync.WaitGroup
	play.Go(func() { _ = clienttest.PlayClip(playCtx, mic, opus) })
	t.Cleanup(func() { stopPlay(); play.Wait() })
	return mic
}
