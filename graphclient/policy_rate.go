package graphclient

import (
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"golang.org/x/time/rate"
)

// rateLimit is consulted before every try, retries included, so that the
// configured rate is what Graph sees. Safe for concurrent use.
type rateLimit struct {
	limiter *rate.Limiter
}

func newRateLimit(perSecond float64, burst int) *rateLimit {
	if burst <= 0 {
		burst = max(1, int(perSecond))
	}
	return &rateLimit{limiter: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

func (p *rateLimit) Do(req *policy.Request) (*http.Response, error) {
	start := time.Now()
	if err := p.limiter.Wait(req.Raw().Context()); err != nil {
		return nil, err
	}
	addWait(req, time.Since(start))
	return req.Next()
}
