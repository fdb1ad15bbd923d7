package speaker

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config tunes the detector; zero fields take the defaults.
type Config struct {
	// ActiveLevel is the RFC 6464 level (-dBov, 0 loudest, 127 silence) at or
	// below which a packet counts as speech. Default 45.
	ActiveLevel uint8
	// MinSpeechPercent of a tick's packets must be speech for the tick to
	// count as speaking (filters clicks and short noises). Default 30.
	MinSpeechPercent int
	// Smoothing is the weight of the newest tick in the smoothed level
	// (exponential moving average, 0 < Smoothing <= 1). Default 0.5.
	Smoothing float64
	// ActivationLevel is the smoothed level (0..1) from which a participant is
	// an active speaker. Default 0.3.
	ActivationLevel float64
	// MaxSpeakers bounds the list (0 = no bound).
	MaxSpeakers int
	// Timeout: a source with no packet for this long is silent, whatever its
	// past. Default 1 s.
	Timeout time.Duration
}

func (c *Config) applyDefaults() {
	if c.ActiveLevel == 0 {
		c.ActiveLevel = 45
	}
	if c.MinSpeechPercent == 0 {
		c.MinSpeechPercent = 30
	}
	if c.Smoothing <= 0 || c.Smoothing > 1 {
		c.Smoothing = 0.5
	}
	if c.ActivationLevel <= 0 {
		c.ActivationLevel = 0.3
	}
	if c.Timeout <= 0 {
		c.Timeout = time.Second
	}
}

// Speaker is one entry of the active speaker list.
type Speaker struct {
	ID    string
	Level float32 // smoothed loudness, 0 (silence) to 1 (0 dBov)
}

// Source collects the levels of one participant between two ticks.
type Source struct {
	id      string
	packets atomic.Uint32
	speech  atomic.Uint32
	loudSum atomic.Uint64 // sum of (127 - level) over speech packets
	// activeLevel is the detector's Config.ActiveLevel, copied so that
	// Observe needs nothing but the Source.
	activeLevel uint8

	// Owned by Tick (under Detector.mu).
	smoothed  float64
	lastHeard time.Time
}

// Observe records one packet's level (0..127 -dBov) and voice flag. It is
// safe to call from any goroutine and does not allocate or lock.
func (s *Source) Observe(level uint8, voice bool) {
	_ = voice // senders set V inconsistently; the level alone decides
	level &= 0x7f
	s.packets.Add(1)
	if level <= s.activeLevel {
		s.speech.Add(1)
		s.loudSum.Add(uint64(127 - level))
	}
}

// Detector computes a room's active speakers.
type Detector struct {
	cfg     Config
	mu      sync.Mutex
	sources map[string]*Source
	last    []Speaker
}

// NewDetector returns a detector with cfg (zero fields take defaults).
func NewDetector(cfg Config) *Detector {
	cfg.applyDefaults()
	return &Detector{cfg: cfg, sources: map[string]*Source{}}
}

// Source returns the level collector for participant id, creating it. Keep
// the returned pointer on the media path rather than calling Observe(id, ...)
// per packet.
func (d *Detector) Source(id string) *Source {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.sources[id]
	if !ok {
		s = &Source{id: id, activeLevel: d.cfg.ActiveLevel}
		d.sources[id] = s
	}
	return s
}

// Observe records a level for participant id (a map lookup; prefer Source).
func (d *Detector) Observe(id string, level uint8, voice bool) {
	d.Source(id).Observe(level, voice)
}

// Remove forgets participant id (it left or stopped publishing audio). The
// next Tick reports the change if it was speaking.
func (d *Detector) Remove(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.sources, id)
}

// Tick closes the current window: it folds each source's levels into its
// smoothed level and returns the active speakers, loudest first, and whether
// the list (who, in which order) differs from the previous Tick's.
func (d *Detector) Tick(now time.Time) (speakers []Speaker, changed bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.sources {
		packets := s.packets.Swap(0)
		speech := s.speech.Swap(0)
		loud := s.loudSum.Swap(0)
		if packets > 0 {
			s.lastHeard = now
		}
		var x float64
		if speech > 0 && int(speech)*100 >= d.cfg.MinSpeechPercent*int(packets) {
			x = float64(loud) / float64(speech) / 127
		}
		if s.lastHeard.IsZero() || now.Sub(s.lastHeard) >= d.cfg.Timeout {
			s.smoothed = 0
			continue
		}
		s.smoothed += (x - s.smoothed) * d.cfg.Smoothing
		if s.smoothed < 0.001 {
			s.smoothed = 0
		}
		if s.smoothed >= d.cfg.ActivationLevel {
			speakers = append(speakers, Speaker{ID: s.id, Level: float32(s.smoothed)})
		}
	}
	slices.SortFunc(speakers, func(a, b Speaker) int {
		if c := cmp.Compare(b.Level, a.Level); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if d.cfg.MaxSpeakers > 0 && len(speakers) > d.cfg.MaxSpeakers {
		speakers = speakers[:d.cfg.MaxSpeakers]
	}
	changed = !slices.EqualFunc(speakers, d.last, func(a, b Speaker) bool { return a.ID == b.ID })
	d.last = slices.Clone(speakers)
	return speakers, changed
}

// Speakers returns the list of the last Tick.
func (d *Detector) Speakers() []Speaker {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.last)
}
