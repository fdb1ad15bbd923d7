package web_test

import (
	"testing"
)

// The roster kept across a room's move (roommove.js, session.js, ui/grid.js),
// checked on a Session driven by hand in the browser: the protocol messages of a
// move are fed to its handlers, with no server. Each case returns "" or what went
// wrong.
func TestE2ERoomMoveKeepsTheRoster(t *testing.T) {
	p, base := openModulesPage(t)

	// setup makes window.s a Session in a meeting with Alice and Bob (connected, no
	// network), and window.events the session's participant events as
	// "type:identity" (participant-moved as "moved:identity:oldSid").
	setup := `import("` + base + `session.js").then(m => {
		const s = window.s = new m.Session({url: "ws://127.0.0.1:9/rtc", token: "T", room: "r", log: () => {}});
		const events = window.events = [];
		for (const type of ["participant-joined", "participant-left", "participant-moving", "participant-moved"])
			s.addEventListener(type, e => events.push(type.replace("participant-", "") + ":" + e.detail.participant.info.identity + (e.detail.oldSid ? ":" + e.detail.oldSid : "")));
		s.me = {sid: "PA_me1", identity: "me"};
		s.state = "connected";
		s.onParticipantJoined({sid: "PA_a1", identity: "alice", name: "Alice", tracks: []}, true);
		s.onParticipantJoined({sid: "PA_b1", identity: "bob", name: "Bob", tracks: []}, true);
		events.length = 0;
		return m; })`
	// join is the join answer of the room's new node, with these others.
	const join = `(others) => ({participant: {sid: "PA_me2", identity: "me"}, room: {name: "r"}, others})`

	cases := []struct{ name, expr string }{
		{"the others wait as moving, then take their entries back", setup + `.then(async () => {
			const alice = s.remotes.get("PA_a1"), bob = s.remotes.get("PA_b1");
			s.move.hold();
			if (!alice.moving || !bob.moving) return "not marked moving";
			await s.onRejoined((` + join + `)([{sid: "PA_a2", identity: "alice", name: "Alice",
				tracks: [{sid: "TR_a2", kind: "audio", source: "microphone"}]}]));
			if (s.remotes.get("PA_a2") !== alice || s.remotes.has("PA_a1")) return "Alice's entry not re-keyed";
			if (alice.moving || !alice.tracks.has("TR_a2")) return "Alice's new track not on her entry";
			if (!s.remotes.get("PA_b1")?.moving) return "Bob's entry gone before his grace";
			s.onParticipantJoined({sid: "PA_c1", identity: "carol", name: "Carol", tracks: []});
			s.onParticipantJoined({sid: "PA_b2", identity: "bob", name: "Bob", tracks: []});
			if (s.remotes.get("PA_b2") !== bob) return "Bob's entry not re-keyed";
			const order = [...s.remotes.keys()].join();
			if (order !== "PA_a2,PA_b2,PA_c1") return "order of arrival lost: " + order;
			const want = "moving:alice,moving:bob,moved:alice:PA_a1,joined:carol,moved:bob:PA_b1";
			s.finish("client_left");
			return events.join() === want ? "" : events.join(); })`},
		{"who does not come back within the grace leaves then", setup + `.then(async () => {
			s.move.graceMs = 50;
			s.move.hold();
			const left = new Promise(r => s.addEventListener("participant-left", r, {once: true}));
			await s.onRejoined((` + join + `)([{sid: "PA_a2", identity: "alice", name: "Alice", tracks: []}]));
			await left;
			const out = [...s.remotes.keys()].join() + " " + events.join();
			s.finish("client_left");
			return out === "PA_a2 moving:alice,moving:bob,moved:alice:PA_a1,left:bob" ? "" : out; })`},
		{"a real leave on the new node removes at once", setup + `.then(async () => {
			s.move.hold();
			await s.onRejoined((` + join + `)([{sid: "PA_a2", identity: "alice", tracks: []}, {sid: "PA_b2", identity: "bob", tracks: []}]));
			s.onParticipantLeft({sid: "PA_b2"}, "client_left");
			const out = [...s.remotes.keys()].join() + " " + events.slice(-1).join() + " " + s.move.held;
			s.finish("client_left");
			return out === "PA_a2 left:bob false" ? "" : out; })`},
		{"the end of a moving participant's old session is no leave", setup + `.then(async () => {
			s.move.hold();
			s.onParticipantLeft({sid: "PA_b1"}, "room_moved");
			const out = [...s.remotes.keys()].join() + " " + events.join();
			s.finish("client_left");
			return out === "PA_a1,PA_b1 moving:alice,moving:bob" ? "" : out; })`},
		{"any other rejoin starts from the join answer", setup + `.then(async () => {
			await s.onRejoined((` + join + `)([{sid: "PA_a2", identity: "alice", tracks: []}]));
			const out = events.join();
			s.finish("client_left");
			return out === "left:alice,left:bob,joined:alice" ? "" : out; })`},
		{"a moving entry survives a resume until its grace ends", setup + `.then(async () => {
			s.move.hold();
			await s.onRejoined((` + join + `)([]));
			s.negotiate = async () => {};
			await s.onResumed({participant: {sid: "PA_me2"}, others: []});
			const out = [...s.remotes.keys()].join() + " " + s.move.held;
			s.finish("client_left");
			return out === "PA_a1,PA_b1 true" ? "" : out; })`},
		{"a tile re-keyed keeps its element, place and pin", `import("` + base + `ui/grid.js").then(m => {
			const div = () => document.body.appendChild(document.createElement("div"));
			const g = new m.Grid({grid: div(), stage: div(), alone: div(), body: div(), onSubscription: () => {}});
			const a = g.add("PA_a1:camera", {kind: "camera", name: "Alice", rank: 1});
			g.add("PA_b1:camera", {kind: "camera", name: "Bob", rank: 2});
			g.pin("PA_a1:camera");
			g.rekey("PA_a1:camera", "PA_a2:camera");
			const keys = [...g.tiles.keys()].join(), inStage = g.stageEl.firstChild === a.el;
			const ok = g.get("PA_a2:camera") === a && !g.get("PA_a1:camera") && a.el.dataset.key === "PA_a2:camera"
				&& keys === "PA_a2:camera,PA_b1:camera" && g.pinnedKey === "PA_a2:camera" && inStage;
			g.clear();
			return ok ? "" : keys + " pinned=" + g.pinnedKey + " stage=" + inStage; })`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p.t = t
			if got := eval[string](p, c.expr); got != "" {
				t.Fatal(got)
			}
		})
	}
}
