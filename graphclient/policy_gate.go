package graphclient

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// gate is the client's shared throttle gate: when any response is a 429, or a
// 503 with Retry-After, every goroutine of the client waits until the moment
// the server named before its next try, not only the one that was refused.
// Graph throttles per application and tenant, so one refused request means
// every request would be. Safe for concurrent use.
type gate struct {
	mu    sync.Mutex
	until time.Time
	// base and max shape the hold after a 429 without Retry-After: the
	// exponential backoff of azcore's retry policy, base·(2^attempt − 1),
	// at most limit.
	base, limit time.Duration
	// throttled counts 429 responses, held the number of times the gate closed.
	throttled atomic.Int64
	held      atomic.Int64
}

// newGate returns an open gate whose hold after a 429 without Retry-After
// backs off from base up to limit.
func newGate(base, limit time.Duration) *gate {
	return &gate{base: base, limit: limit}
}

// backoff is the hold after a 429 without Retry-After on the attempt-th try
// (from 1) of an operation.
func (g *gate) backoff(attempt int) time.Duration {
	d := g.base
	for i := 1; i < attempt && d < g.limit; i++ {
		d = 2*d + g.base
	}
	return min(d, g.limit)
}

// wait blocks until the gate is open or ctx is done, and returns how long it
// waited.
func (g *gate) wait(req *policy.Request) (time.Duration, error) {
	ctx := req.Raw().Context()
	var waited time.Duration
	for {
		g.mu.Lock()
		d := time.Until(g.until)
		g.mu.Unlock()
		if d <= 0 {
			return waited, nil
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
			waited += d
		case <-ctx.Done():
			t.Stop()
			return waited, ctx.Err()
		}
	}
}

// hold closes the gate until t, unless it is already closed for longer.
func (g *gate) hold(t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.After(g.until) {
		g.until = t
		g.held.Add(1)
	}
}

// Until returns when the gate opens; the zero time or a past one means open.
func (g *gate) Until() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.until
}

func (g *gate) Do(req *policy.Request) (*http.Response, error) {
	waited, err := g.wait(req)
	addWait(req, waited)
	if err != nil {
		return nil, err
	}
	resp, err := req.Next()
	if err != nil || resp == nil {
		return resp, err
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		g.throttled.Add(1)
		d := retryAfter(resp.Header)
		if d <= 0 {
			attempt := 1
			if st := statsOf(req); st != nil {
				attempt = st.attempts
			}
			d = g.backoff(attempt)
		}
		g.hold(time.Now().Add(d))
	case http.StatusServiceUnavailable:
		if d := retryAfter(resp.Header); d > 0 {
			g.hold(time.Now().Add(d))
		}
	}
	return resp, nil
}
