package graphsim

import (
	"testing"
	"time"
)

func TestLatencyDistribution(t *testing.T) {
	tests := []struct {
		name         string
		base, jitter time.Duration
	}{
		{"base and jitter", 20 * time.Millisecond, 5 * time.Millisecond},
		{"jitter only", 0, 3 * time.Millisecond},
		{"base only", 7 * time.Millisecond, 0},
		{"off", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 20000
			r := newLockedRand(42)
			k := Knobs{LatencyBase: tt.base, LatencyJitter: tt.jitter}
			var sum time.Duration
			distinct := map[time.Duration]bool{}
			for range n {
				d := r.latency(k)
				if d < tt.base || d > tt.base+10*tt.jitter {
					t.Fatalf("latency: got %v; want within [%v, %v]", d, tt.base, tt.base+10*tt.jitter)
				}
				sum += d
				distinct[d] = true
			}
			mean := sum / n
			if tt.jitter == 0 {
				if len(distinct) != 1 || mean != tt.base {
					t.Errorf("latency without jitter: got %d values, mean %v; want always %v", len(distinct), mean, tt.base)
				}
				return
			}
			if len(distinct) < n/2 {
				t.Errorf("distinct latencies: got %d of %d; want them to vary", len(distinct), n)
			}
			lo, hi := tt.base+tt.jitter*8/10, tt.base+tt.jitter*12/10
			if mean < lo || mean > hi {
				t.Errorf("mean latency: got %v; want about %v (within [%v, %v])", mean, tt.base+tt.jitter, lo, hi)
			}
		})
	}
	t.Run("seeded is repeatable", func(t *testing.T) {
		k := Knobs{LatencyBase: time.Millisecond, LatencyJitter: time.Millisecond}
		a, b, c := newLockedRand(7), newLockedRand(7), newLockedRand(8)
		same, differ := true, false
		for range 50 {
			x, y, z := a.latency(k), b.latency(k), c.latency(k)
			same = same && x == y
			differ = differ || x != z
		}
		if !same || !differ {
			t.Errorf("seeded draws: got same-seed equal=%v, other-seed differ=%v; want true, true", same, differ)
		}
	})
}
