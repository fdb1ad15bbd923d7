package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A cascaded room on two nodes of one real Redis (ada and amy on the host,
// bob and cyd on the satellite), and a third node serving none of it: the API
// acts on the satellite's participants themselves, whichever node it is
// called on, not only on their relayed copies on the host.
//   - A mute of bob's microphone through the satellite's API stops its media
//     on the host and on the satellite (cyd, next to bob, hears nothing).
//   - A rename of cyd through the third node's API reaches cyd's own client.
//   - bob removed through the host's API, cyd through the third node's: each
//     one's own client is closed with reason removed, everyone left sees it
//     leave with reason removed, and the participant list, asked of any
//     node, lists each remaining participant once.
func TestClusterCascadeAPIActsOnSatelliteParticipants(t *testing.T) {
	const perNode = 2
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	redisAddr := storetest.StartRedis(t)
	startNode := func(id string) string {
		port := freePort(t)
		args := append(clusterNodeArgs(t, redisAddr, id, port), "--max-participants-per-node", strconv.Itoa(perNode))
		url, stop := startServe(t, port, args...)
		t.Cleanup(stop)
		return url
	}
	urlOf := map[string]string{"node-1": startNode("node-1"), "node-2": startNode("node-2")}
	const room = "admin"
	// Placement fills the host first: ada and amy on it, bob and cyd on the
	// other node.
	ada := joinRoster(t, ctx, urlOf["node-1"], room, "ada")
	amy := joinRoster(t, ctx, urlOf["node-1"], room, "amy")
	bob := joinRoster(t, ctx, urlOf["node-1"], room, "bob")
	cyd := joinRoster(t, ctx, urlOf["node-1"], room, "cyd")
	hostURL := urlOf[roomNode(t, ctx, urlOf["node-1"], room)]
	satURL := urlOf["node-1"]
	if hostURL == satURL {
		satURL = urlOf["node-2"]
	}
	// The third node joins once the room is placed: it serves none of it.
	thirdURL := startNode("node-3")
	members := []*rosterMember{ada, amy, bob, cyd}
	for _, m := range members {
		waitFor(t, 20*time.Second, m.identity+" seeing the three others", func() bool {
			return len(m.c.Others()) == len(members)-1
		})
	}
	checkListed := func(want ...string) {
		t.Helper()
		for _, u := range []string{hostURL, satURL, thirdURL} {
			var got []string
			var err error
			listed := func() bool {
				var ps []protocol.ParticipantInfo
				ps, err = adminClient(t, u).ListParticipants(ctx, room)
				got = got[:0]
				for _, p := range ps {
					got = append(got, p.Identity)
				}
				slices.Sort(got)
				return err == nil && slices.Equal(got, want)
			}
			deadline := time.Now().Add(10 * time.Second)
			for !listed() {
				if time.Now().After(deadline) {
					t.Fatalf("%s lists %v (%v), want exactly %v", u, got, err, want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	checkListed("ada", "amy", "bob", "cyd")

	// bob publishes a microphone; ada (host) and cyd (satellite) receive it.
	publishPlayingMicrophone(ctx, t, bob.c)
	for _, m := range []*rosterMember{ada, cyd} {
		waitFor(t, 20*time.Second, m.identity+" receiving bob's microphone", func() bool { return m.packets.Load() >= 25 })
	}

	// The API names bob's microphone by its SID on the host, where the call
	// goes: through the satellite's API here.
	var micSID string
	ps, err := adminClient(t, satURL).ListParticipants(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Identity == "bob" && len(p.Tracks) == 1 {
			micSID = p.Tracks[0].SID
		}
	}
	if micSID == "" {
		t.Fatalf("the participant list shows no microphone of bob: %+v", ps)
	}
	if _, err := adminClient(t, satURL).MuteTrack(ctx, room, "bob", micSID, true); err != nil {
		t.Fatalf("mute bob's microphone through the satellite: %v", err)
	}
	cydMic := func() string {
		p, _ := cyd.sees("bob")
		if len(p.Tracks) != 1 {
			return ""
		}
		return p.Tracks[0].SID
	}
	waitFor(t, 10*time.Second, "cyd, next to bob, told his microphone is muted", func() bool {
		got := cyd.mutes(cydMic())
		return len(got) == 1 && got[0]
	})
	time.Sleep(300 * time.Millisecond) // the packets already on their way
	adaBefore, cydBefore := ada.packets.Load(), cyd.packets.Load()
	time.Sleep(500 * time.Millisecond)
	if after := ada.packets.Load(); after != adaBefore {
		t.Errorf("bob's microphone, muted through the API, still reaches ada on the host: %d -> %d packets", adaBefore, after)
	}
	if after := cyd.packets.Load(); after != cydBefore {
		t.Errorf("bob's microphone, muted through the API, still reaches cyd on his own node: %d -> %d packets", cydBefore, after)
	}
	if _, err := adminClient(t, hostURL).MuteTrack(ctx, room, "bob", micSID, false); err != nil {
		t.Fatalf("unmute bob's microphone through the host: %v", err)
	}
	waitFor(t, 10*time.Second, "bob's microphone reaching cyd again", func() bool { return cyd.packets.Load() >= cydBefore+25 })

	// cyd renamed through the third node: its own client hears of it, and
	// the host's participants see the new name.
	updateParticipant(t, ctx, thirdURL, room, "cyd", map[string]any{"name": "Cyd C.", "metadata": `{"desk":4}`})
	waitFor(t, 10*time.Second, "cyd's own client renamed", func() bool {
		self := cyd.c.Self()
		return self.Name == "Cyd C." && self.Metadata == `{"desk":4}`
	})
	waitFor(t, 10*time.Second, "ada seeing cyd renamed", func() bool {
		p, ok := ada.sees("cyd")
		return ok && p.Name == "Cyd C."
	})

	remove := func(via string, gone *rosterMember, left ...*rosterMember) {
		t.Helper()
		if err := adminClient(t, via).RemoveParticipant(ctx, room, gone.identity); err != nil {
			t.Fatalf("remove %s through %s: %v", gone.identity, via, err)
		}
		// The answer came once its node confirmed: the room's listing, read
		// next through the same node, no longer shows it.
		ps, err := adminClient(t, via).ListParticipants(ctx, room)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Identity == gone.identity {
				t.Errorf("%s still listed through %s right after its removal was answered", gone.identity, via)
			}
		}
		select {
		case <-gone.c.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("%s, removed through %s, is still connected to its node", gone.identity, via)
		}
		if r := gone.c.CloseReason(); r == nil || r.Reason != vocab.ReasonRemoved {
			t.Errorf("%s's own client was closed with %+v, want reason removed", gone.identity, r)
		}
		for _, m := range left {
			waitFor(t, 10*time.Second, m.identity+" seeing "+gone.identity+" leave", func() bool { return m.leftFor(gone.identity) != "" })
			if r := m.leftFor(gone.identity); r != vocab.ReasonRemoved {
				t.Errorf("%s saw %s leave for %q, want removed", m.identity, gone.identity, r)
			}
		}
	}
	remove(hostURL, bob, ada, amy, cyd)
	checkListed("ada", "amy", "cyd")
	remove(thirdURL, cyd, ada, amy)
	checkListed("ada", "amy")
}

// updateParticipant changes a participant through the API of the node at
// baseURL (PATCH .../participants/{identity}).
func updateParticipant(t *testing.T, ctx context.Context, baseURL, room, identity string, body map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, baseURL+"/api/v1/rooms/"+room+"/participants/"+identity, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminClient(t, baseURL).Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("update %s through %s: %v", identity, baseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("update %s through %s: status %s", identity, baseURL, resp.Status)
	}
}
