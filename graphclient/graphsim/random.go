package graphsim

// Randomness: the seeded source behind faults and latency, and random tokens
// for secrets.

import (
	"crypto/rand"
	"encoding/base64"
	mrand "math/rand/v2"
	"sync"
	"time"
)

// lockedRand is the emulator's source of fault and latency randomness, seeded
// by Knobs.Seed so that a run can be repeated. It is safe for concurrent use.
type lockedRand struct {
	mu sync.Mutex
	r  *mrand.Rand
}

// newLockedRand seeds a source with seed, or at random when seed is 0.
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

// randomToken returns n bytes from crypto/rand, base64url-encoded, for
// secrets and headers a client must not guess (unlike lockedRand's draws).
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
