package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A participant calling through the SIP bridge (kind sip) is shown with a phone
// mark and the caller's name, on its tile and in the people list, with a spoken
// label; a recorder in the room is shown nowhere.
func TestE2ESIPCallerIsMarkedAndRecorderUnseen(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t)
	b := startBrowser(t, ctx)
	const room = "kinds"
	alice := b.newPage("alice", true)
	alice.join(srv.URL, room, "Alice")

	join := func(identity, name string, kind vocab.ParticipantKind, g auth.Grants) {
		tok := srv.TokenWith(auth.TokenParams{Identity: identity, Name: name, Room: room, Kind: kind, Grants: g, TTL: time.Hour})
		c, err := client.Join(ctx, srv.URL, tok)
		if err != nil {
			t.Fatalf("%s joins: %v", identity, err)
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	join("rec", "Recorder", vocab.ParticipantRecorder, auth.Grants{Join: true, Subscribe: true, Record: true})
	join("sip-4477", "+33 1 23 45 67 89", vocab.ParticipantSIP, auth.DefaultParticipantGrants())

	alice.waitJS("the caller's tile with a phone mark and its label",
		`[...document.querySelectorAll("#grid .tile.tile-caller")].some(t =>
			t.textContent.includes("+33 1 23 45 67 89") &&
			t.querySelector(".mark-caller:not([hidden]) svg.icon-phone") &&
			t.querySelector(".mark-caller").getAttribute("aria-label") === "Phone call" &&
			t.getAttribute("aria-label").includes("Phone call"))`, 20*time.Second)
	alice.waitJS("the caller in the people list with the phone mark, and no recorder",
		`(() => {
			const people = [...document.querySelectorAll("#people-list .person")];
			const caller = people.find(p => p.textContent.includes("+33 1 23 45 67 89"));
			return people.length === 2 && caller && caller.querySelector(".mark-caller[aria-label='Phone call'] svg.icon-phone") &&
				!document.body.textContent.includes("Recorder");
		})()`, 10*time.Second)
}
