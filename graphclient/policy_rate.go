package graphclient

import (
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"golang.org/x/time/rate"
)

// rateLimit is consulted before every try, retries included, so that the
// configured rate is what Graph sees. It sits after the throttle gate: a try
// that was waiting for its turn when the gate closed waits for the gate
// again, then for a new turn, so that no try queued here leaves while Graph
// asked the client to hold off. Safe for concurrent use.
type rateLimit struct {
	limiter *rate.Limiter
	gate    *gate // nil: no gate to re-check
}

func newRateLimit(perSecond float64, burst int, g *gate) *rateLimit {
	if burst <= 0 {
		burst = max(1, int(perSecond))
	}
	return &rateLimit{limiter: rate.NewLimiter(rate.Limit(perSecond), burst), gate: g}
}

func (p *rateLimit) Do(req *policy.Request) (*http.Response, error) {
	ctx := req.Raw().Context()
	start := time.Now()
	for {
		if err := p.limiter.Wait(ctx); err != nil {
			addWait(req, time.Since(start))
			return nil, err
		}
		if p.gate == nil || !time.Now().Before(p.gate.Until()) {
			break
		}
		if _, err := p.gate.wait(req); err != nil {
			addWait(req, time.Since(start))
			return nil, err
		}
	}
	addWait(req, time.Since(start))
	return req.Next()
}
