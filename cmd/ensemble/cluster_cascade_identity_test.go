package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// One identity is one participant room-wide, whichever nodes its sessions
// join through. Three node processes on one real Redis, two participants of
// the room per node at most; xena joins again and again, each time landing on
// another node than her session in the room (forced by the per-node limit):
//
//  1. from the host to a satellite;
//  2. from the satellite back to the host;
//  3. from a satellite to the other satellite.
//
// Each time the older session's client is closed with duplicate_identity,
// everyone else saw her leave for duplicate_identity and sees exactly one
// xena, the new session (another SID than before), and the new session's
// microphone reaches a participant of another node.
func TestClusterCascadeOneIdentityAcrossNodes(t *testing.T) {
	const perNode = 2
	const room = "identity"
	const x = "xena"
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	urls, rdb := startCascadeNodes(t, 3, perNode)
	loads := func() map[string]int { return roomLoads(t, ctx, rdb, room) }
	// Everyone joins through node-1; placement chooses the node.
	join := func(identity string) *rosterMember { return joinRoster(t, ctx, urls[0], room, identity) }

	present := map[string]*rosterMember{}
	seeEachOther := func() {
		t.Helper()
		for _, m := range present {
			waitFor(t, 20*time.Second, m.identity+" seeing the others once each", func() bool {
				seen := map[string]int{}
				for _, o := range m.c.Others() {
					seen[o.Identity]++
				}
				if len(seen) != len(present)-1 {
					return false
				}
				for id := range present {
					if id != m.identity && seen[id] != 1 {
						return false
					}
				}
				return true
			})
		}
	}
	var host string
	var xena *rosterMember
	// rejoin makes xena join again: it must land on wantNode (not the node of
	// her session in the room); listener, on another node than wantNode,
	// receives her new microphone.
	rejoin := func(step string, wantNode string, listener *rosterMember) {
		t.Helper()
		before := loads()
		old := xena
		sidSeen := map[*rosterMember]string{}
		for _, m := range present {
			if m != old {
				p, ok := m.sees(x)
				if !ok {
					t.Fatalf("%s: %s does not see xena before she joins again", step, m.identity)
				}
				sidSeen[m] = p.SID
				m.mu.Lock()
				delete(m.left, x)
				m.mu.Unlock()
			}
		}
		xena = join(x)
		present[x] = xena
		waitFor(t, 10*time.Second, step+": xena's new session counted on "+wantNode, func() bool {
			return loads()[wantNode] > before[wantNode]
		})
		select {
		case <-old.c.Done():
		case <-time.After(15 * time.Second):
			t.Fatalf("%s: xena's older session is still connected once she joined on %s", step, wantNode)
		}
		if r := old.c.CloseReason(); r == nil || r.Reason != vocab.ReasonDuplicateIdentity {
			t.Fatalf("%s: xena's older session was closed with %+v, want duplicate_identity", step, r)
		}
		for m, sid := range sidSeen {
			waitFor(t, 20*time.Second, step+": "+m.identity+" seeing xena's older session leave", func() bool { return m.leftFor(x) != "" })
			if r := m.leftFor(x); r != vocab.ReasonDuplicateIdentity {
				t.Errorf("%s: %s saw xena's older session leave for %q, want duplicate_identity", step, m.identity, r)
			}
			waitFor(t, 20*time.Second, step+": "+m.identity+" seeing xena's new session", func() bool {
				p, ok := m.sees(x)
				return ok && p.SID != sid
			})
		}
		seeEachOther()
		publishPlayingMicrophone(ctx, t, xena.c)
		from := listener.packets.Load()
		waitFor(t, 20*time.Second, step+": "+listener.identity+" receiving xena's new microphone", func() bool {
			return listener.packets.Load() >= from+25
		})
		for m := range sidSeen {
			waitFor(t, 20*time.Second, step+": "+m.identity+" seeing xena's microphone", func() bool {
				n := 0
				for _, o := range m.c.Others() {
					if o.Identity == x {
						n++
						if len(o.Tracks) != 1 {
							return false
						}
					}
				}
				return n == 1
			})
		}
		// The API (answered by the host) lists her once too.
		ps, err := adminClient(t, urls[0]).ListParticipants(ctx, room)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range ps {
			if p.Identity == x {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: the API lists %d participants %q: %+v", step, n, x, ps)
		}
	}
	leave := func(m *rosterMember) {
		t.Helper()
		if err := m.c.Leave(ctx); err != nil {
			t.Fatal(err)
		}
		delete(present, m.identity)
	}

	// The host fills first: ada and xena there; bob on a satellite.
	present["ada"] = join("ada")
	host = roomNode(t, ctx, urls[0], room)
	xena = join(x)
	present[x] = xena
	present["bob"] = join("bob")
	seeEachOther()
	var sat1 string
	for node := range loads() {
		if node != host {
			sat1 = node
		}
	}
	if l := loads(); l[host] != 2 || l[sat1] != 1 {
		t.Fatalf("the room's loads are %v, want 2 on the host %s and 1 on a satellite", l, host)
	}

	// 1. xena on the host (full) joins again: on the satellite, next to bob.
	rejoin("host to satellite", sat1, present["ada"])
	// 2. xena on the satellite joins again: on the host, next to ada.
	rejoin("satellite to host", host, present["bob"])

	// 3. From one satellite to the other: cyd fills sat1, xena's next session
	// lands on the third node (sat2); dan fills the host, eve sat2; cyd leaves,
	// and xena's next session lands on sat1.
	present["cyd"] = join("cyd")
	waitFor(t, 10*time.Second, "cyd counted on "+sat1, func() bool { return loads()[sat1] == 2 })
	var sat2 string
	for _, id := range []string{"node-1", "node-2", "node-3"} {
		if id != host && id != sat1 {
			sat2 = id
		}
	}
	rejoin("host to the second satellite", sat2, present["bob"])
	present["dan"] = join("dan")
	waitFor(t, 10*time.Second, "dan counted on the host", func() bool { return loads()[host] == 2 })
	present["eve"] = join("eve")
	waitFor(t, 10*time.Second, "eve counted on "+sat2, func() bool { return loads()[sat2] == 2 })
	seeEachOther()
	leave(present["cyd"])
	waitFor(t, 10*time.Second, "cyd's leave counted on "+sat1, func() bool { return loads()[sat1] == 1 })
	rejoin("satellite to satellite", sat1, present["eve"])
	if l := loads(); l[host] != 2 || l[sat1] != 2 || l[sat2] != 1 {
		t.Errorf("the room's loads end as %v, want 2 on the host and %s, 1 on %s", l, sat1, sat2)
	}
}

// startCascadeNodes starts n nodes (ensemble serve, node-1...) on one real Redis,
// serving at most perNode participants of a room each; it returns their URLs
// and a client of the Redis.
func startCascadeNodes(t *testing.T, n, perNode int) ([]string, *redis.Client) {
	t.Helper()
	redisAddr := storetest.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { _ = rdb.Close() })
	var urls []string
	for i := range n {
		port := freePort(t)
		args := append(clusterNodeArgs(t, redisAddr, fmt.Sprintf("node-%d", i+1), port),
			"--max-participants-per-node", strconv.Itoa(perNode))
		url, stop := startServe(t, port, args...)
		t.Cleanup(stop)
		urls = append(urls, url)
	}
	return urls, rdb
}

// roomLoads is how many of room's participants each node serves, as the
// nodes record it in Redis (room-load:<room>).
func roomLoads(t *testing.T, ctx context.Context, rdb *redis.Client, room string) map[string]int {
	t.Helper()
	raw, err := rdb.HGetAll(ctx, "ensemble:room-load:"+room).Result()
	if err != nil {
		t.Fatalf("the loads of room %s: %v", room, err)
	}
	out := map[string]int{}
	for node, n := range raw {
		if v, _ := strconv.Atoi(n); v > 0 {
			out[node] = v
		}
	}
	return out
}

// Two sessions of one identity joining at the same instant, one landing on
// the host and one on the satellite (the host has one seat left): the host
// orders them, so exactly one is closed with duplicate_identity, whichever
// reached it first, and the other stays; both nodes' participants see
// exactly one of it, whose microphone reaches them. Three rounds.
func TestClusterCascadeSimultaneousJoinsOfOneIdentity(t *testing.T) {
	const perNode = 2
	const room = "identity-race"
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	urls, rdb := startCascadeNodes(t, 2, perNode)
	loads := func() map[string]int { return roomLoads(t, ctx, rdb, room) }
	// ada on the host, cyd on the satellite (bob filled the host meanwhile).
	ada := joinRoster(t, ctx, urls[0], room, "ada")
	host := roomNode(t, ctx, urls[0], room)
	bob := joinRoster(t, ctx, urls[0], room, "bob")
	cyd := joinRoster(t, ctx, urls[0], room, "cyd")
	if err := bob.c.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	otherNode := func(id string) string {
		if id == "node-1" {
			return "node-2"
		}
		return "node-1"
	}
	waitFor(t, 10*time.Second, "one participant on each node", func() bool {
		l := loads()
		return len(l) == 2 && l[host] == 1 && l[otherNode(host)] == 1
	})
	for round := range 3 {
		step := fmt.Sprintf("round %d", round+1)
		for _, m := range []*rosterMember{ada, cyd} {
			waitFor(t, 20*time.Second, step+": "+m.identity+" seeing only the other", func() bool { return len(m.c.Others()) == 1 })
		}
		var clients [2]*client.Client
		var errs [2]error
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() {
				clients[i], errs[i] = client.Join(ctx, urls[i], participantToken(t, room, "yuri"),
					client.WithLogger(slog.New(slog.DiscardHandler)))
			})
		}
		wg.Wait()
		var twins [2]*rosterMember
		for i, c := range clients {
			if errs[i] != nil {
				t.Fatalf("%s: yuri joins through %s: %v", step, urls[i], errs[i])
			}
			twins[i] = followRoster(t, c, "yuri")
		}
		if l := loads(); l[host] > 2 || len(l) != 2 {
			t.Fatalf("%s: the room's loads are %v", step, l)
		}
		var survivor *rosterMember
		waitFor(t, 20*time.Second, step+": one of the twins closed", func() bool {
			closed := 0
			for _, m := range twins {
				select {
				case <-m.c.Done():
					closed++
				default:
					survivor = m
				}
			}
			return closed == 1
		})
		for _, m := range twins {
			if m == survivor {
				continue
			}
			if r := m.c.CloseReason(); r == nil || r.Reason != vocab.ReasonDuplicateIdentity {
				t.Fatalf("%s: the replaced twin was closed with %+v, want duplicate_identity", step, r)
			}
		}
		publishPlayingMicrophone(ctx, t, survivor.c)
		for _, m := range []*rosterMember{ada, cyd} {
			from := m.packets.Load()
			waitFor(t, 20*time.Second, step+": "+m.identity+" seeing yuri once, with her microphone", func() bool {
				n := 0
				for _, o := range m.c.Others() {
					if o.Identity == "yuri" {
						n++
						if len(o.Tracks) != 1 {
							return false
						}
					}
				}
				return n == 1 && m.packets.Load() >= from+25
			})
		}
		select {
		case <-survivor.c.Done():
			t.Fatalf("%s: the surviving twin was closed too: %+v", step, survivor.c.CloseReason())
		default:
		}
		waitFor(t, 10*time.Second, step+": the replaced twin's leave counted", func() bool {
			l := loads()
			return l[host]+l[otherNode(host)] == 3
		})
		if loads()[host] == 2 {
			t.Logf("%s: yuri's session on the host stays", step)
		} else {
			t.Logf("%s: yuri's session on the satellite stays", step)
		}
		if err := survivor.c.Leave(ctx); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, step+": yuri's leave counted", func() bool {
			l := loads()
			return len(l) == 2 && l[host] == 1 && l[host]+l[otherNode(host)] == 2
		})
	}
}
