package graphsim

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"sync"
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

// Knobs returns the current behaviour settings.
func (em *Emulator) Knobs() Knobs {
	em.knobsMu.Lock()
	defer em.knobsMu.Unlock()
	return em.knobs
}

// SetKnobs replaces the behaviour settings; requests that arrive afterwards see
// them. The throttle bucket starts full when its rate or burst changes.
func (em *Emulator) SetKnobs(k Knobs) error {
	if err := k.validate(); err != nil {
		return err
	}
	if k.ThrottleScope == "" {
		k.ThrottleScope = ThrottleWrites
	}
	if k.SmsRefusal == "" {
		k.SmsRefusal = RefusalStateAndCode
	}
	if k.ThrottleRate > 0 && k.ThrottleBurst <= 0 {
		k.ThrottleBurst = max(1, int(k.ThrottleRate))
	}
	em.knobsMu.Lock()
	defer em.knobsMu.Unlock()
	if em.rng == nil || k.Seed != em.knobs.Seed {
		em.rng = newLockedRand(k.Seed)
	}
	if k.ThrottleRate != em.knobs.ThrottleRate || k.ThrottleBurst != em.knobs.ThrottleBurst {
		em.bucket.reset(k.ThrottleRate, k.ThrottleBurst, time.Now())
	}
	em.knobs = k
	return nil
}

func (k Knobs) validate() error {
	for name, p := range map[string]float64{"fault503": k.Fault503, "faultReset": k.FaultReset, "faultAmbiguous": k.FaultAmbiguous} {
		if !(p >= 0 && p <= 1) { // NaN too
			return fmt.Errorf("graphsim: %s must be a probability between 0 and 1, got %v", name, p)
		}
	}
	if !(k.ThrottleRate >= 0) || math.IsInf(k.ThrottleRate, 0) || k.ThrottleBurst < 0 {
		return errors.New("graphsim: throttle rate and burst cannot be negative")
	}
	if k.LatencyBase < 0 || k.LatencyJitter < 0 {
		return errors.New("graphsim: latency cannot be negative")
	}
	switch k.ThrottleScope {
	case "", ThrottleWrites, ThrottleAll:
	default:
		return fmt.Errorf("graphsim: throttle scope must be %q or %q, got %q", ThrottleWrites, ThrottleAll, k.ThrottleScope)
	}
	switch k.SmsRefusal {
	case "", RefusalStateAndCode, RefusalStateOnly, RefusalCodeOnly, RefusalSilent:
	default:
		return fmt.Errorf("graphsim: SMS refusal style must be one of state-and-code, state, code, silent; got %q", k.SmsRefusal)
	}
	return nil
}

// throttle applies the throttle knobs to a request: nil to go on, or the 429 to
// answer. It sets x-ms-throttle-limit-percentage from 80 % of the budget on.
func (em *Emulator) throttle(w http.ResponseWriter, write bool) *apiError {
	em.knobsMu.Lock()
	k := em.knobs
	if k.ThrottleRate <= 0 || (k.ThrottleScope == ThrottleWrites && !write) {
		em.knobsMu.Unlock()
		return nil
	}
	ok, wait, used := em.bucket.take(time.Now())
	em.knobsMu.Unlock()
	if ok {
		w.Header().Set("x-ms-resource-unit", "1")
		if used >= 0.8 {
			w.Header().Set("x-ms-throttle-limit-percentage", strconv.FormatFloat(used, 'f', 2, 64))
		}
		return nil
	}
	e := newAPIError(http.StatusTooManyRequests, "TooManyRequests",
		"Too many requests to this application and tenant have been made. Please try again later.")
	e.header = http.Header{}
	if !k.OmitRetryAfter {
		e.header.Set("Retry-After", formatRetryAfter(wait, k.FractionalRetryAfter))
	}
	info := "ResourceUnitLimitExceeded"
	if write {
		info = "WriteLimitExceeded"
	}
	e.header.Set("x-ms-throttle-scope", "Tenant_Application/ReadWrite/"+"graphsim")
	e.header.Set("x-ms-throttle-information", info)
	e.header.Set("x-ms-throttle-limit-percentage", "1.00")
	return e
}

// formatRetryAfter renders d as Graph's Retry-After: seconds, fractional with
// millisecond precision, or whole and rounded up (at least 1).
func formatRetryAfter(d time.Duration, fractional bool) string {
	if fractional {
		ms := max(1, int64(math.Ceil(float64(d)/float64(time.Millisecond))))
		return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
	}
	return strconv.FormatInt(max(1, int64(math.Ceil(d.Seconds()))), 10)
}

// latency draws a request's added latency from the knobs' distribution.
func (l *lockedRand) latency(k Knobs) time.Duration {
	if k.LatencyBase <= 0 && k.LatencyJitter <= 0 {
		return 0
	}
	extra := time.Duration(l.expFloat() * float64(k.LatencyJitter))
	return k.LatencyBase + min(extra, 10*k.LatencyJitter)
}

// chance reports true with probability p.
func (l *lockedRand) chance(p float64) bool {
	return p > 0 && l.float() < p
}

// snapshot returns the knobs and the random source for one request.
func (em *Emulator) snapshot() (Knobs, *lockedRand) {
	em.knobsMu.Lock()
	defer em.knobsMu.Unlock()
	return em.knobs, em.rng
}

// lockedRand is a math/rand source safe for concurrent use.
type lockedRand struct {
	mu sync.Mutex
	r  *mrand.Rand
}

func newLockedRand(seed int64) *lockedRand {
	var src *mrand.PCG
	if seed == 0 {
		src = mrand.NewPCG(mrand.Uint64(), mrand.Uint64())
	} else {
		src = mrand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15)
	}
	return &lockedRand{r: mrand.New(src)}
}

func (l *lockedRand) float() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

func (l *lockedRand) expFloat() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.ExpFloat64()
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
