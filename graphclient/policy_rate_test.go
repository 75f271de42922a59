package graphclient

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

func TestRateLimitBurst(t *testing.T) {
	tests := []struct {
		rate  float64
		burst int
		want  int
	}{
		{rate: 20, want: 20},
		{rate: 0.5, want: 1},
		{rate: 20, burst: 3, want: 3},
	}
	for _, tt := range tests {
		if got := newRateLimit(tt.rate, tt.burst, nil).limiter.Burst(); got != tt.want {
			t.Errorf("newRateLimit(%v, %d) burst = %d; want %d", tt.rate, tt.burst, got, tt.want)
		}
	}
}

// ratePipeline is a retrying pipeline (no backoff) with the rate limiter in
// front of every try, and a transport that answers 503 to the first fails
// tries and records when each try was sent.
func ratePipeline(rl *rateLimit, fails int32, sent *[]time.Time, mu *sync.Mutex) runtime.Pipeline {
	var n atomic.Int32
	tr := transportFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		*sent = append(*sent, time.Now())
		mu.Unlock()
		if n.Add(1) <= fails {
			return fakeResponse(r, http.StatusServiceUnavailable, ""), nil
		}
		return fakeResponse(r, http.StatusOK, ""), nil
	})
	return runtime.NewPipeline("test", "v0", runtime.PipelineOptions{PerRetry: []policy.Policy{rl}},
		&policy.ClientOptions{Transport: tr, Retry: policy.RetryOptions{MaxRetries: 10, RetryDelay: -1}})
}

// TestRateLimitRetries: the limiter paces every try, retries included (fake
// clock).
func TestRateLimitRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var sent []time.Time
		pl := ratePipeline(newRateLimit(10, 1, nil), 4, &sent, &mu)
		req, _ := runtime.NewRequest(t.Context(), http.MethodGet, "https://graph.example/v1.0/x")
		resp, err := pl.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("got %v, %v; want 200 after retries", resp, err)
		}
		if len(sent) != 5 {
			t.Fatalf("sent %d tries; want 5", len(sent))
		}
		for i := 1; i < len(sent); i++ {
			if gap := sent[i].Sub(sent[i-1]); gap < 100*time.Millisecond {
				t.Errorf("try %d came %v after try %d; want at least 100ms at 10/s", i+1, gap, i)
			}
		}
	})
}

// TestRateLimitShared: goroutines share one limiter (fake clock).
func TestRateLimitShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var sent []time.Time
		pl := ratePipeline(newRateLimit(10, 1, nil), 0, &sent, &mu)
		start := time.Now()
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				req, _ := runtime.NewRequest(t.Context(), http.MethodGet, "https://graph.example/v1.0/x")
				if _, err := pl.Do(req); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if d := time.Since(start); d < 500*time.Millisecond {
			t.Errorf("6 requests at 10/s with burst 1 took %v; want at least 500ms", d)
		}
	})
}

// TestRateLimitCancelled: a try waiting for the limiter gives up with its
// context and is not sent.
func TestRateLimitCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var sent []time.Time
		rl := newRateLimit(0.01, 1, nil)
		rl.limiter.Allow() // spend the burst: the next token is 100 s away
		pl := ratePipeline(rl, 0, &sent, &mu)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		req, _ := runtime.NewRequest(ctx, http.MethodGet, "https://graph.example/v1.0/x")
		if _, err := pl.Do(req); err == nil {
			t.Fatal("got no error; want the limiter's")
		}
		if len(sent) != 0 {
			t.Errorf("sent %d tries; want none", len(sent))
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
	c := simClient(t, s, func(c *Config) { c.Transport = rec; c.Rate = rate; c.Burst = 1; c.MaxAttempts = 10 })
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
	// From the second try on: the first one also waited for the token.
	span := exs[len(exs)-1].Sent.Sub(exs[1].Sent)
	if want := time.Duration(float64(len(exs)-2) / rate * float64(time.Second)); span < want-5*time.Millisecond {
		t.Errorf("%d tries went out over %v; want at least %v at %v/s", len(exs)-1, span, want, rate)
	}
	if st := c.Stats(); st.Tries != int64(len(exs)) {
		t.Errorf("Stats().Tries = %d; want %d", st.Tries, len(exs))
	}
}

// TestRateLimitRechecksGate: a try waiting for its turn when the throttle
// gate closes is held until the gate opens (fake clock).
func TestRateLimitRechecksGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate(time.Millisecond, time.Minute)
		var mu sync.Mutex
		var sent []time.Time
		tr := transportFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			sent = append(sent, time.Now())
			mu.Unlock()
			return fakeResponse(r, http.StatusOK, ""), nil
		})
		pl := runtime.NewPipeline("test", "v0", runtime.PipelineOptions{PerRetry: []policy.Policy{g, newRateLimit(10, 1, g)}},
			&policy.ClientOptions{Transport: tr, Retry: policy.RetryOptions{MaxRetries: -1}})
		do := func() {
			req, _ := runtime.NewRequest(t.Context(), http.MethodGet, "https://graph.example/v1.0/x")
			if _, err := pl.Do(req); err != nil {
				t.Error(err)
			}
		}
		start := time.Now()
		do() // takes the only token: the next turn is 100 ms away
		var wg sync.WaitGroup
		wg.Go(do) // passes the open gate, waits for its turn
		time.Sleep(50 * time.Millisecond)
		g.hold(start.Add(time.Second)) // another goroutine's 429
		wg.Wait()
		if len(sent) != 2 {
			t.Fatalf("sent %d requests; want 2", len(sent))
		}
		if d := sent[1].Sub(start); d < time.Second {
			t.Errorf("the queued try left %v after start, while the gate was closed until 1s; want at least 1s", d)
		}
	})
}
