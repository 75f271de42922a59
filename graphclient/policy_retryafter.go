package graphclient

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// retryAfter reads how long the server asked to wait: retry-after-ms,
// x-ms-retry-after-ms, or Retry-After as seconds (whole or fractional, like
// Graph's "2.128") or an HTTP date. 0 when absent or unreadable.
func retryAfter(h http.Header) time.Duration {
	for _, name := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < math.MaxInt32 {
				return time.Duration(ms * float64(time.Millisecond))
			}
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 || math.IsNaN(s) || s > 24*3600 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// fractionalRetryAfter lets azcore's retry policy honour a fractional
// Retry-After ("2.128"): azcore reads only whole seconds or an HTTP date and
// otherwise falls back to its own exponential backoff. It copies the value, in
// milliseconds, into retry-after-ms, which azcore reads first. It must sit
// right after the retry policy so that the retry policy sees the header.
type fractionalRetryAfter struct{}

func (fractionalRetryAfter) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err != nil || resp == nil {
		return resp, err
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" || resp.Header.Get("retry-after-ms") != "" || resp.Header.Get("x-ms-retry-after-ms") != "" {
		return resp, nil // azcore (and retryAfter) read the millisecond headers first
	}
	if _, err := strconv.Atoi(v); err == nil {
		return resp, nil // azcore reads whole seconds itself
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 && s <= 24*3600 {
		resp.Header.Set("retry-after-ms", strconv.FormatInt(int64(math.Ceil(s*1000)), 10))
	}
	return resp, nil
}
