package sfu

import (
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// dynacastOffDelay: a layer no subscriber needs is stopped at the publisher
// after this long, so that a subscriber switching back and forth does not
// make the publisher stop and restart it each time. A needed layer is
// started again at once.
const dynacastOffDelay = 2 * time.Second

// trackDynacast is the dynacast state of one published simulcast track. Owned
// by the room's activity goroutine.
type trackDynacast struct {
	unneededSince [3]time.Time
}

// dynacast tells publishers which simulcast layers to send: those some
// subscriber's target maps to, and always the lowest (a new subscriber gets a
// picture at once, and the allocator has a layer to fall back on).
func (a *roomActivity) dynacast(now time.Time, ps []*Participant) {
	seen := map[string]bool{}
	for _, p := range ps {
		for _, t := range p.liveTracks() {
			up := t.up.Load()
			if up == nil || !up.Simulcast() {
				continue
			}
			seen[t.sid] = true
			st := a.dyn[t.sid]
			if st == nil {
				st = &trackDynacast{}
				a.dyn[t.sid] = st
			}
			need := up.NeededQualities()
			lowest := -1
			rates := up.LayerRates()
			for q := range 3 {
				if rates.Exists[q] {
					lowest = q
					break
				}
			}
			off := t.dynacastOff.Load()
			next := off
			for q := range 3 {
				if !rates.Exists[q] {
					continue
				}
				if need[q] || q == lowest {
					st.unneededSince[q] = time.Time{}
					next &^= 1 << q
					continue
				}
				if st.unneededSince[q].IsZero() {
					st.unneededSince[q] = now
				}
				if now.Sub(st.unneededSince[q]) >= dynacastOffDelay {
					next |= 1 << q
				}
			}
			if next == off {
				continue
			}
			t.dynacastOff.Store(next)
			ev := PublisherLayers{TrackSID: t.sid}
			for q := range vocab.NumQualities {
				if rates.Exists[q] {
					ev.Layers = append(ev.Layers, PublisherLayer{Quality: vocab.Quality(q), Enabled: next&(1<<q) == 0})
				}
			}
			p.log.Debug("dynacast", "track", t.sid, "layers", ev.Layers)
			p.sendToSource(ev)
		}
	}
	for sid := range a.dyn {
		if !seen[sid] {
			delete(a.dyn, sid)
		}
	}
}
