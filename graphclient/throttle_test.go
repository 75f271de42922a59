package graphclient

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// throttleTry is a 429 as the client saw it, with graphsim's log entry.
type throttleTry struct {
	ex  exchange
	log graphsim.Request
	ra  time.Duration
}

// throttled pairs each 429 the recorder saw with graphsim's log entry (by
// client-request-id).
func throttled(t *testing.T, rec *recorder, s *graphsim.Server) []throttleTry {
	t.Helper()
	byCRID := map[string]graphsim.Request{}
	for _, r := range s.Requests() {
		byCRID[r.ClientRequestID] = r
	}
	var out []throttleTry
	for _, ex := range rec.exchanges() {
		if ex.Status != http.StatusTooManyRequests {
			continue
		}
		out = append(out, throttleTry{ex: ex, log: byCRID[ex.ClientRequestID], ra: seconds(t, ex.RetryAfter)})
	}
	return out
}

// seconds reads a Retry-After in seconds.
func seconds(t *testing.T, v string) time.Duration {
	t.Helper()
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("Retry-After %q: %v", v, err)
	}
	return time.Duration(f * float64(time.Second))
}

// TestThrottleRetryAfter: a 429's Retry-After, whole or fractional, is waited
// before the next try, and the operation then passes.
func TestThrottleRetryAfter(t *testing.T) {
	tests := []struct {
		name  string
		knobs graphsim.Knobs
	}{
		{name: "whole", knobs: graphsim.Knobs{ThrottleRate: 1, ThrottleBurst: 1}},
		{name: "fractional", knobs: graphsim.Knobs{ThrottleRate: 1.5, ThrottleBurst: 1, FractionalRetryAfter: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, graphsim.Options{Knobs: tt.knobs, AutoCreateUsers: true})
			rec := &recorder{next: simHTTPClient(s)}
			c := simClient(t, s, func(c *Config) { c.Transport = rec })
			ctx := testCtx(t)
			if _, err := c.CreatePhoneMethod(ctx, "a@contoso.com", Mobile, number1); err != nil {
				t.Fatalf("first create: %v", err)
			}
			if _, err := c.CreatePhoneMethod(ctx, "b@contoso.com", Mobile, number2); err != nil {
				t.Fatalf("throttled create: %v", err)
			}
			ts := throttled(t, rec, s)
			if len(ts) == 0 {
				t.Fatal("no 429; want the second create throttled")
			}
			if st := c.Stats(); st.Throttled != int64(len(ts)) {
				t.Errorf("Stats().Throttled = %d; want %d", st.Throttled, len(ts))
			}
			if n := s.Count(graphsim.RouteCreate, http.StatusTooManyRequests); n != len(ts) {
				t.Errorf("graphsim answered %d 429s; the client saw %d", n, len(ts))
			}
			exs := rec.exchanges()
			for i, ex := range exs {
				if ex.Status != http.StatusTooManyRequests {
					continue
				}
				if got := strings.Contains(ex.RetryAfter, "."); got != tt.knobs.FractionalRetryAfter {
					t.Errorf("Retry-After %q; want fractional %v", ex.RetryAfter, tt.knobs.FractionalRetryAfter)
				}
				ra := seconds(t, ex.RetryAfter)
				if i+1 >= len(exs) {
					t.Fatalf("no try after the 429")
				}
				if gap := exs[i+1].Sent.Sub(ex.Received); gap < ra {
					t.Errorf("next try %v after a 429 with Retry-After %s; want at least %v", gap, ex.RetryAfter, ra)
				}
			}
		})
	}
}

// TestThrottleGateShared: after one goroutine gets a 429, no goroutine of the
// client sends a try to graphsim until the Retry-After has passed, also those
// already waiting for the rate limiter. Tries already past the gate and the
// limiter when the 429 arrived may still land just after it: graphsim
// arrivals within a short grace period are not counted.
func TestThrottleGateShared(t *testing.T) {
	tests := []struct {
		name string
		rate float64
	}{
		{name: "no rate limit"},
		{name: "rate limited", rate: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const (
				workers = 4
				each    = 3
				grace   = 25 * time.Millisecond
			)
			s := startSim(t, graphsim.Options{AutoCreateUsers: true,
				Knobs: graphsim.Knobs{ThrottleRate: 6, ThrottleBurst: 2, FractionalRetryAfter: true}})
			rec := &recorder{next: simHTTPClient(s)}
			c := simClient(t, s, func(c *Config) { c.Transport = rec; c.MaxAttempts = 20; c.Rate = tt.rate })
			ctx := testCtx(t)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					user := "worker" + strconv.Itoa(w) + "@contoso.com"
					for i, pt := range PhoneTypes[:each] {
						if _, err := c.CreatePhoneMethod(ctx, user, pt, "+1 20655501"+strconv.Itoa(w)+strconv.Itoa(i)); err != nil {
							t.Errorf("worker %d create %s: %v", w, pt, err)
						}
					}
				})
			}
			wg.Wait()

			ts := throttled(t, rec, s)
			if len(ts) == 0 {
				t.Fatal("no 429; want some")
			}
			if got := s.Count(graphsim.RouteCreate, http.StatusCreated); got != workers*each {
				t.Errorf("graphsim created %d methods; want %d", got, workers*each)
			}
			if st := c.Stats(); st.Throttled != int64(len(ts)) {
				t.Errorf("Stats().Throttled = %d; want %d", st.Throttled, len(ts))
			}
			reqs := graphRequests(s)
			for _, th := range ts {
				from := th.log.Time.Add(th.log.Duration).Add(grace)
				to := th.log.Time.Add(th.log.Duration).Add(th.ra)
				var inside []string
				for _, r := range reqs {
					if r.Time.After(from) && r.Time.Before(to) {
						inside = append(inside, r.Time.Sub(th.log.Time).String()+" "+r.ClientRequestID)
					}
				}
				if len(inside) > 0 {
					t.Errorf("429 at %v with Retry-After %s: graphsim got %d tries within it: %v; want none",
						th.log.Time.Format("15:04:05.000"), th.ex.RetryAfter, len(inside), inside)
				}
			}
		})
	}
}

// TestThrottledUntil: with retries off, a 429 comes back as ErrThrottled, the
// gate stays closed for its Retry-After, and the next operation (a read,
// which graphsim does not throttle) waits for it.
func TestThrottledUntil(t *testing.T) {
	t.Parallel()
	s := startSim(t, graphsim.Options{AutoCreateUsers: true,
		Knobs: graphsim.Knobs{ThrottleRate: 2, ThrottleBurst: 1, FractionalRetryAfter: true}})
	rec := &recorder{next: simHTTPClient(s)}
	c := simClient(t, s, func(c *Config) { c.Transport = rec; c.MaxAttempts = 1; c.ThrottleBudget = time.Nanosecond })
	ctx := testCtx(t)
	if _, err := c.CreatePhoneMethod(ctx, "a@contoso.com", Mobile, number1); err != nil {
		t.Fatalf("first create: %v", err)
	}
	if until := c.ThrottledUntil(); !until.IsZero() {
		t.Errorf("ThrottledUntil() = %v before any 429; want the zero time", until)
	}
	_, err := c.CreatePhoneMethod(ctx, "b@contoso.com", Mobile, number2)
	ge := asError(t, err)
	checkSentinels(t, err, ErrThrottled)
	ex := rec.exchanges()[1]
	until := c.ThrottledUntil()
	if want := ex.Received.Add(ge.RetryAfter); until.Before(want) {
		t.Errorf("ThrottledUntil() = %v; want at least the 429's arrival + Retry-After %v = %v", until, ge.RetryAfter, want)
	}
	if ge.RetryAfter <= 0 || ge.RetryAfter >= time.Second {
		t.Errorf("RetryAfter = %v; want the fractional wait graphsim sent (%s)", ge.RetryAfter, ex.RetryAfter)
	}
	if st := c.Stats(); st.Throttled != 1 {
		t.Errorf("Stats().Throttled = %d; want 1", st.Throttled)
	}
	start := time.Now()
	if _, err := c.ListPhoneMethods(ctx, "a@contoso.com"); err != nil {
		t.Fatalf("ListPhoneMethods: %v", err)
	}
	if sent := rec.exchanges()[2].Sent; sent.Before(until) {
		t.Errorf("the read left %v before ThrottledUntil; want it held until then", until.Sub(sent))
	}
	if waited := time.Since(start); waited < until.Sub(start) {
		t.Errorf("the read took %v; want at least the %v left in the gate", waited, until.Sub(start))
	}
	if until := c.ThrottledUntil(); until.After(time.Now()) {
		t.Errorf("ThrottledUntil() = %v after the wait; want a past time", until)
	}
}

// TestThrottleWithoutRetryAfter: a 429 without Retry-After is retried after
// an exponential backoff with jitter (from a quarter of RetryDelay, at least
// half of it each time), and the request passes with MaxAttempts 1: waiting
// out throttling uses up no attempt.
func TestThrottleWithoutRetryAfter(t *testing.T) {
	t.Parallel()
	const delay = 40 * time.Millisecond
	s := startSim(t, graphsim.Options{AutoCreateUsers: true,
		Knobs: graphsim.Knobs{ThrottleRate: 4, ThrottleBurst: 1, OmitRetryAfter: true}})
	rec := &recorder{next: simHTTPClient(s)}
	c := simClient(t, s, func(c *Config) { c.Transport = rec; c.MaxAttempts = 1; c.RetryDelay = delay })
	ctx := testCtx(t)
	if _, err := c.CreatePhoneMethod(ctx, "a@contoso.com", Mobile, number1); err != nil {
		t.Fatalf("first create: %v", err)
	}
	if _, err := c.CreatePhoneMethod(ctx, "b@contoso.com", Mobile, number2); err != nil {
		t.Fatalf("throttled create: %v", err)
	}
	n := s.Count(graphsim.RouteCreate, http.StatusTooManyRequests)
	if n == 0 {
		t.Fatal("no 429; want the second create throttled")
	}
	if st := c.Stats(); st.Throttled != int64(n) {
		t.Errorf("Stats().Throttled = %d; want %d", st.Throttled, n)
	}
	exs := rec.exchanges()[1:] // the second create's tries
	for i, ex := range exs[:len(exs)-1] {
		if ex.Status != http.StatusTooManyRequests || ex.RetryAfter != "" {
			t.Fatalf("try %d: got %d Retry-After %q; want a 429 without it", i+1, ex.Status, ex.RetryAfter)
		}
		want := delay / 8 << i // half of base·2^i, base = delay/4
		if gap := exs[i+1].Sent.Sub(ex.Received); gap < want {
			t.Errorf("try %d came %v after the 429 of try %d; want at least %v", i+2, gap, i+1, want)
		}
	}
}

// TestThrottleLimitPercentage: x-ms-throttle-limit-percentage is exposed,
// and forgotten once a success comes without it. graphsim sends it from 80 %
// of its bucket on; the bucket refills slowly, so the fourth of five writes
// may stay just under.
func TestThrottleLimitPercentage(t *testing.T) {
	t.Parallel()
	const upn = "p@contoso.com"
	s := startSim(t, graphsim.Options{AutoCreateUsers: true,
		Knobs: graphsim.Knobs{ThrottleRate: 0.01, ThrottleBurst: 5}})
	c := simClient(t, s)
	ctx := testCtx(t)
	steps := []struct {
		name     string
		do       func() error
		min, max float64
	}{
		{"create mobile (1/5)", func() error { _, err := c.CreatePhoneMethod(ctx, upn, Mobile, number1); return err }, 0, 0},
		{"create alternateMobile (2/5)", func() error { _, err := c.CreatePhoneMethod(ctx, upn, AlternateMobile, number2); return err }, 0, 0},
		{"create office (3/5)", func() error { _, err := c.CreatePhoneMethod(ctx, upn, Office, number3); return err }, 0, 0},
		{"update office (4/5)", func() error { return c.UpdatePhoneMethod(ctx, upn, OfficeMethodID, number1) }, 0, 0.8},
		{"update mobile (5/5)", func() error { return c.UpdatePhoneMethod(ctx, upn, MobileMethodID, number3) }, 0.8, 1},
		{"read, not counted", func() error { _, err := c.ListPhoneMethods(ctx, upn); return err }, 0, 0},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := c.ThrottleLimitPercentage(); got < st.min || got > st.max {
			t.Errorf("after %s: ThrottleLimitPercentage() = %v; want between %v and %v", st.name, got, st.min, st.max)
		}
	}
}
