package graphclient

import (
	"context"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

var flowT0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// take asks f for turns from now on, as one waiter that always asks again
// when told, until n turns were taken, and returns their times.
func take(f *flow, now time.Time, n int) []time.Time {
	var at []time.Time
	for len(at) < n {
		if d := f.reserve(now); d > 0 {
			now = now.Add(d)
			continue
		}
		at = append(at, now)
	}
	return at
}

// TestFlowBurst: after a pause at most flowBurst tries leave together; then
// they leave evenly at the rate.
func TestFlowBurst(t *testing.T) {
	f := newFlow(10, time.Second, time.Minute)
	at := take(f, flowT0, 6)
	for i := range flowBurst {
		if !at[i].Equal(flowT0) {
			t.Errorf("try %d left at %v; want at once", i+1, at[i].Sub(flowT0))
		}
	}
	for i := flowBurst; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap != 100*time.Millisecond {
			t.Errorf("try %d left %v after the one before; want 100ms at 10/s", i+1, gap)
		}
	}
	// A long pause saves up no more than the burst.
	later := at[len(at)-1].Add(time.Minute)
	at = take(f, later, 4)
	if n := countAt(at, later); n != flowBurst {
		t.Errorf("%d tries left at once after a minute's pause; want %d", n, flowBurst)
	}
}

func countAt(at []time.Time, t time.Time) int {
	n := 0
	for _, a := range at {
		if a.Equal(t) {
			n++
		}
	}
	return n
}

// TestFlowGatePacedRelease: while the gate is closed no turn is saved up;
// when it opens one try leaves, and the rest follow paced.
func TestFlowGatePacedRelease(t *testing.T) {
	f := newFlow(20, time.Second, time.Minute)
	take(f, flowT0, 3)
	open := flowT0.Add(5 * time.Second)
	f.mu.Lock()
	f.hold(open)
	f.mu.Unlock()
	if d := f.reserve(flowT0.Add(time.Second)); d != 4*time.Second {
		t.Errorf("reserve while the gate is closed waits %v; want the 4s left", d)
	}
	at := take(f, flowT0.Add(time.Second), 5)
	if !at[0].Equal(open) {
		t.Errorf("the first try left at %v; want when the gate opened, %v", at[0].Sub(flowT0), open.Sub(flowT0))
	}
	if n := countAt(at, open); n != 1 {
		t.Errorf("%d tries left when the gate opened; want 1", n)
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < 50*time.Millisecond {
			t.Errorf("try %d left %v after the one before; want paced (50ms at 20/s)", i+1, gap)
		}
	}
}

// TestFlowCeilingNeverExceeded: whatever the rate does (cuts, recovery,
// probing), no one-second window holds more tries than the ceiling.
func TestFlowCeilingNeverExceeded(t *testing.T) {
	for _, ceiling := range []float64{0.5, 3, 20, 20.7, 200} {
		f := newFlow(ceiling, 10*time.Millisecond, time.Second)
		f.jitter = func() float64 { return 0.5 }
		now := flowT0
		var sent []time.Time
		for i := 0; len(sent) < 2000 && i < 100000; i++ {
			if d := f.reserve(now); d > 0 {
				now = now.Add(d)
				continue
			}
			sent = append(sent, now)
			a := answer{status: http.StatusCreated}
			if i%97 == 0 {
				a = answer{status: http.StatusTooManyRequests, retryAfter: 5 * time.Millisecond}
			}
			f.observe(now.Add(time.Millisecond), now, a)
		}
		n := int(math.Floor(ceiling))
		span := time.Second
		if n < 1 {
			n, span = 1, time.Duration(float64(time.Second)/ceiling)
		}
		for i := n; i < len(sent); i++ {
			if d := sent[i].Sub(sent[i-n]); d < span {
				t.Fatalf("ceiling %v: %d tries within %v; want at most %d in any %v", ceiling, n+1, d, n, span)
			}
		}
	}
}

// TestFlowCutAndRecovery: a 429 cuts the rate at once; the answers that were
// on their way when it came set the estimate; clean answers bring the rate
// back gradually to just under it, and it never passes the ceiling.
func TestFlowCutAndRecovery(t *testing.T) {
	f := newFlow(100, 10*time.Millisecond, time.Second)
	now := flowT0
	// 100 tries sent over a second, 60 accepted and 40 refused after the
	// first 429: the server accepts about 60 % of 100/s.
	first := now.Add(500 * time.Millisecond)
	f.observe(first, first.Add(-time.Millisecond), answer{status: http.StatusTooManyRequests, retryAfter: time.Second})
	if f.rate >= 100 {
		t.Fatalf("rate after a 429: %v; want it cut below 100", f.rate)
	}
	cut := f.rate
	for i := range 99 {
		sent := first.Add(-time.Millisecond + time.Duration(i)*10*time.Microsecond)
		a := answer{status: http.StatusCreated}
		if i%5 < 2 {
			a = answer{status: http.StatusTooManyRequests, retryAfter: time.Second}
		}
		f.observe(first.Add(time.Millisecond), sent, a)
	}
	f.settle(first.Add(time.Second))
	if f.est < 50 || f.est > 70 {
		t.Errorf("estimate after 60 of 100 accepted at 100/s: %v; want about 60", f.est)
	}
	settled := f.rate
	if settled > aim*f.est+1e-9 {
		t.Errorf("rate after the episode: %v; want at most %v of the estimate %v", settled, aim, f.est)
	}
	t.Logf("cut to %.1f, settled at %.1f, estimate %.1f", cut, settled, f.est)
	// Clean answers after the gate: the rate grows back, gradually.
	now = first.Add(2 * time.Second)
	prev := f.rate
	for i := range 400 {
		now = now.Add(25 * time.Millisecond)
		f.observe(now, now.Add(-time.Millisecond), answer{status: http.StatusCreated})
		if f.rate < prev {
			t.Fatalf("answer %d: rate fell from %v to %v on a clean answer", i, prev, f.rate)
		}
		if f.rate-prev > 0.05*f.est {
			t.Fatalf("answer %d: rate jumped from %v to %v; want gradual", i, prev, f.rate)
		}
		prev = f.rate
	}
	if f.rate < 0.95*aim*60 || f.rate > 100 {
		t.Errorf("rate after 10s of clean answers: %v; want back near %v·estimate, at most the ceiling", f.rate, aim)
	}
}

// TestFlowLimitPercentage: x-ms-throttle-limit-percentage from 0.9 slows the
// rate before any 429, once per round trip; from 0.8 it stops the growth.
func TestFlowLimitPercentage(t *testing.T) {
	f := newFlow(50, time.Second, time.Minute)
	now := flowT0.Add(time.Second)
	f.observe(now, now.Add(-100*time.Millisecond), answer{status: http.StatusCreated, percent: 0.85})
	if f.rate != 50 {
		t.Errorf("rate after 0.85: %v; want 50 (held)", f.rate)
	}
	f.observe(now, now.Add(-100*time.Millisecond), answer{status: http.StatusCreated, percent: 0.95})
	slowed := f.rate
	if slowed >= 50 {
		t.Fatalf("rate after 0.95: %v; want slowed", slowed)
	}
	// An answer to a try sent before the slowdown says the same: no second cut.
	f.observe(now.Add(time.Millisecond), now.Add(-50*time.Millisecond), answer{status: http.StatusCreated, percent: 0.97})
	if f.rate != slowed {
		t.Errorf("rate after a stale 0.97: %v; want %v", f.rate, slowed)
	}
	// A fresh answer within the second after the slowdown: no second one.
	f.observe(now.Add(500*time.Millisecond), now.Add(400*time.Millisecond), answer{status: http.StatusCreated, percent: 0.97})
	if f.rate != slowed {
		t.Errorf("rate after a 0.97 half a second later: %v; want %v (at most one slowdown a second)", f.rate, slowed)
	}
	// A second later it slows again.
	later := now.Add(1100 * time.Millisecond)
	f.observe(later, later.Add(-10*time.Millisecond), answer{status: http.StatusCreated, percent: 0.97})
	if f.rate >= slowed {
		t.Errorf("rate after a 0.97 a second later: %v; want below %v", f.rate, slowed)
	}
	if f.throttled.Load() != 0 {
		t.Errorf("throttled = %d; want 0", f.throttled.Load())
	}
}

// TestFlowProbeSlows: each 429 near the pace where the last one came halves
// the upward probe; one well below it resets it.
func TestFlowProbeSlows(t *testing.T) {
	f := newFlow(100, time.Second, time.Minute)
	now := flowT0
	throttle := func(rate float64) {
		f.rate = rate
		now = now.Add(5 * time.Second)
		f.observe(now, now.Add(-time.Millisecond), answer{status: http.StatusTooManyRequests, retryAfter: time.Millisecond})
		f.settle(now.Add(time.Second))
	}
	throttle(80)
	if f.probe != probe {
		t.Fatalf("probe after the first 429: %v; want %v", f.probe, probe)
	}
	throttle(80)
	throttle(79)
	if want := probe / 4; f.probe != want {
		t.Errorf("probe after two more 429s near 80: %v; want %v", f.probe, want)
	}
	throttle(40)
	if f.probe != probe {
		t.Errorf("probe after a 429 at 40: %v; want %v again", f.probe, probe)
	}
}

// TestThrottleNotAttempts: with MaxAttempts 1, a request throttled three
// times still passes (fake clock): waiting out a 429 uses up no attempt. A
// 503 does.
func TestThrottleNotAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, n := fakeClient(t, func(i int32) (int, []string) {
			if i <= 3 {
				return http.StatusTooManyRequests, []string{"Retry-After", "2"}
			}
			return http.StatusOK, nil
		})
		start := time.Now()
		if _, err := c.ListPhoneMethods(t.Context(), "u@contoso.com"); err != nil {
			t.Fatalf("ListPhoneMethods after three 429s: %v", err)
		}
		if n.Load() != 4 {
			t.Errorf("sent %d tries; want 4", n.Load())
		}
		if d := time.Since(start); d < 6*time.Second {
			t.Errorf("passed after %v; want the three Retry-After waits (6s)", d)
		}
		if st := c.Stats(); st.Throttled != 3 {
			t.Errorf("Throttled = %d; want 3", st.Throttled)
		}
	})
}

// TestThrottleBudget: a Retry-After past what is left of the throttle
// budget ends the request with ErrThrottled instead of waiting (fake clock).
func TestThrottleBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, n := fakeClient(t, func(int32) (int, []string) {
			return http.StatusTooManyRequests, []string{"Retry-After", "100"}
		})
		_, err := c.ListPhoneMethods(t.Context(), "u@contoso.com")
		checkSentinels(t, err, ErrThrottled)
		if n.Load() != 2 {
			t.Errorf("sent %d tries; want 2 (100s waited, the next 100s past the 180s budget)", n.Load())
		}
	})
}

// fakeClient is a Client whose transport answers the i-th try (from 1) with
// answer(i); it counts the tries.
func fakeClient(t *testing.T, answer func(i int32) (int, []string)) (*Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	tr := transportFunc(func(r *http.Request) (*http.Response, error) {
		status, hdr := answer(n.Add(1))
		return fakeResponse(r, status, `{"value":[]}`, hdr...), nil
	})
	c, err := New(Config{Credential: staticCredential{token: "t"}, GraphURL: "https://graph.example", Transport: tr, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

// TestFlowHoldsOtherGoroutines: after one goroutine's 429, another
// goroutine's request waits for the Retry-After before it is sent (fake
// clock).
func TestFlowHoldsOtherGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var sent []time.Time
		c, _ := fakeClient(t, func(i int32) (int, []string) {
			mu.Lock()
			sent = append(sent, time.Now())
			mu.Unlock()
			if i == 1 {
				return http.StatusTooManyRequests, []string{"Retry-After", "3"}
			}
			return http.StatusOK, nil
		})
		start := time.Now()
		var wg sync.WaitGroup
		wg.Go(func() { c.ListPhoneMethods(t.Context(), "a@contoso.com") })
		time.Sleep(time.Millisecond)
		for range 3 {
			wg.Go(func() { c.ListPhoneMethods(t.Context(), "b@contoso.com") })
		}
		wg.Wait()
		if len(sent) != 5 {
			t.Fatalf("sent %d tries; want 5", len(sent))
		}
		for i, at := range sent[1:] {
			if d := at.Sub(start); d < 3*time.Second {
				t.Errorf("try %d sent %v after the 429; want at least 3s", i+2, d)
			}
		}
	})
}

// TestFlowCancelled: a request waiting at the closed gate gives up with its
// context and is not sent.
func TestFlowCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, n := fakeClient(t, func(int32) (int, []string) { return http.StatusOK, nil })
		c.flow.mu.Lock()
		c.flow.hold(time.Now().Add(time.Hour))
		c.flow.mu.Unlock()
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, err := c.ListPhoneMethods(ctx, "u@contoso.com"); err == nil {
			t.Fatal("got no error; want the context's")
		}
		if n.Load() != 0 {
			t.Errorf("sent %d requests; want none", n.Load())
		}
	})
}

// TestRateAgainstGraphsim: Config.Rate paces what graphsim sees, retries
// after dropped connections included (their backoff is shorter than the
// limiter's spacing).
func TestRateAgainstGraphsim(t *testing.T) {
	t.Parallel()
	const rate = 25.0
	s := startSim(t, graphsim.Options{AutoCreateUsers: true, Knobs: graphsim.Knobs{FaultReset: 0.4, Seed: 3}})
	rec := &recorder{next: simHTTPClient(s)}
	c := simClient(t, s, func(c *Config) { c.Transport = rec; c.Rate = rate; c.MaxAttempts = 10 })
	ctx := testCtx(t)
	for range 8 {
		if _, err := c.ListPhoneMethods(ctx, "u@contoso.com"); err != nil {
			t.Fatalf("ListPhoneMethods: %v", err)
		}
	}
	exs := rec.exchanges()
	if n := s.Count(graphsim.RouteList, 0); n == 0 {
		t.Fatal("no dropped connection; want some retries")
	}
	if got := len(graphRequests(s)); got != len(exs) {
		t.Fatalf("graphsim saw %d tries; the client sent %d", got, len(exs))
	}
	// After a pause (a retry's backoff) flowBurst tries may leave together;
	// the rest are paced.
	span := exs[len(exs)-1].Sent.Sub(exs[0].Sent)
	if want := time.Duration(float64(len(exs)-2*flowBurst) / rate * float64(time.Second)); span < want-5*time.Millisecond {
		t.Errorf("%d tries went out over %v; want at least %v at %v/s", len(exs)-1, span, want, rate)
	}
	if st := c.Stats(); st.Tries != int64(len(exs)) {
		t.Errorf("Stats().Tries = %d; want %d", st.Tries, len(exs))
	}
}

// TestSendMeter: an unpaced client's sends per second, as the cut after its
// first 429 reads them.
func TestSendMeter(t *testing.T) {
	var m sendMeter
	now := flowT0
	for range 30 { // 10/s for 3 s
		m.add(now)
		now = now.Add(100 * time.Millisecond)
	}
	if got := m.rate(now); got < 9 || got > 11 {
		t.Errorf("rate after 10/s for 3s = %v; want about 10", got)
	}
	if got := m.rate(now.Add(5 * time.Second)); got != 0 {
		t.Errorf("rate after 5s of silence = %v; want 0", got)
	}
}
