package graphsim

import (
	"math"
	"testing"
	"time"
)

func TestBucketTake(t *testing.T) {
	type step struct {
		at   time.Duration // since the reset
		ok   bool
		wait time.Duration
		used float64
	}
	tests := []struct {
		name  string
		rate  float64
		burst int
		steps []step
	}{
		{"off", 0, 0, []step{{0, true, 0, 0}, {0, true, 0, 0}, {0, true, 0, 0}}},
		{"burst then refill", 2, 4, []step{
			{0, true, 0, 0.25}, {0, true, 0, 0.5}, {0, true, 0, 0.75}, {0, true, 0, 1},
			{0, false, 500 * time.Millisecond, 1},
			{250 * time.Millisecond, false, 250 * time.Millisecond, 1},
			{500 * time.Millisecond, true, 0, 1},
			{10 * time.Second, true, 0, 0.25}, // refilled, capped at the burst
		}},
		{"80 percent", 1, 10, []step{
			{0, true, 0, 0.1}, {0, true, 0, 0.2}, {0, true, 0, 0.3}, {0, true, 0, 0.4},
			{0, true, 0, 0.5}, {0, true, 0, 0.6}, {0, true, 0, 0.7}, {0, true, 0, 0.8},
		}},
		{"burst one", 0.5, 1, []step{
			{0, true, 0, 1}, {0, false, 2 * time.Second, 1}, {time.Second, false, time.Second, 1}, {2 * time.Second, true, 0, 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
			var b bucket
			b.reset(tt.rate, tt.burst, t0)
			for i, s := range tt.steps {
				ok, wait, used := b.take(t0.Add(s.at))
				if ok != s.ok || (wait-s.wait).Abs() > time.Microsecond || math.Abs(used-s.used) > 1e-9 {
					t.Errorf("step %d at %v: got ok=%v wait=%v used=%v; want ok=%v wait=%v used=%v",
						i, s.at, ok, wait, used, s.ok, s.wait, s.used)
				}
			}
		})
	}
}
