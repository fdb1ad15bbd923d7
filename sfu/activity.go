package sfu

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu/forward"
	"github.com/ensemble-sfu/ensemble/sfu/speaker"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// The room's activity ticker: active speakers every speakerInterval, connection
// quality every qualityEvery ticks.
const (
	speakerInterval = 300 * time.Millisecond
	qualityEvery    = 7 // ≈ 2 s

	// qualityRefreshEvery is how many quality updates pass between two that carry
	// every grade (about a minute while grades change every 2 s).
	qualityRefreshEvery = 30
)

// roomActivity is what the room's one ticker goroutine computes: the active
// speakers and each participant's connection quality. Only that goroutine
// touches its fields, except speakers, which is safe for concurrent use.
type roomActivity struct {
	room     *Room
	speakers *speaker.Detector

	ticks          int
	lastQuality    map[string]vocab.ConnectionQualityInfo // by participant SID
	qualityUpdates int                                    // quality updates sent so far
	upSeen         map[string]upCounters                  // by participant SID

	speaking map[string]bool             // participant SIDs of the active speakers
	allocs   map[string]*subscriberAlloc // by participant SID
	dyn      map[string]*trackDynacast   // by track SID
}

type upCounters struct{ packets, lost uint64 }

func newRoomActivity(r *Room) *roomActivity {
	return &roomActivity{
		room:        r,
		speakers:    speaker.NewDetector(speaker.Config{}),
		lastQuality: map[string]vocab.ConnectionQualityInfo{},
		upSeen:      map[string]upCounters{},
		speaking:    map[string]bool{},
		allocs:      map[string]*subscriberAlloc{},
		dyn:         map[string]*trackDynacast{},
	}
}

// run ticks until done is closed: probing padding every padEvery, bandwidth
// allocation and dynacast every allocEvery, speakers and quality every
// speakerInterval.
func (a *roomActivity) run(done <-chan struct{}) {
	t := time.NewTicker(padEvery)
	defer t.Stop()
	var lastAlloc, lastSpeakers time.Time
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			if now.Sub(lastSpeakers) >= speakerInterval {
				lastSpeakers = now
				a.tick(now)
			}
			if now.Sub(lastAlloc) >= allocEvery {
				lastAlloc = now
				ps := a.room.snapshot()
				a.allocateAll(now, ps)
				a.dynacast(now, ps)
				a.backups(ps)
			}
			a.pad()
		}
	}
}

func (a *roomActivity) tick(now time.Time) {
	if list, changed := a.speakers.Tick(now); changed {
		clear(a.speaking)
		for _, s := range list {
			a.speaking[s.ID] = true
		}
		ev := ActiveSpeakers{Speakers: make([]vocab.SpeakerInfo, len(list))}
		for i, s := range list {
			ev.Speakers[i] = vocab.SpeakerInfo{ParticipantSID: s.ID, Level: s.Level, Active: true}
		}
		a.room.broadcast(ev, nil)
	}
	a.ticks++
	if a.ticks%qualityEvery == 0 {
		a.updateQuality()
	}
}

// updateQuality grades every participant and, when a grade changed, tells
// everyone: the grades that changed (or are new), the whole list of the visible
// participants to those who have not had it yet and to everyone every
// qualityRefreshEvery updates; a hidden participant also gets its own grade.
//
// Why changes and not the whole list each time: every participant's list holds
// every visible participant, so whole lists were N² grades every 2 s while
// anyone joined — at 850 participants, 850 messages of 850 grades (≈ 50 KB
// each) every 2 s, which kept the load generator's core busy decoding and made
// the server drop slow clients' connections. The refresh bounds how long a grade
// lost with a dropped (lossy) message stays wrong.
func (a *roomActivity) updateQuality() {
	ps := a.room.snapshot()
	grades := make(map[string]vocab.ConnectionQualityInfo, len(ps))
	moved := map[string]bool{} // grade changed, or new
	seen := make(map[string]upCounters, len(ps))
	for _, p := range ps {
		ups, downs := p.mediaStats()
		var cur upCounters
		for _, u := range ups {
			cur.packets += u.Packets
			cur.lost += u.PacketsLost
		}
		seen[p.sid] = cur
		g := grade(p.sid, ups, downs, a.upSeen[p.sid], cur)
		grades[p.sid] = g
		if old, ok := a.lastQuality[p.sid]; !ok || old.Quality != g.Quality {
			moved[p.sid] = true
		}
	}
	// Every change of who is here is sent, so those graded last time are those
	// who have had the whole list.
	previous := a.lastQuality
	a.lastQuality, a.upSeen = grades, seen
	if len(moved) == 0 && len(grades) == len(previous) {
		return
	}
	a.qualityUpdates++
	refresh := a.qualityUpdates%qualityRefreshEvery == 0
	var visible, delta []vocab.ConnectionQualityInfo
	hidden := map[string]bool{}
	for _, p := range ps {
		if p.Permissions().Hidden {
			hidden[p.sid] = true
			continue
		}
		visible = append(visible, grades[p.sid])
		if moved[p.sid] {
			delta = append(delta, grades[p.sid])
		}
	}
	bySID := func(x, y vocab.ConnectionQualityInfo) int { return cmp.Compare(x.ParticipantSID, y.ParticipantSID) }
	slices.SortFunc(visible, bySID)
	slices.SortFunc(delta, bySID)
	for _, p := range ps {
		_, told := previous[p.sid]
		whole := refresh || !told
		updates := delta
		if whole {
			updates = visible
		}
		if hidden[p.sid] && (whole || moved[p.sid]) {
			// A hidden participant is in no one's list but gets its own grade.
			updates = append(slices.Clone(updates), grades[p.sid])
		}
		if len(updates) > 0 {
			p.send(ConnectionQualityUpdate{Updates: updates})
		}
	}
}

// grade turns loss, jitter and round-trip time into a MOS-like score (a
// simplified E-model) and a grade. Upstream loss is measured over the last
// period; downstream figures are the subscribers' latest receiver reports.
func grade(sid string, ups []forward.UpStats, downs []forward.DownStats, prev, cur upCounters) vocab.ConnectionQualityInfo {
	var loss float64 // 0..1
	var jitter, rtt time.Duration
	if dp := cur.packets - prev.packets; cur.packets >= prev.packets && dp > 0 {
		dl := cur.lost - prev.lost
		if cur.lost < prev.lost {
			dl = 0
		}
		loss = float64(dl) / float64(dp+dl)
	}
	for _, u := range ups {
		jitter = max(jitter, u.Jitter)
	}
	for _, d := range downs {
		loss = max(loss, d.FractionLost)
		jitter = max(jitter, d.Jitter)
		rtt = max(rtt, d.RTT)
	}
	publishing := len(ups) > 0
	if publishing && cur.packets == prev.packets && prev.packets > 0 {
		return vocab.ConnectionQualityInfo{ParticipantSID: sid, Quality: vocab.QualityLost, Score: 1}
	}
	latency := float64(rtt.Milliseconds())/2 + 2*float64(jitter.Milliseconds()) + 10
	r := 93.2
	if latency < 160 {
		r -= latency / 40
	} else {
		r -= (latency - 120) / 10
	}
	r -= loss * 100 * 2.5
	r = math.Max(0, math.Min(100, r))
	mos := 1 + 0.035*r + 0.000007*r*(r-60)*(100-r)
	mos = math.Max(1, math.Min(5, mos))
	q := vocab.QualityPoor
	switch {
	case mos >= 4.0:
		q = vocab.QualityExcellent
	case mos >= 3.0:
		q = vocab.QualityGood
	}
	return vocab.ConnectionQualityInfo{ParticipantSID: sid, Quality: q, Score: float32(mos)}
}
