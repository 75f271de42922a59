package graphclient

import (
	"context"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/uuid"
	"go.uber.org/zap"
)

// opStats is shared by every try of one operation (azcore's operation values
// survive the retry policy's clones).
type opStats struct {
	attempts int
	wait     time.Duration // time spent in the flow controller, this try
	sent     bool          // the last try reached the transport
	crid     string        // the last try's client-request-id
	hold     time.Duration // how long the last try's 429 asked to wait
}

func statsOf(req *policy.Request) *opStats {
	var s *opStats
	if req.OperationValue(&s) && s != nil {
		return s
	}
	return nil
}

func addWait(req *policy.Request, d time.Duration) {
	if s := statsOf(req); s != nil {
		s.wait += d
	}
}

// tryPolicy opens every try: it counts the attempt, gives the try a fresh
// client-request-id, and after the answer logs one debug line (method, route,
// status, request-id, attempt, wait).
// Routes name the user but hold no phone numbers; headers are never logged;
// a transport failure's text is masked by pii.
type tryPolicy struct {
	log *zap.Logger
	pii piiMask
}

func (p *tryPolicy) Do(req *policy.Request) (*http.Response, error) {
	st := statsOf(req)
	if st != nil {
		st.attempts++
		st.wait, st.sent = 0, false
	}
	crid := uuid.NewString()
	req.Raw().Header.Set("client-request-id", crid)
	req.Raw().Header.Set("return-client-request-id", "true")
	if st != nil {
		st.crid = crid
	}
	start := time.Now()
	resp, err := req.Next()
	// A try that will be retried (throttled, a server error, no answer) is a
	// warning; the others are debug lines.
	lvl, msg := zap.DebugLevel, "graph try"
	if err != nil || (resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500)) {
		lvl, msg = zap.WarnLevel, "graph try failed; retrying if attempts remain"
	}
	if ce := p.log.Check(lvl, msg); ce != nil {
		fields := []zap.Field{
			zap.String("method", req.Raw().Method),
			zap.String("route", req.Raw().URL.EscapedPath()),
			zap.String("clientRequestId", crid),
			zap.Duration("elapsed", time.Since(start)),
		}
		if st != nil {
			fields = append(fields, zap.Int("attempt", st.attempts), zap.Duration("wait", st.wait))
		}
		if resp != nil {
			fields = append(fields, zap.Int("status", resp.StatusCode), zap.String("requestId", resp.Header.Get("request-id")))
			if ra := resp.Header.Get("Retry-After"); ra != "" {
				fields = append(fields, zap.String("retryAfter", ra))
			}
		}
		if err != nil {
			fields = append(fields, zap.Error(p.pii.err(err)))
		}
		ce.Write(fields...)
	}
	return resp, err
}

// sendPolicy is the last of the client's policies: it marks the try as sent
// (so that a failure after it is ambiguous for a write) and bounds the
// exchange with the per-try timeout. Waiting in the gate and the limiter does
// not count against the timeout.
type sendPolicy struct {
	timeout time.Duration
}

func (p sendPolicy) Do(req *policy.Request) (*http.Response, error) {
	if st := statsOf(req); st != nil {
		st.sent = true
	}
	if p.timeout <= 0 {
		return req.Next()
	}
	ctx, cancel := context.WithTimeout(req.Raw().Context(), p.timeout)
	defer cancel()
	// azcore's body download policy, after this one, reads the whole body
	// before Next returns, so cancelling afterwards is safe.
	return req.WithContext(ctx).Next()
}
