package graphsim

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestFormatRetryAfter(t *testing.T) {
	tests := []struct {
		d          time.Duration
		fractional bool
		want       string
	}{
		{0, false, "1"},
		{time.Millisecond, false, "1"},
		{time.Second, false, "1"},
		{time.Second + time.Nanosecond, false, "2"},
		{1500 * time.Millisecond, false, "2"},
		{100 * time.Second, false, "100"},
		{0, true, "0.001"},
		{time.Nanosecond, true, "0.001"},
		{1500 * time.Millisecond, true, "1.500"},
		{2128 * time.Millisecond, true, "2.128"},
		{2127*time.Millisecond + 100*time.Microsecond, true, "2.128"},
		{100 * time.Second, true, "100.000"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%v", tt.d, tt.fractional), func(t *testing.T) {
			if got := formatRetryAfter(tt.d, tt.fractional); got != tt.want {
				t.Errorf("formatRetryAfter(%v, %v): got %q; want %q", tt.d, tt.fractional, got, tt.want)
			}
		})
	}
}

func TestThrottle(t *testing.T) {
	wholeSeconds := regexp.MustCompile(`^[1-9][0-9]*$`)
	fractional := regexp.MustCompile(`^[0-9]+\.[0-9]{3}$`)
	tests := []struct {
		name          string
		knobs         Knobs
		readsThrottle bool
		retryAfter    *regexp.Regexp // nil: no Retry-After
	}{
		{"writes whole seconds", Knobs{ThrottleRate: 0.01, ThrottleBurst: 5}, false, wholeSeconds},
		{"writes explicit scope", Knobs{ThrottleRate: 0.01, ThrottleBurst: 5, ThrottleScope: ThrottleWrites}, false, wholeSeconds},
		{"fractional", Knobs{ThrottleRate: 0.01, ThrottleBurst: 5, FractionalRetryAfter: true}, false, fractional},
		{"omit Retry-After", Knobs{ThrottleRate: 0.01, ThrottleBurst: 5, OmitRetryAfter: true}, false, nil},
		{"all", Knobs{ThrottleRate: 0.01, ThrottleBurst: 5, ThrottleScope: ThrottleAll}, true, wholeSeconds},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				c := newSim(t, Options{Knobs: tt.knobs, Users: []User{{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: numA}}}})
				patch := func(i int) response {
					return c.call(http.MethodPatch, methodPath(v, upnA, MobileMethodID), map[string]string{"phoneNumber": fmt.Sprintf("+1 20655501%02d", i)})
				}
				for i := range 5 {
					r := patch(i)
					wantStatus(t, fmt.Sprintf("write %d", i+1), r, http.StatusNoContent)
					pct := r.Header.Get("x-ms-throttle-limit-percentage")
					switch {
					case i < 3 && pct != "":
						t.Errorf("write %d (%d%% of the bucket): got x-ms-throttle-limit-percentage %q; want none below 80%%", i+1, (i+1)*20, pct)
					case i == 4:
						if f, err := strconv.ParseFloat(pct, 64); err != nil || f < 0.8 {
							t.Errorf("write 5 (bucket spent): got x-ms-throttle-limit-percentage %q; want ≥ 0.8", pct)
						}
					}
				}
				r := patch(99)
				wantError(t, "write after the burst", r, http.StatusTooManyRequests, "TooManyRequests")
				if m, _ := serverMobile(t, c.Server, upnA); m.PhoneNumber != "+1 2065550104" {
					t.Errorf("number after a throttled write: got %q; want %q (not applied)", m.PhoneNumber, "+1 2065550104")
				}
				checkThrottleHeaders(t, r, tt.retryAfter)

				if ri := r.Header.Get("x-ms-throttle-information"); ri != "WriteLimitExceeded" {
					t.Errorf("x-ms-throttle-information of a write: got %q; want %q", ri, "WriteLimitExceeded")
				}
				wantError(t, "create after the burst", c.create(v, upnA, TypeOffice, numC), http.StatusTooManyRequests, "TooManyRequests")
				wantError(t, "enable after the burst", c.sms(v, upnA, MobileMethodID, "enable"), http.StatusTooManyRequests, "TooManyRequests")
				wantError(t, "delete after the burst", c.call(http.MethodDelete, methodPath(v, upnA, MobileMethodID), nil), http.StatusTooManyRequests, "TooManyRequests")

				for i := range 3 {
					r := c.call(http.MethodGet, phonesPath(v, upnA), nil)
					if !tt.readsThrottle {
						wantStatus(t, fmt.Sprintf("read %d", i), r, http.StatusOK)
						continue
					}
					wantError(t, fmt.Sprintf("read %d", i), r, http.StatusTooManyRequests, "TooManyRequests")
					checkThrottleHeaders(t, r, tt.retryAfter)
				}
				if got := c.Count(RouteUpdate, http.StatusTooManyRequests); got != 1 {
					t.Errorf("logged throttled updates: got %d; want 1", got)
				}
				for _, q := range c.Requests() {
					if q.Status == http.StatusTooManyRequests && q.Fault != "throttled" {
						t.Errorf("logged 429 %s: got fault %q; want %q", q.Route, q.Fault, "throttled")
					}
				}
			})
		}
	}
}

// TestThrottleLimitPercentage: x-ms-throttle-limit-percentage is sent from 80 %
// of the bucket on. The rate is so small that the bucket does not refill
// within float precision, so 4 writes of a burst of 5 are exactly 80 %.
func TestThrottleLimitPercentage(t *testing.T) {
	c := newSim(t, Options{Knobs: Knobs{ThrottleRate: 1e-20, ThrottleBurst: 5}, Users: []User{{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: numA}}}})
	tests := []struct {
		name string
		want float64 // 0: no header
	}{
		{"20%", 0}, {"40%", 0}, {"60%", 0}, {"80%", 0.8}, {"100%", 1},
	}
	for i, tt := range tests {
		r := c.call(http.MethodPatch, methodPath("v1.0", upnA, MobileMethodID), map[string]string{"phoneNumber": fmt.Sprintf("+1 20655501%02d", i)})
		wantStatus(t, "write "+tt.name, r, http.StatusNoContent)
		pct, has := r.Header["X-Ms-Throttle-Limit-Percentage"]
		if tt.want == 0 {
			if has {
				t.Errorf("write at %s: got x-ms-throttle-limit-percentage %q; want none", tt.name, pct)
			}
			continue
		}
		if f, err := strconv.ParseFloat(r.Header.Get("x-ms-throttle-limit-percentage"), 64); err != nil || math.Abs(f-tt.want) > 0.01 {
			t.Errorf("write at %s: got x-ms-throttle-limit-percentage %q; want %v", tt.name, pct, tt.want)
		}
		if r.Header.Get("x-ms-resource-unit") == "" {
			t.Errorf("write at %s: got no x-ms-resource-unit; want it", tt.name)
		}
	}
	wantError(t, "write over the bucket", c.call(http.MethodPatch, methodPath("v1.0", upnA, MobileMethodID), map[string]string{"phoneNumber": numB}),
		http.StatusTooManyRequests, "TooManyRequests")
	if r := c.call(http.MethodGet, phonesPath("v1.0", upnA), nil); r.Header.Get("x-ms-throttle-limit-percentage") != "" {
		t.Errorf("read with write throttling: got x-ms-throttle-limit-percentage %q; want none", r.Header.Get("x-ms-throttle-limit-percentage"))
	}
}

func checkThrottleHeaders(t *testing.T, r response, retryAfter *regexp.Regexp) {
	t.Helper()
	ra, has := r.Header["Retry-After"]
	switch {
	case retryAfter == nil && has:
		t.Errorf("Retry-After: got %q; want none", ra)
	case retryAfter != nil && (len(ra) != 1 || !retryAfter.MatchString(ra[0])):
		t.Errorf("Retry-After: got %q; want one matching %s", ra, retryAfter)
	case retryAfter != nil:
		if f, _ := strconv.ParseFloat(ra[0], 64); f <= 0 {
			t.Errorf("Retry-After: got %q; want > 0", ra[0])
		}
	}
	for _, h := range []string{"x-ms-throttle-scope", "x-ms-throttle-information", "x-ms-throttle-limit-percentage"} {
		if r.Header.Get(h) == "" {
			t.Errorf("%s: got none; want it on a 429", h)
		}
	}
}
