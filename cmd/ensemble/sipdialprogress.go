package main

import (
	"sync"

	"github.com/ensemble-sfu/ensemble/sip"
)

// dialProgress hands each placed call's new states (Config.OnDialProgress)
// to the response that placed it. A state reported before that response
// subscribed (the call moves on while Dial returns) waits for it; the states
// of a call whose response ended before the call (the server went away) are
// dropped until its last.
type dialProgress struct {
	mu    sync.Mutex
	subs  map[string]chan sip.Dialed
	early map[string][]sip.Dialed
	gone  map[string]bool
}

// maxDialStates bounds the states one call can have (dialing, ringing,
// answered, ended), with room to spare: report never blocks a call.
const maxDialStates = 16

func newDialProgress() *dialProgress {
	return &dialProgress{subs: map[string]chan sip.Dialed{}, early: map[string][]sip.Dialed{}, gone: map[string]bool{}}
}

func (p *dialProgress) report(d sip.Dialed) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ch, ok := p.subs[d.ID]; ok {
		select {
		case ch <- d:
		default:
		}
		return
	}
	if p.gone[d.ID] {
		if finalDialState(d.State) {
			delete(p.gone, d.ID)
		}
		return
	}
	if len(p.early[d.ID]) < maxDialStates {
		p.early[d.ID] = append(p.early[d.ID], d)
	}
}

// subscribe returns the call's states from now (and those reported before);
// stop ends the subscription, saying whether the call had its last state.
func (p *dialProgress) subscribe(id string) (<-chan sip.Dialed, func(finished bool)) {
	ch := make(chan sip.Dialed, maxDialStates)
	p.mu.Lock()
	for _, d := range p.early[id] {
		ch <- d
	}
	delete(p.early, id)
	p.subs[id] = ch
	p.mu.Unlock()
	return ch, func(finished bool) {
		p.mu.Lock()
		delete(p.subs, id)
		if !finished {
			p.gone[id] = true
		}
		p.mu.Unlock()
	}
}
