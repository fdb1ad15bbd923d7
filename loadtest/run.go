package loadtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
)

// progressEvery is how often Run prints its progress line.
const progressEvery = 2 * time.Second

// runner holds one run's state.
type runner struct {
	cfg   Config
	media *media
	log   *slog.Logger
	net   *bigBufferNet // every participant's sockets
	light *lightRun     // what light subscribers share; nil without them

	mu      sync.Mutex
	active  []*participant // joined and not yet churned out
	retired []*participant // churned out: their figures still count
	joins   int
	failed  int
	errors  []string
	nextID  int
}

// Run runs the load described by cfg (validated) until its duration passes or ctx ends,
// writing a progress line to progress every few seconds, and returns the report.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m, err := loadMedia()
	if err != nil {
		return nil, err
	}
	n, err := newBigBufferNet()
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, media: m, net: n, log: slog.Default().With("component", "loadtest")}
	if cfg.SubscriberMode == SubscriberLight {
		if r.light, err = newLightRun(r.log); err != nil {
			return nil, err
		}
		// At return, after stopAll has closed the sockets with their
		// connections.
		defer r.light.close()
	}
	httpClient := &http.Client{Timeout: 5 * time.Second}

	// Participants live until the end of the run; the joins come first and
	// the measured duration starts once they are done, so that a large run is
	// not all joining.
	liveCtx, cancelLive := context.WithCancel(ctx)
	defer cancelLive()
	began := time.Now()
	r.joinAll(liveCtx, began.Add(cfg.JoinTimeout))
	// The server figures start once everyone has joined: the joins' DTLS
	// handshakes are not forwarding work.
	start, startErr := ScrapeServer(ctx, httpClient, cfg.MetricsURL)
	measuredFrom := time.Now()
	cpuStart, haveCPU := selfCPU()
	receivedBefore := r.packetsReceived(measuredFrom)
	if startErr != nil {
		fmt.Fprintf(progress, "loadtest: server metrics unavailable (%v); server figures will be null\n", startErr)
	}
	runCtx, cancel := context.WithTimeout(liveCtx, cfg.Duration)
	defer cancel()

	ticker := time.NewTicker(progressEvery)
	defer ticker.Stop()
	var churn <-chan time.Time
	if cfg.Churn > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / cfg.Churn))
		defer t.Stop()
		churn = t.C
	}
	var churnWG sync.WaitGroup
loop:
	for {
		select {
		case <-runCtx.Done():
			break loop
		case <-ticker.C:
			r.printProgress(progress, time.Since(began))
		case <-churn:
			churnWG.Add(1)
			// liveCtx: a replacement still joining when the time is up
			// finishes its join (churnWG waits) rather than count as failed.
			go func() { defer churnWG.Done(); r.churnOne(liveCtx) }()
		}
	}
	churnWG.Wait()
	elapsed := time.Since(began)
	end, endErr := ScrapeServer(context.Background(), httpClient, cfg.MetricsURL)
	measured := time.Since(measuredFrom).Seconds()
	// The generator's CPU is read before the report is computed: sorting every
	// delay sample is the tool's own bookkeeping, not receiving.
	cpuEnd, haveCPUEnd := selfCPU()
	report := r.report(time.Now(), elapsed, true)
	report.DurationMeasuredS = measured
	report.PacketsReceivedMeasured = report.PacketsReceived - min(receivedBefore, report.PacketsReceived)
	if haveCPUEnd && haveCPU {
		cpu := (cpuEnd - cpuStart).Seconds()
		report.GeneratorCPUSeconds = &cpu
		if report.PacketsReceivedMeasured > 0 {
			us := cpu * 1e6 / float64(report.PacketsReceivedMeasured)
			report.GeneratorCPUUsPerPacket = &us
		}
	}
	if startErr == nil && endErr == nil {
		report.addServer(start, end)
	}
	r.stopAll()
	return report, nil
}

// joinAll joins every room's publishers, then its subscribers, a few at a time,
// starting no join after deadline (those left out are reported as an error).
func (r *runner) joinAll(ctx context.Context, deadline time.Time) {
	const concurrentJoins = 4
	sem := make(chan struct{}, concurrentJoins)
	var wg sync.WaitGroup
	defer wg.Wait()
	total := r.cfg.Rooms * (r.cfg.Publishers + r.cfg.Subscribers)
	started := 0
	for room := range r.cfg.Rooms {
		for i := range r.cfg.Publishers + r.cfg.Subscribers {
			if ctx.Err() != nil {
				return
			}
			if time.Now().After(deadline) {
				r.mu.Lock()
				r.errors = append(r.errors, fmt.Sprintf("join phase timed out: %d of %d participants started joining", started, total))
				r.mu.Unlock()
				return
			}
			started++
			p := r.newParticipant(room, i < r.cfg.Publishers)
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				r.admit(ctx, p)
			}()
		}
	}
}

func (r *runner) newParticipant(room int, publisher bool) *participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	role := "sub"
	if publisher {
		role = "pub"
	}
	r.nextID++
	return &participant{
		identity:  fmt.Sprintf("%s-%d", role, r.nextID),
		room:      fmt.Sprintf("%s-%d", r.cfg.RoomPrefix, room),
		publisher: publisher,
		light:     !publisher && r.cfg.SubscriberMode == SubscriberLight,
	}
}

// admit joins p and records the outcome.
func (r *runner) admit(ctx context.Context, p *participant) {
	err := p.join(ctx, r)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil && ctx.Err() != nil {
		return // cut short by the end of the run: neither a join nor a failure
	}
	r.joins++
	if err != nil {
		r.failed++
		if ctx.Err() == nil && len(r.errors) < 10 {
			r.errors = append(r.errors, err.Error())
		}
		return
	}
	r.active = append(r.active, p)
}

// churnOne makes one participant leave and a new one take its place in the same room
// and role. Subscribers churn first; the first publisher of a room never does, so media
// keeps flowing.
func (r *runner) churnOne(ctx context.Context) {
	r.mu.Lock()
	var candidates []int
	for i, p := range r.active {
		if !p.publisher || r.cfg.Subscribers == 0 && p.identity != r.firstPublisherOf(p.room) {
			candidates = append(candidates, i)
		}
	}
	if len(candidates) == 0 {
		r.mu.Unlock()
		return
	}
	i := candidates[rand.IntN(len(candidates))]
	old := r.active[i]
	r.active = append(r.active[:i], r.active[i+1:]...)
	r.retired = append(r.retired, old)
	r.mu.Unlock()

	old.stop()
	var room int
	fmt.Sscanf(old.room[len(r.cfg.RoomPrefix)+1:], "%d", &room)
	r.admit(ctx, r.newParticipant(room, old.publisher))
}

// firstPublisherOf returns the identity of the earliest publisher still active in room.
// The caller holds r.mu.
func (r *runner) firstPublisherOf(room string) string {
	for _, p := range r.active {
		if p.publisher && p.room == room {
			return p.identity
		}
	}
	return ""
}

func (r *runner) token(room, identity string, publisher bool) (string, error) {
	g := auth.Grants{Join: true, Subscribe: true}
	if publisher {
		g.Publish, g.PublishData = true, true
	}
	tok, err := auth.Sign(r.cfg.APIKey, r.cfg.APISecret, auth.TokenParams{
		Identity: identity, Name: identity, Room: room, Grants: g, TTL: r.cfg.JoinTimeout + r.cfg.Duration + time.Hour,
	})
	if err != nil {
		return "", fmt.Errorf("sign token for %s: %w", identity, err)
	}
	return tok, nil
}

// videoLayers lists the clips a publisher plays, lowest first.
func (r *runner) videoLayers() []*clip.Clip {
	top := map[VideoQuality]int{VideoLow: 0, VideoMedium: 1, VideoHigh: 2}[r.cfg.Quality]
	if !r.cfg.Simulcast {
		return r.media.video[top : top+1]
	}
	return r.media.video[:top+1]
}

// tracksPerPublisher is how many tracks each publisher sends.
func (r *runner) tracksPerPublisher() int {
	if r.cfg.AudioOnly {
		return 1
	}
	return 2
}

func (r *runner) printProgress(w io.Writer, elapsed time.Duration) {
	rep := r.report(time.Now(), elapsed, false)
	fmt.Fprintf(w, "%5.0fs  participants %d  tracks %d/%d  received %.0f kbit/s  loss %.2f%%  freezes %d\n",
		elapsed.Seconds(), rep.Participants, rep.TracksSubscribed, rep.TracksExpected, rep.BitrateKbps, rep.LossPct, rep.Freezes)
}

// packetsReceived is what every participant, present or churned out, has
// received so far.
func (r *runner) packetsReceived(now time.Time) uint64 {
	r.mu.Lock()
	all := append(append([]*participant(nil), r.active...), r.retired...)
	r.mu.Unlock()
	var n uint64
	for _, p := range all {
		for _, s := range p.snapshot(now, false) {
			n += s.Received
		}
	}
	return n
}

// report computes the figures of every participant, active or churned out; the
// delay percentiles only withDelays (the final report, not the progress
// line).
func (r *runner) report(now time.Time, elapsed time.Duration, withDelays bool) *Report {
	r.mu.Lock()
	active := append([]*participant(nil), r.active...)
	all := append(append([]*participant(nil), r.active...), r.retired...)
	rep := &Report{
		Participants:   len(active),
		Rooms:          r.cfg.Rooms,
		DurationS:      elapsed.Seconds(),
		Joins:          r.joins,
		JoinFailures:   r.failed,
		Errors:         append([]string(nil), r.errors...),
		SubscriberMode: string(r.cfg.SubscriberMode),
	}
	r.mu.Unlock()

	publishersIn := map[string]int{}
	for _, p := range active {
		if p.publisher {
			publishersIn[p.room]++
		}
	}
	var joins, delays, jitters []float64
	var received, expected, bytes uint64
	for _, p := range active {
		others := publishersIn[p.room]
		if p.publisher {
			others--
		}
		rep.TracksExpected += others * r.tracksPerPublisher()
		rep.TracksSubscribed += min(p.streamCount(), others*r.tracksPerPublisher())
	}
	for _, p := range all {
		if d, ok := p.joinTime(); ok {
			joins = append(joins, float64(d.Microseconds())/1000)
		}
		for _, s := range p.snapshot(now, withDelays) {
			received += s.Received
			expected += max(s.Expected, s.Received)
			bytes += s.Bytes
			rep.Freezes += s.Freezes
			delays = append(delays, s.DelaysMS...)
			if s.Received > 0 {
				jitters = append(jitters, s.JitterMS)
			}
		}
	}
	rep.JoinMS, rep.DelayMS, rep.JitterMS = Summarize(joins), Summarize(delays), Summarize(jitters)
	rep.PacketsReceived = received
	if expected > 0 {
		rep.LossPct = float64(expected-received) / float64(expected) * 100
	}
	if elapsed > 0 {
		rep.BitrateKbps = float64(bytes) * 8 / 1000 / elapsed.Seconds()
	}
	return rep
}

func (r *runner) stopAll() {
	r.mu.Lock()
	all := append(append([]*participant(nil), r.active...), r.retired...)
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range all {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop() }()
	}
	wg.Wait()
}
