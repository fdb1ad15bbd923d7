package sfu

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu/bwalloc"
	"github.com/ensemble-sfu/ensemble/sfu/forward"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// allocEvery is how often each subscriber's bandwidth is shared again among
// its tracks; probing padding is sent every padEvery in between.
const (
	allocEvery = 200 * time.Millisecond
	padEvery   = 50 * time.Millisecond
	// budgetShare: the part of the estimate the media may use, leaving room
	// for retransmissions and RTCP.
	budgetShare = 0.9
	// upgradeHold: a track held back by bandwidth goes up only once the
	// allocator has allowed it for this long.
	upgradeHold = time.Second
	// probeHeadroom: a probe asks for this much more than the upgrade needs,
	// so that the layer's bitrate swings (key frames) do not push it back.
	probeHeadroom = 1.2
	// unlimitedBudget is a recorder's budget: more than any set of tracks.
	unlimitedBudget = 1 << 40
)

// subscriberAlloc is the allocator's state for one subscriber. Owned by the
// room's activity goroutine.
type subscriberAlloc struct {
	est       *bandwidthEstimate
	lastAt    time.Time
	lastBytes uint64
	lastMedia uint64
	sending   int                          // bits per second sent recently (media and padding)
	media     int                          // bits per second of media sent recently
	sent      map[string]SubscriptionLayer // last event per track SID
	probeDown *forward.DownTrack           // where probing padding goes
	upSince   map[string]time.Time         // since when a held-back track could go up
	padRate   int                          // bits per second of padding wanted
}

// SubscriberBandwidth is one subscriber's estimate and layer choices, for
// metrics (Engine.BandwidthStats).
type SubscriberBandwidth struct {
	Room           string
	ParticipantSID string
	Identity       string
	EstimateBps    int
	SendingBps     int
	// Source of the estimate: "initial", "twcc", "remb"; "twcc-starved"
	// (rising delay not believed: the machine is starved of CPU);
	// "no-feedback" (a TWCC link silent for 2 s: nothing sent, or nothing
	// came back); "no-feedback-starved" (the same while starved: a probe
	// waits longer for its answer); "twcc-unconfirmed" (the link estimator sees
	// congestion that the latest feedback shows neither as loss nor as a
	// queue: the estimate holds).
	Source  string
	Probing bool
	// LastProbe is how the last probe ended: "raised" (the estimate rose to
	// its target), "no-answer", "congested" (the probe's packets queued),
	// "lossy" (they were lost), or "short" (the padding could not be sent at
	// the probe's rate); "" before any.
	LastProbe string
	Tracks    []SubscriptionLayer
	// The link estimator's own state (package sendbwe), from which the
	// estimate above is lowered: its target, the rate the subscriber
	// acknowledged, what the delay says ("normal", "overuse", "underuse"),
	// and how often it lowered its target for delay and for loss. Zero for a
	// subscriber without transport-wide feedback.
	LinkTargetBps, LinkAckedBps  int
	LinkUsage                    string
	LinkDecreases, LossDecreases uint64
}

// allocateAll shares every subscriber's estimate among its tracks.
func (a *roomActivity) allocateAll(now time.Time, ps []*Participant) {
	live := make(map[string]bool, len(ps))
	for _, p := range ps {
		live[p.sid] = true
		a.allocate(p, now)
	}
	for sid := range a.allocs {
		if !live[sid] {
			delete(a.allocs, sid)
		}
	}
}

// allocate runs the allocator for one subscriber and applies its decisions.
func (a *roomActivity) allocate(p *Participant, now time.Time) {
	p.mu.Lock()
	sub := p.sub
	subs := make([]*subscription, 0, len(p.subs))
	for _, s := range p.subs {
		if !s.pinned { // a relay's layer streams keep their layer
			subs = append(subs, s)
		}
	}
	p.mu.Unlock()
	if sub == nil {
		return
	}
	st := a.allocs[p.sid]
	if st == nil {
		st = &subscriberAlloc{est: newBandwidthEstimate(sub.link, a.room.engine.starvation, &a.room.engine.estimateCeiling), sent: map[string]SubscriptionLayer{},
			upSince: map[string]time.Time{}, lastAt: now}
		a.allocs[p.sid] = st
	}
	slices.SortFunc(subs, func(x, y *subscription) int { return compareStrings(x.track.sid, y.track.sid) })

	var bytes, media uint64
	tracks := make([]bwalloc.Track, 0, len(subs))
	for _, s := range subs {
		ds := s.down.Stats()
		bytes += ds.Bytes + ds.PaddingBytes
		media += ds.Bytes
		tracks = append(tracks, a.allocTrack(s))
	}
	if dt := now.Sub(st.lastAt); dt >= allocEvery/2 {
		if bytes >= st.lastBytes && media >= st.lastMedia {
			st.sending = int(float64(bytes-st.lastBytes) * 8 / dt.Seconds())
			st.media = int(float64(media-st.lastMedia) * 8 / dt.Seconds())
		}
		st.lastAt, st.lastBytes, st.lastMedia = now, bytes, media
	}
	st.est.update(now, st.sending)
	budget := int(float64(st.est.estimate) * budgetShare)
	switch p.kind {
	case vocab.ParticipantRecorder, vocab.ParticipantRelay, vocab.ParticipantSIP:
		// A relay, like a recorder, serves a whole node from what it gets.
		// A frame a recorder misses is missing from the recording for good,
		// and a recorder runs beside the servers, on their network: it gets
		// every track at the layer it asks for (losses are still repaired by
		// NACK). Held to the estimate, its video was paused while the
		// estimate ramped up after it joined, and whenever a busy recorder's
		// late feedback read as congestion. The SIP bridge is the same: it
		// runs in the server or beside it, takes one camera per call, and
		// the room system's own link is the SIP side's (its SDP bandwidth),
		// which no TWCC feedback on this leg measures; a busy machine's late
		// feedback paused a room system's picture for good.
		budget = unlimitedBudget
	}
	decisions := bwalloc.Allocate(budget, tracks)

	st.probeDown, st.padRate = nil, 0
	var upgradeCost int // what the first track held back by bandwidth needs to go one step up
	// pausedCarrier carries the padding when every video is paused for
	// bandwidth: a probe is then the only way back (see wantProbe).
	var pausedCarrier *forward.DownTrack
	var using int
	for i, dec := range decisions {
		s := subs[i]
		using += dec.Bitrate
		if tracks[i].Audio || tracks[i].Paused {
			continue
		}
		q := dec.Quality
		cur := s.down.TargetQuality()
		prev, known := st.sent[s.sid]
		heldBack := known && (prev.Reason == vocab.LayerBandwidth)
		switch {
		case dec.Paused || q <= cur || !heldBack:
			delete(st.upSince, s.sid)
		case st.upSince[s.sid].IsZero():
			// The bandwidth allowed more only just now: wait for it to last,
			// so that a layer near the edge does not flap (each switch costs
			// a key frame).
			st.upSince[s.sid] = now
			dec = holdDecision(dec, cur, prev)
		case now.Sub(st.upSince[s.sid]) < upgradeHold:
			dec = holdDecision(dec, cur, prev)
		default:
			delete(st.upSince, s.sid)
		}
		q = dec.Quality
		if !dec.Paused && cur != q {
			s.down.SetTargetQuality(q)
		}
		if dec.BaseTemporalOnly {
			s.down.SetTargetTemporal(0)
		} else {
			s.down.SetTargetTemporal(3)
		}
		s.down.SetBandwidthPaused(dec.Paused)
		if dec.Reason == vocab.LayerBandwidth && upgradeCost == 0 {
			upgradeCost = nextStepCost(tracks[i], dec)
		}
		if st.probeDown == nil && !dec.Paused {
			st.probeDown = s.down // the highest priority forwarded video carries the padding
		}
		if pausedCarrier == nil && dec.Paused {
			pausedCarrier = s.down
		}
		a.announceLayer(p, st, s, dec)
	}
	for sid := range st.sent {
		if !slices.ContainsFunc(subs, func(s *subscription) bool { return s.sid == sid }) {
			delete(st.sent, sid)
		}
	}
	if st.probeDown == nil {
		st.probeDown = pausedCarrier
	}
	if upgradeCost > 0 {
		// Probe for what the upgrade needs once the budget's margin is taken.
		need := int(float64(using+upgradeCost) / budgetShare * probeHeadroom)
		if target, ok := st.est.wantProbe(now, need); ok {
			st.padRate = max(0, target-st.media)
		}
	}
	sb := &SubscriberBandwidth{
		Room: a.room.name, ParticipantSID: p.sid, Identity: p.identity,
		EstimateBps: st.est.estimate, SendingBps: st.sending, Source: st.est.lastSource,
		Probing: st.est.probing, LastProbe: st.est.lastProbe, Tracks: slicesFromMap(st.sent),
	}
	if st.est.link != nil {
		ls := st.est.link.Est.Stats()
		sb.LinkTargetBps, sb.LinkAckedBps, sb.LinkUsage = ls.TargetBps, ls.AckedBps, ls.Usage.String()
		sb.LinkDecreases, sb.LossDecreases = ls.Decreases, ls.LossDecreases
	}
	p.bandwidth.Store(sb)
}

// pad sends the probing padding of every subscriber that probes.
func (a *roomActivity) pad() {
	for _, st := range a.allocs {
		if st.padRate <= 0 || st.probeDown == nil || !st.est.probing {
			continue
		}
		bytes := st.padRate / 8 * int(padEvery) / int(time.Second)
		st.probeDown.WritePadding(min(bytes/(255+12)+1, 64))
	}
}

// allocTrack describes a subscription to the allocator.
func (a *roomActivity) allocTrack(s *subscription) bwalloc.Track {
	t := bwalloc.Track{ID: s.sid, MaxQuality: vocab.Quality(s.requested.Load()), Priority: bwalloc.PriorityVideo}
	up := s.track.up.Load()
	if up == nil {
		return t
	}
	if up.Kind().String() == string(vocab.KindAudio) {
		t.Audio = true
	}
	switch {
	case s.source == vocab.SourceScreenShare:
		t.Priority = bwalloc.PriorityScreen
	case a.speaking[s.pubSID]:
		t.Priority = bwalloc.PrioritySpeaker
	}
	if s.userPaused.Load() {
		t.Paused = true
	}
	t.Temporal = up.HasTemporalLayers()
	rates := up.LayerRates()
	stopped := s.track.dynacastOff.Load()
	for q := range bwalloc.NumQualities {
		t.Bitrates[q] = rates.Live[q]
		if t.Bitrates[q] == 0 && stopped&(1<<q) != 0 {
			// Stopped by dynacast, not by the publisher: it can come back.
			t.Bitrates[q] = max(rates.Known[q], 1)
		}
	}
	return t
}

// holdDecision keeps a track at its current layer while an upgrade waits.
func holdDecision(dec bwalloc.Decision, cur vocab.Quality, prev SubscriptionLayer) bwalloc.Decision {
	dec.Quality = cur
	dec.Paused = prev.Paused
	dec.Reason = vocab.LayerBandwidth
	return dec
}

// nextStepCost is the extra bitrate a track held back by bandwidth needs for
// its next better layer (or, paused, for its lowest).
func nextStepCost(t bwalloc.Track, dec bwalloc.Decision) int {
	if dec.Paused {
		for _, r := range t.Bitrates {
			if r > 0 {
				return r
			}
		}
		return 0
	}
	for q := dec.Quality + 1; q <= min(t.MaxQuality, vocab.QualityHigh); q++ {
		if t.Bitrates[q] > 0 {
			return t.Bitrates[q] - dec.Bitrate
		}
	}
	return 0
}

// announceLayer tells the subscriber which layer it gets, when that changed.
func (a *roomActivity) announceLayer(p *Participant, st *subscriberAlloc, s *subscription, dec bwalloc.Decision) {
	ev := SubscriptionLayer{
		TrackSID:    s.sid,
		Quality:     min(dec.Quality, vocab.QualityHigh),
		Paused:      dec.Paused,
		Reason:      vocab.LayerReason(dec.Reason),
		EstimateBps: st.est.estimate,
	}
	if pub, t := a.room.findTrack(s.sid); t != nil {
		pub.mu.Lock()
		for _, l := range t.info.Layers {
			if l.Quality == ev.Quality {
				ev.Width, ev.Height = l.Width, l.Height
			}
		}
		if len(t.info.Layers) == 0 {
			ev.Width, ev.Height = t.info.Width, t.info.Height
		}
		pub.mu.Unlock()
	}
	if s.down.Stalled() {
		// Its transport does not take the packets: paused until it does,
		// whatever the allocator decided (stall.go).
		ev.Paused, ev.Reason = true, vocab.LayerStalled
	}
	prev, ok := st.sent[s.sid]
	same := ok && prev.Quality == ev.Quality && prev.Paused == ev.Paused && prev.Reason == ev.Reason
	if same {
		prev.EstimateBps = ev.EstimateBps
		st.sent[s.sid] = prev
		return
	}
	st.sent[s.sid] = ev
	p.send(ev)
}

func slicesFromMap(m map[string]SubscriptionLayer) []SubscriptionLayer {
	out := make([]SubscriptionLayer, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(x, y SubscriptionLayer) int { return compareStrings(x.TrackSID, y.TrackSID) })
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// BandwidthStats returns each subscriber's bandwidth estimate and the layer
// each of its videos gets, as of the last allocation.
func (e *Engine) BandwidthStats() []SubscriberBandwidth {
	var out []SubscriberBandwidth
	for _, r := range e.Rooms() {
		for _, p := range r.snapshot() {
			if b := p.bandwidth.Load(); b != nil {
				out = append(out, *b)
			}
		}
	}
	return out
}

// bandwidthStats is the Participant field type (an atomic pointer, replaced
// whole by the allocator).
type bandwidthStats = atomic.Pointer[SubscriberBandwidth]
