package web_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiclient"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/store/storetest"
)

// clusterNode is one `ensemble serve` process of a cluster on Redis, stopped when
// the test ends (it may have exited before: a drained node exits once empty).
type clusterNode struct {
	id, url string
	exited  chan struct{}
}

// startClusterNode runs `ensemble serve --dev` as node id on port, with the
// cluster's Redis, and waits until it is ready. publicURL is the cluster's entry
// point, the same for every node, as behind a load balancer: the URLs the API gives
// (a guest's WebSocket URL) name it, whichever node answers. The node's log is shown
// when the test fails.
func startClusterNode(t *testing.T, redisAddr, id string, port int, publicURL string) *clusterNode {
	t.Helper()
	n := &clusterNode{id: id, url: "http://127.0.0.1:" + strconv.Itoa(port), exited: make(chan struct{})}
	cmd := exec.Command(buildEnsemble(t), "serve", "--dev", "--data-dir", t.TempDir(),
		"--http-port", strconv.Itoa(port), "--udp-port", "0", "--tcp-port", "-1", "--turn-udp-port", "0",
		"--redis-address", redisAddr, "--node-id", id, "--node-url", n.url, "--public-url", publicURL, "--log-level", "warn")
	logFile, err := os.Create(filepath.Join(t.TempDir(), id+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", id, err)
	}
	go func() {
		_ = cmd.Wait()
		close(n.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-n.exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-n.exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("%s's log:\n%s", id, b)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(n.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return n
			}
		}
		select {
		case <-n.exited:
			t.Fatalf("%s exited before it was ready", id)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 30 s", id)
		}
	}
}

// freeTCPPorts are n distinct ports nobody listens on now.
func freeTCPPorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close() // held until all are chosen, so that none comes twice
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// startTwoNodes starts node-1 and node-2 on redisAddr, node-2 being the
// cluster's entry point (its URL is the public one), and waits until both are
// registered; admin is an API client of node-2.
func startTwoNodes(t *testing.T, ctx context.Context, redisAddr string) (node1, node2 *clusterNode, admin *apiclient.Client) {
	t.Helper()
	ports := freeTCPPorts(t, 2)
	entry := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	node1 = startClusterNode(t, redisAddr, "node-1", ports[0], entry)
	node2 = startClusterNode(t, redisAddr, "node-2", ports[1], entry)
	admin = devAdmin(t, node2.url)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if nodes, err := admin.ListNodes(ctx); err == nil && len(nodes) == 2 {
			return node1, node2, admin
		} else if time.Now().After(deadline) {
			t.Fatalf("both nodes registered: not within 10 s (%d nodes, %v)", len(nodes), err)
		}
	}
}

// devAdmin is an API client with the development key's admin grants.
func devAdmin(t *testing.T, baseURL string) *apiclient.Client {
	t.Helper()
	tok, err := auth.Sign(auth.DevAPIKey, auth.DevAPISecret, auth.TokenParams{
		Grants: auth.Grants{RoomCreate: true, RoomList: true, RoomAdmin: true}, TTL: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &apiclient.Client{BaseURL: baseURL, Token: tok}
}

// watchTheOther makes the page record, from now on, what it shows of the other
// participant (name): every distinct remote camera tile element it ever had, the
// fewest and most such tiles at once (sampled at each change of the grid, tiles
// or their classes, and every 50 ms), whether one was marked moving, the session's
// participant-joined and -left events, and the banners (with
// recordStates' __ensemble.banners).
func watchTheOther(p *page, name string) {
	p.t.Helper()
	recordStates(p)
	eval[bool](p, `(() => {
		const w = __ensemble.watch = {name: `+jsString(name)+`, elements: 0, min: 99, max: 0, moving: false, events: []};
		let seq = 0;
		const sample = () => {
			const tiles = [...document.querySelectorAll(".tile-camera:not(.tile-local)")];
			for (const el of tiles) if (!el.__watchId) { el.__watchId = ++seq; w.elements++; }
			w.min = Math.min(w.min, tiles.length);
			w.max = Math.max(w.max, tiles.length);
			if (tiles.some(el => el.classList.contains("moving"))) w.moving = true;
		};
		sample();
		w.timer = setInterval(sample, 50);
		const grid = new MutationObserver(sample);
		for (const id of ["grid", "stage"]) grid.observe(document.getElementById(id), {childList: true, subtree: true, attributes: true, attributeFilter: ["class"]});
		for (const type of ["participant-joined", "participant-left"])
			__ensemble.session.addEventListener(type, e => w.events.push(type + ":" + e.detail.participant.info.name));
		return true; })()`)
}

// watched is what watchTheOther recorded.
type watched struct {
	Elements, Min, Max int
	Moving             bool // the tile was marked as moving at some point
	Events, Banners    []string
}

func readWatch(p *page) watched {
	p.t.Helper()
	var w watched
	w.Elements = eval[int](p, `__ensemble.watch.elements`)
	w.Min = eval[int](p, `__ensemble.watch.min`)
	w.Max = eval[int](p, `__ensemble.watch.max`)
	w.Moving = eval[bool](p, `__ensemble.watch.moving`)
	w.Events = eval[[]string](p, `__ensemble.watch.events`)
	w.Banners = eval[[]string](p, `__ensemble.banners`)
	return w
}

// Draining the node that hosts a room moves its two browser participants to the
// other node without either seeing the other leave and join: no banner, no
// participant event, the same tile throughout (never none, never two), and the
// media flows again. A real leave afterwards is still shown at once.
func TestE2EDrainMovesTheRoomWithoutLeaveJoin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	redisAddr := storetest.StartRedis(t)
	// node-2 is the entry point: both pages load from it and the API names it.
	node1, node2, admin := startTwoNodes(t, ctx, redisAddr)

	// Both pages enter through node-2, which relays their signalling to the room's
	// node: node-1 (both empty, the smallest id is chosen). The drain moves the room
	// to node-2, and the same URL reaches it there.
	const room = "drain-room"
	b := startBrowser(t, ctx)
	alice := b.newPage("alice", true)
	bob := b.newPage("bob", false)
	alice.join(node2.url, room, "Alice")
	bob.join(node2.url, room, "Bob")
	alice.waitMediaFrom(1, 30*time.Second)
	bob.waitMediaFrom(1, 30*time.Second)
	if r, err := admin.GetRoom(ctx, room); err != nil || r.Node != "node-1" {
		t.Fatalf("the room before the drain: %+v, %v; want it on node-1", r, err)
	}
	oldSIDs := map[*page]string{alice: eval[string](alice, `__ensemble.session.me.sid`), bob: eval[string](bob, `__ensemble.session.me.sid`)}
	watchTheOther(alice, "Bob")
	watchTheOther(bob, "Alice")

	if err := admin.DrainNode(ctx, "node-1"); err != nil {
		t.Fatalf("drain node-1: %v", err)
	}
	for _, p := range []*page{alice, bob} {
		p.waitJS("rejoined on the room's new node", `__ensemble.states.includes("connected:rejoined")`, 30*time.Second)
	}
	// Each page's entry for the other is claimed by the other's new session.
	for p, other := range map[*page]*page{alice: bob, bob: alice} {
		newSID := eval[string](other, `__ensemble.session.me.sid`)
		if newSID == oldSIDs[other] {
			t.Fatalf("%s rejoined with its old SID %s", other.name, newSID)
		}
		p.waitJS(other.name+" back under the new SID", fmt.Sprintf(`(r => r && !r.moving)(__ensemble.session.remotes.get(%s))`, jsString(newSID)), 30*time.Second)
	}
	alice.waitMediaFrom(1, 30*time.Second)
	bob.waitMediaFrom(1, 30*time.Second)
	if r, err := admin.GetRoom(ctx, room); err != nil || r.Node != "node-2" {
		t.Errorf("the room after the drain: %+v, %v; want it on node-2", r, err)
	}
	select {
	case <-node1.exited:
	case <-time.After(30 * time.Second):
		t.Error("the drained node did not exit once empty")
	}

	for p, other := range map[*page]string{alice: "Bob", bob: "Alice"} {
		w := readWatch(p)
		if w.Elements != 1 || w.Min != 1 || w.Max != 1 {
			t.Errorf("%s had %d tile element(s) for %s during the move, between %d and %d at once; want the same one throughout",
				p.name, w.Elements, other, w.Min, w.Max)
		}
		if !w.Moving {
			t.Errorf("%s never marked %s's tile as moving", p.name, other)
		}
		if len(w.Events) != 0 {
			t.Errorf("%s's session told of %v during the move", p.name, w.Events)
		}
		for _, text := range w.Banners {
			if text == other+" joined." || text == other+" left." {
				t.Errorf("%s showed %q during the move (banners: %q)", p.name, text, w.Banners)
			}
		}
		if n := eval[int](p, `__ensemble.session.remotes.size`); n != 1 {
			t.Errorf("%s knows %d others after the move, want 1", p.name, n)
		}
	}

	// A real leave on the new node is shown at once.
	eval[bool](bob, `__ensemble.meeting.leave().then(() => true)`)
	alice.waitJS("Bob's leave shown", `__ensemble.banners.includes("Bob left.")`, 15*time.Second)
	alice.waitJS("Bob's tile gone", `document.querySelectorAll(".tile-camera:not(.tile-local)").length === 0`, 5*time.Second)
}
