package main

import (
	"testing"

	"github.com/ensemble-sfu/ensemble/sip"
)

// States reported before a dial's response subscribed reach it, in order;
// those of a call whose response went away are dropped, and forgotten with
// its last.
func TestDialProgressKeepsEarlyStatesAndForgetsAbandonedCalls(t *testing.T) {
	p := newDialProgress()
	p.report(sip.Dialed{ID: "a", State: sip.DialRinging})
	states, stop := p.subscribe("a")
	p.report(sip.Dialed{ID: "a", State: sip.DialAnswered})
	for _, want := range []sip.DialState{sip.DialRinging, sip.DialAnswered} {
		if got := (<-states).State; got != want {
			t.Fatalf("state %s, want %s", got, want)
		}
	}
	stop(false) // the server went away during the call
	p.report(sip.Dialed{ID: "a", State: sip.DialAnswered})
	if len(p.early) != 0 || !p.gone["a"] {
		t.Fatalf("early %v, gone %v after the response went away", p.early, p.gone)
	}
	p.report(sip.Dialed{ID: "a", State: sip.DialEnded})
	if len(p.early) != 0 || len(p.gone) != 0 || len(p.subs) != 0 {
		t.Fatalf("the ended call is still known: early %v, gone %v, subs %v", p.early, p.gone, p.subs)
	}
}
