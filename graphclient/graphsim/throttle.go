package graphsim

// The throttle: Graph's 429 with Retry-After and the x-ms-throttle-* headers,
// decided by the bucket in bucket.go.

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// throttle applies the throttle knobs to a request: nil to go on, or the 429 to
// answer. It sets x-ms-throttle-limit-percentage from 80 % of the budget on.
func (em *Emulator) throttle(w http.ResponseWriter, write bool) *apiError {
	em.knobsMu.Lock()
	k := em.knobs
	if k.ThrottleRate <= 0 || (k.ThrottleScope == ThrottleWrites && !write) {
		em.knobsMu.Unlock()
		return nil
	}
	ok, wait, used := em.bucket.take(time.Now())
	em.knobsMu.Unlock()
	if ok {
		w.Header().Set("x-ms-resource-unit", "1")
		if used >= 0.8 {
			w.Header().Set("x-ms-throttle-limit-percentage", strconv.FormatFloat(used, 'f', 2, 64))
		}
		return nil
	}
	e := newAPIError(http.StatusTooManyRequests, "TooManyRequests",
		"Too many requests to this application and tenant have been made. Please try again later.")
	e.header = http.Header{}
	if !k.OmitRetryAfter {
		e.header.Set("Retry-After", formatRetryAfter(wait, k.FractionalRetryAfter))
	}
	info := "ResourceUnitLimitExceeded"
	if write {
		info = "WriteLimitExceeded"
	}
	e.header.Set("x-ms-throttle-scope", "Tenant_Application/ReadWrite/"+"graphsim")
	e.header.Set("x-ms-throttle-information", info)
	e.header.Set("x-ms-throttle-limit-percentage", "1.00")
	return e
}

// formatRetryAfter renders d as Graph's Retry-After: seconds, fractional with
// millisecond precision, or whole and rounded up (at least 1).
func formatRetryAfter(d time.Duration, fractional bool) string {
	if fractional {
		ms := max(1, int64(math.Ceil(float64(d)/float64(time.Millisecond))))
		return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
	}
	return strconv.FormatInt(max(1, int64(math.Ceil(d.Seconds()))), 10)
}
