package httpsec

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyedLimiter holds one token bucket per key (a client IP, an API key). Buckets
// unused for idleAfter are forgotten, and at most maxKeys are held: past that the
// oldest are dropped, so that a flood of spoofed keys costs bounded memory (a
// forgotten key starts again with a full bucket, the safe direction for the rest).
type keyedLimiter struct {
	limit     rate.Limit
	burst     int
	idleAfter time.Duration
	maxKeys   int
	now       func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	sweepAt time.Time
}

type bucket struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

func newKeyedLimiter(perSecond float64, burst int, now func() time.Time) *keyedLimiter {
	if now == nil {
		now = time.Now
	}
	return &keyedLimiter{
		limit: rate.Limit(perSecond), burst: max(burst, 1), idleAfter: 10 * time.Minute, maxKeys: 100_000,
		now: now, buckets: map[string]*bucket{},
	}
}

// allow takes one token from key's bucket; when it is empty it returns false and how
// long until the next token.
func (k *keyedLimiter) allow(key string) (bool, time.Duration) {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.After(k.sweepAt) || len(k.buckets) >= k.maxKeys {
		k.sweepLocked(now)
	}
	b := k.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(k.limit, k.burst)}
		k.buckets[key] = b
	}
	b.lastSeen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweepLocked forgets idle buckets, and the oldest ones if still at the cap.
func (k *keyedLimiter) sweepLocked(now time.Time) {
	k.sweepAt = now.Add(time.Minute)
	var oldestKey string
	var oldest time.Time
	for key, b := range k.buckets {
		if now.Sub(b.lastSeen) > k.idleAfter {
			delete(k.buckets, key)
			continue
		}
		if oldestKey == "" || b.lastSeen.Before(oldest) {
			oldestKey, oldest = key, b.lastSeen
		}
	}
	if len(k.buckets) >= k.maxKeys && oldestKey != "" {
		delete(k.buckets, oldestKey)
	}
}
