// Package quota is the byte-rate bound of replication throttling (KIP-73,
// Kafka's ReplicationQuotaManager) as a pure type: it reads no clock (the
// caller passes the time) and starts no goroutine.
//
// Kafka measures the rate over 11 one-second samples and calls the quota
// exceeded while that rate is above the bound. Sampled that way, a move
// starts with a burst of ten seconds' worth of bytes and bursts again each
// time an old sample expires. Sluice uses a token bucket instead: it fills
// at the bound up to one second's worth (Burst), and the quota is exceeded
// while the bucket is in debt. Usage is the same as Kafka's: check
// Exceeded before sending a throttled partition's bytes, Record them after
// (so one response can overshoot, and the debt is paid back before the
// next), and the long-run rate over any few seconds stays at the bound.
//
// Like Kafka's, the bound counts bytes of in-sync replicas too, which are
// never held back: a burst of them can put the bucket deep in debt. Kafka
// forgets a burst once its samples expire (11 s); the bucket's debt is
// capped at MaxDebt worth of bytes, so a past burst holds a move back no
// longer than that.
package quota

import (
	"math"
	"sync"
	"time"
)

// Unlimited is the bound that throttles nothing (Kafka's default for
// leader/follower.replication.throttled.rate, Long.MaxValue).
const Unlimited = math.MaxInt64

// Burst is how many seconds' worth of bytes the bucket holds when full.
const Burst = time.Second

// MaxDebt is how many seconds' worth of bytes the bucket can owe.
const MaxDebt = 10 * time.Second

// Bucket is a byte-rate bound, safe for concurrent use.
type Bucket struct {
	mu     sync.Mutex
	rate   int64   // bytes per second; Unlimited: no bound
	tokens float64 // may go negative (debt)
	last   time.Time
	total  int64 // bytes recorded, ever
}

// New returns a bucket with the given bound (bytes/s), full.
func New(rate int64) *Bucket {
	b := &Bucket{rate: rate}
	b.tokens = b.capacity()
	return b
}

// capacity is the most tokens the bucket holds. REQUIRES: b.mu held.
func (b *Bucket) capacity() float64 {
	return float64(b.rate) * Burst.Seconds()
}

// refillLocked adds the tokens earned since the last call.
// REQUIRES: b.mu held.
func (b *Bucket) refillLocked(now time.Time) {
	if b.last.IsZero() {
		b.last = now
		return
	}
	if now.Before(b.last) { // the clock stepped back: earn nothing
		return
	}
	if b.rate != Unlimited {
		b.tokens = min(b.tokens+float64(b.rate)*now.Sub(b.last).Seconds(), b.capacity())
	}
	b.last = now
}

// SetRate changes the bound. A bucket in debt keeps it (the bytes were
// sent) up to MaxDebt at the new bound; one with more tokens than the new
// bound holds keeps only a full bucket's worth. Changing to or from Unlimited starts full.
func (b *Bucket) SetRate(now time.Time, rate int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if rate == b.rate {
		return
	}
	b.refillLocked(now)
	was := b.rate
	b.rate = rate
	if was == Unlimited || rate == Unlimited {
		b.tokens = b.capacity()
		return
	}
	b.tokens = max(min(b.tokens, b.capacity()), -float64(b.rate)*MaxDebt.Seconds())
}

// Rate is the bound in bytes per second.
func (b *Bucket) Rate() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rate
}

// Exceeded reports whether throttled bytes must wait: the bucket is in
// debt. An Unlimited bucket is never exceeded.
func (b *Bucket) Exceeded(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rate == Unlimited {
		return false
	}
	b.refillLocked(now)
	return b.tokens < 0
}

// Record charges bytes sent (or fetched) for throttled partitions.
func (b *Bucket) Record(now time.Time, bytes int64) {
	if bytes <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total += bytes
	if b.rate == Unlimited {
		return
	}
	b.refillLocked(now)
	b.tokens = max(b.tokens-float64(bytes), -float64(b.rate)*MaxDebt.Seconds())
}

// Total is the number of bytes recorded since the bucket was made.
func (b *Bucket) Total() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}
