package graphsim

// The throttle's token bucket, without a clock of its own so that tests can
// drive it; throttle.go decides what a refusal looks like.

import (
	"math"
	"time"
)

// bucket is the throttle's token bucket. Guarded by Emulator.knobsMu.
type bucket struct {
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func (b *bucket) reset(rate float64, burst int, now time.Time) {
	b.rate, b.burst, b.tokens, b.last = rate, float64(burst), float64(burst), now
}

// take takes one token. It returns ok, or how long until a token is there. used
// is the fraction of the bucket spent after the take.
func (b *bucket) take(now time.Time) (ok bool, wait time.Duration, used float64) {
	if b.rate <= 0 {
		return true, 0, 0
	}
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0, (b.burst - b.tokens) / b.burst
	}
	secs := math.Min((1-b.tokens)/b.rate, 24*3600) // a tiny rate must not overflow
	wait = time.Duration(secs * float64(time.Second))
	return false, wait, 1
}
