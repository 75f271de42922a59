package graphsim

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestBucketTake(t *testing.T) {
	type step struct {
		at   time.Duration // since the reset
		ok   bool
		wait time.Duration
		used float64
	}
	tests := []struct {
		name  string
		rate  float64
		burst int
		steps []step
	}{
		{"off", 0, 0, []step{{0, true, 0, 0}, {0, true, 0, 0}, {0, true, 0, 0}}},
		{"burst then refill", 2, 4, []step{
			{0, true, 0, 0.25}, {0, true, 0, 0.5}, {0, true, 0, 0.75}, {0, true, 0, 1},
			{0, false, 500 * time.Millisecond, 1},
			{250 * time.Millisecond, false, 250 * time.Millisecond, 1},
			{500 * time.Millisecond, true, 0, 1},
			{10 * time.Second, true, 0, 0.25}, // refilled, capped at the burst
		}},
		{"80 percent", 1, 10, []step{
			{0, true, 0, 0.1}, {0, true, 0, 0.2}, {0, true, 0, 0.3}, {0, true, 0, 0.4},
			{0, true, 0, 0.5}, {0, true, 0, 0.6}, {0, true, 0, 0.7}, {0, true, 0, 0.8},
		}},
		{"burst one", 0.5, 1, []step{
			{0, true, 0, 1}, {0, false, 2 * time.Second, 1}, {time.Second, false, time.Second, 1}, {2 * time.Second, true, 0, 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
			var b bucket
			b.reset(tt.rate, tt.burst, t0)
			for i, s := range tt.steps {
				ok, wait, used := b.take(t0.Add(s.at))
				if ok != s.ok || (wait-s.wait).Abs() > time.Microsecond || math.Abs(used-s.used) > 1e-9 {
					t.Errorf("step %d at %v: got ok=%v wait=%v used=%v; want ok=%v wait=%v used=%v",
						i, s.at, ok, wait, used, s.ok, s.wait, s.used)
				}
			}
		})
	}
}

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

func TestLatencyDistribution(t *testing.T) {
	tests := []struct {
		name         string
		base, jitter time.Duration
	}{
		{"base and jitter", 20 * time.Millisecond, 5 * time.Millisecond},
		{"jitter only", 0, 3 * time.Millisecond},
		{"base only", 7 * time.Millisecond, 0},
		{"off", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 20000
			r := newLockedRand(42)
			k := Knobs{LatencyBase: tt.base, LatencyJitter: tt.jitter}
			var sum time.Duration
			distinct := map[time.Duration]bool{}
			for range n {
				d := r.latency(k)
				if d < tt.base || d > tt.base+10*tt.jitter {
					t.Fatalf("latency: got %v; want within [%v, %v]", d, tt.base, tt.base+10*tt.jitter)
				}
				sum += d
				distinct[d] = true
			}
			mean := sum / n
			if tt.jitter == 0 {
				if len(distinct) != 1 || mean != tt.base {
					t.Errorf("latency without jitter: got %d values, mean %v; want always %v", len(distinct), mean, tt.base)
				}
				return
			}
			if len(distinct) < n/2 {
				t.Errorf("distinct latencies: got %d of %d; want them to vary", len(distinct), n)
			}
			lo, hi := tt.base+tt.jitter*8/10, tt.base+tt.jitter*12/10
			if mean < lo || mean > hi {
				t.Errorf("mean latency: got %v; want about %v (within [%v, %v])", mean, tt.base+tt.jitter, lo, hi)
			}
		})
	}
	t.Run("seeded is repeatable", func(t *testing.T) {
		k := Knobs{LatencyBase: time.Millisecond, LatencyJitter: time.Millisecond}
		a, b, c := newLockedRand(7), newLockedRand(7), newLockedRand(8)
		same, differ := true, false
		for range 50 {
			x, y, z := a.latency(k), b.latency(k), c.latency(k)
			same = same && x == y
			differ = differ || x != z
		}
		if !same || !differ {
			t.Errorf("seeded draws: got same-seed equal=%v, other-seed differ=%v; want true, true", same, differ)
		}
	})
}

// TestLatencyRequest checks a lower bound only: a Graph request takes at least
// LatencyBase.
func TestLatencyRequest(t *testing.T) {
	const base = 60 * time.Millisecond
	c := newSim(t, Options{Knobs: Knobs{LatencyBase: base}, Users: []User{{UserPrincipalName: upnA}}})
	start := time.Now()
	wantStatus(t, "list", c.call(http.MethodGet, phonesPath("v1.0", upnA), nil), http.StatusOK)
	if d := time.Since(start); d < base {
		t.Errorf("request took %v; want at least %v", d, base)
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

func TestFaults(t *testing.T) {
	createBody := map[string]string{"phoneNumber": numA, "phoneType": TypeMobile}
	t.Run("503", func(t *testing.T) {
		c := newSim(t, Options{Knobs: Knobs{Fault503: 1, Seed: 3}, Users: []User{{UserPrincipalName: upnA}}})
		for _, v := range versions {
			for range 4 {
				r := c.call(http.MethodGet, phonesPath(v, upnA), nil)
				wantError(t, "list", r, http.StatusServiceUnavailable, "serviceNotAvailable")
				if ra := r.Header.Get("Retry-After"); ra != "" && ra != "1" {
					t.Errorf("Retry-After: got %q; want none or 1", ra)
				}
			}
			wantError(t, "create", c.call(http.MethodPost, phonesPath(v, upnA), createBody), http.StatusServiceUnavailable, "serviceNotAvailable")
		}
		if ms, _ := c.Methods(upnA); len(ms) != 0 || c.Writes() != 0 {
			t.Errorf("after 503s: got methods %+v, %d writes; want none", ms, c.Writes())
		}
		if got := c.Count(RouteList, http.StatusServiceUnavailable); got != 8 {
			t.Errorf("logged 503 lists: got %d; want 8", got)
		}
		if got := c.Count(RouteList, -1); got != 8 {
			t.Errorf("logged lists of any status: got %d; want 8", got)
		}
		for _, q := range c.Requests() {
			if q.Route == RouteCreate && (q.Status != http.StatusServiceUnavailable || q.Fault != "503" || q.Applied) {
				t.Errorf("logged create: got %+v; want status 503, fault 503, not applied", q)
			}
		}
	})
	t.Run("reset", func(t *testing.T) {
		c := newSim(t, Options{Knobs: Knobs{FaultReset: 1, Seed: 3}, Users: []User{{UserPrincipalName: upnA}}})
		if _, err := c.send(c.token, http.MethodPost, phonesPath("v1.0", upnA), createBody); err == nil {
			t.Fatal("create: got a response; want a transport error")
		}
		if _, err := c.send(c.token, http.MethodGet, phonesPath("v1.0", upnA), nil); err == nil {
			t.Error("list: got a response; want a transport error")
		}
		if ms, _ := c.Methods(upnA); len(ms) != 0 || c.Writes() != 0 {
			t.Errorf("after a reset create: got methods %+v, %d writes; want none", ms, c.Writes())
		}
		n := 0
		for _, q := range c.Requests() {
			if q.Route == RouteCreate {
				n++
				if q.Status != 0 || q.Fault != "reset" || q.Applied {
					t.Errorf("logged create: got status %d fault %q applied %v; want 0, reset, false", q.Status, q.Fault, q.Applied)
				}
			}
		}
		if n == 0 || c.Count(RouteCreate, 0) != n {
			t.Errorf("logged dropped creates: got %d of %d; want all, at least one", c.Count(RouteCreate, 0), n)
		}
	})
	t.Run("ambiguous", func(t *testing.T) {
		c := newSim(t, Options{Knobs: Knobs{FaultAmbiguous: 1, Seed: 3}, Users: []User{{UserPrincipalName: upnA}}})
		if _, err := c.send(c.token, http.MethodPost, phonesPath("v1.0", upnA), createBody); err == nil {
			t.Fatal("create: got a response; want a transport error")
		}
		ms, _ := c.Methods(upnA)
		if len(ms) != 1 || ms[0].PhoneNumber != numA {
			t.Fatalf("after an ambiguous create: got %+v; want the mobile created", ms)
		}
		if got := c.Writes(); got != 1 {
			t.Errorf("writes: got %d; want 1", got)
		}
		// Reads and writes that change nothing are answered.
		wantStatus(t, "list", c.call(http.MethodGet, phonesPath("v1.0", upnA), nil), http.StatusOK)
		wantStatus(t, "get", c.call(http.MethodGet, methodPath("beta", upnA, MobileMethodID), nil), http.StatusOK)
		wantError(t, "refused create", c.create("v1.0", upnA, TypeMobile, numB), http.StatusBadRequest, "")
		wantStatus(t, "enable a ready mobile", c.sms("v1.0", upnA, MobileMethodID, "enable"), http.StatusNoContent)
		// Every applied write loses its response.
		if _, err := c.send(c.token, http.MethodPatch, methodPath("v1.0", upnA, MobileMethodID), map[string]string{"phoneNumber": numB}); err == nil {
			t.Error("update: got a response; want a transport error")
		}
		if m, _ := serverMobile(t, c.Server, upnA); m.PhoneNumber != numB {
			t.Errorf("after an ambiguous update: got %q; want %q", m.PhoneNumber, numB)
		}

		counts := c.Counts()
		want := map[RouteStatus]int{
			{RouteCreate, 0}: 1, {RouteCreate, http.StatusBadRequest}: 1,
			{RouteList, http.StatusOK}: 1, {RouteGet, http.StatusOK}: 1,
			{RouteEnableSms, http.StatusNoContent}: 1, {RouteUpdate, 0}: 1,
		}
		for k, n := range want {
			if counts[k] != n {
				t.Errorf("Counts()[%v]: got %d; want %d", k, counts[k], n)
			}
		}
		for _, q := range c.Requests() {
			if q.Status == 0 && (q.Fault != "ambiguous" || !q.Applied) {
				t.Errorf("logged dropped %s: got fault %q applied %v; want ambiguous, true", q.Route, q.Fault, q.Applied)
			}
		}
		if got := c.Writes(); got != 2 {
			t.Errorf("writes: got %d; want 2", got)
		}
	})
}

// TestTokenNeverFaulted gets tokens from a server whose every Graph request
// is faulted or throttled.
func TestTokenNeverFaulted(t *testing.T) {
	k := Knobs{Fault503: 1, FaultReset: 1, FaultAmbiguous: 1, ThrottleRate: 0.001, ThrottleBurst: 1, ThrottleScope: ThrottleAll, Seed: 9}
	s := newServer(t, Options{Knobs: k})
	for range 3 {
		if tok := credentialToken(t, s); tok == "" {
			t.Fatal("token: got empty; want one")
		}
	}
	for _, q := range s.Requests() {
		if q.Fault != "" || q.Status == 0 || q.Status >= 500 {
			t.Errorf("token service request %s %s: got status %d fault %q; want no fault", q.Method, q.Path, q.Status, q.Fault)
		}
	}
	if s.Count(RouteToken, http.StatusOK) == 0 {
		t.Error("logged token requests: got none; want at least one")
	}
}

func TestSetKnobsWhileRunning(t *testing.T) {
	c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA}, {UserPrincipalName: upnB}, {UserPrincipalName: "cy@contoso.com"}}})
	wantStatus(t, "create", c.create("v1.0", upnA, TypeMobile, numA), http.StatusCreated)
	if err := c.SetKnobs(Knobs{Create200: true, Legacy200: true}); err != nil {
		t.Fatalf("SetKnobs: %v", err)
	}
	wantStatus(t, "create with Create200", c.create("v1.0", upnB, TypeMobile, numB), http.StatusOK)
	wantStatus(t, "update with Legacy200", c.call(http.MethodPatch, methodPath("v1.0", upnB, MobileMethodID), map[string]string{"phoneNumber": numC}), http.StatusOK)
	if err := c.SetKnobs(Knobs{ThrottleRate: 0.001, ThrottleBurst: 1}); err != nil {
		t.Fatalf("SetKnobs: %v", err)
	}
	got := c.Knobs()
	want := Knobs{ThrottleRate: 0.001, ThrottleBurst: 1, ThrottleScope: ThrottleWrites, SmsRefusal: RefusalStateAndCode}
	if got != want {
		t.Errorf("Knobs(): got %+v; want %+v", got, want)
	}
	wantStatus(t, "create under the burst", c.create("v1.0", "cy@contoso.com", TypeMobile, "+1 2065550155"), http.StatusCreated)
	wantError(t, "create over the burst", c.create("v1.0", "cy@contoso.com", TypeOffice, numC), http.StatusTooManyRequests, "TooManyRequests")
	if err := c.SetKnobs(Knobs{}); err != nil {
		t.Fatalf("SetKnobs: %v", err)
	}
	wantStatus(t, "create after throttling is off", c.create("v1.0", "cy@contoso.com", TypeOffice, numC), http.StatusCreated)

	t.Run("burst defaults to the rate", func(t *testing.T) {
		if err := c.SetKnobs(Knobs{ThrottleRate: 7.5}); err != nil {
			t.Fatalf("SetKnobs: %v", err)
		}
		if got := c.Knobs().ThrottleBurst; got != 7 {
			t.Errorf("ThrottleBurst: got %d; want 7", got)
		}
		if err := c.SetKnobs(Knobs{ThrottleRate: 0.2}); err != nil {
			t.Fatalf("SetKnobs: %v", err)
		}
		if got := c.Knobs().ThrottleBurst; got != 1 {
			t.Errorf("ThrottleBurst: got %d; want 1", got)
		}
	})
}

func TestSetKnobsRejects(t *testing.T) {
	tests := []struct {
		name  string
		knobs Knobs
	}{
		{"fault503 above 1", Knobs{Fault503: 1.5}},
		{"faultReset negative", Knobs{FaultReset: -0.1}},
		{"faultAmbiguous above 1", Knobs{FaultAmbiguous: 2}},
		{"fault503 NaN", Knobs{Fault503: math.NaN()}},
		{"faultReset NaN", Knobs{FaultReset: math.NaN()}},
		{"unknown scope", Knobs{ThrottleScope: "reads"}},
		{"unknown refusal style", Knobs{SmsRefusal: "loud"}},
		{"negative rate", Knobs{ThrottleRate: -1}},
		{"negative burst", Knobs{ThrottleRate: 1, ThrottleBurst: -1}},
		{"negative latency", Knobs{LatencyBase: -time.Millisecond}},
		{"negative jitter", Knobs{LatencyJitter: -time.Millisecond}},
	}
	s := newServer(t, Options{Knobs: Knobs{Create200: true}})
	before := s.Knobs()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.SetKnobs(tt.knobs); err == nil {
				t.Errorf("SetKnobs(%+v): got nil error; want an error", tt.knobs)
			}
			if got := s.Knobs(); got != before {
				t.Errorf("Knobs() after a refused SetKnobs: got %+v; want %+v", got, before)
			}
			if s2, err := NewServer(Options{Knobs: tt.knobs}); err == nil {
				s2.Close()
				t.Errorf("NewServer with %+v: got nil error; want an error", tt.knobs)
			}
		})
	}
}

func TestAdminEndpoints(t *testing.T) {
	c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: numA}}}})
	admin := []string{AdminHeader, c.ClientSecret()}

	t.Run("without the header", func(t *testing.T) {
		c := c.with(t)
		for _, hdr := range [][]string{nil, {AdminHeader, "wrong"}, {AdminHeader, ""}, {"Authorization", "Bearer " + c.token}} {
			for _, r := range []struct {
				method, path string
				body         any
			}{
				{http.MethodGet, "/_sim/knobs", nil},
				{http.MethodPut, "/_sim/knobs", `{"create200":true}`},
				{http.MethodGet, "/_sim/users", nil},
				{http.MethodPost, "/_sim/users", `{"UserPrincipalName":"sneaky@contoso.com"}`},
				{http.MethodGet, "/_sim/requests", nil},
			} {
				resp := c.callAs("", r.method, r.path, r.body, hdr...)
				wantError(t, fmt.Sprintf("%s %s with %q", r.method, r.path, hdr), resp, http.StatusUnauthorized, "")
			}
		}
		if c.Knobs().Create200 {
			t.Error("knobs after an unauthorized PUT: got Create200; want unchanged")
		}
		if _, ok := c.Methods("sneaky@contoso.com"); ok {
			t.Error("users after an unauthorized POST: got sneaky; want unchanged")
		}
	})

	t.Run("knobs", func(t *testing.T) {
		c := c.with(t)
		r := c.callAs("", http.MethodGet, "/_sim/knobs", nil, admin...)
		wantStatus(t, "GET knobs", r, http.StatusOK)
		var k Knobs
		r.decode(t, &k)
		if k != c.Knobs() {
			t.Errorf("GET knobs: got %+v; want %+v", k, c.Knobs())
		}
		r = c.callAs("", http.MethodPut, "/_sim/knobs", `{"create200":true,"smsRefusal":"silent","latencyBase":1000}`, admin...)
		wantStatus(t, "PUT knobs", r, http.StatusOK)
		want := Knobs{Create200: true, SmsRefusal: RefusalSilent, LatencyBase: time.Microsecond, ThrottleScope: ThrottleWrites}
		if got := c.Knobs(); got != want {
			t.Errorf("knobs after PUT: got %+v; want %+v", got, want)
		}
		for _, body := range []string{`{"fault503":2}`, `{"throttleScope":"reads"}`, `{"noSuchKnob":true}`, `{`} {
			r = c.callAs("", http.MethodPut, "/_sim/knobs", body, admin...)
			wantError(t, "PUT "+body, r, http.StatusBadRequest, "")
			if got := c.Knobs(); got != want {
				t.Errorf("knobs after PUT %s: got %+v; want %+v", body, got, want)
			}
		}
		if err := c.SetKnobs(Knobs{}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("users", func(t *testing.T) {
		c := c.with(t)
		r := c.callAs("", http.MethodPost, "/_sim/users", `{"userPrincipalName":"new@contoso.com","phones":{"mobile":"+1 2065550101"}}`, admin...)
		wantStatus(t, "POST users", r, http.StatusCreated)
		var created struct{ ID string }
		r.decode(t, &created)
		if created.ID == "" {
			t.Errorf("POST users: got %s; want an id", r.Body)
		}
		if m := c.mustCreate("v1.0", created.ID, TypeOffice, numC); m.ID != OfficeMethodID {
			t.Errorf("create for the new user: got %+v; want the office", m)
		}
		for _, body := range []string{`{"UserPrincipalName":"NEW@contoso.com"}`, `{"UserPrincipalName":"x@contoso.com","Phones":{"mobile":"2065550100"}}`, `{"bogus":1}`} {
			wantError(t, "POST "+body, c.callAs("", http.MethodPost, "/_sim/users", body, admin...), http.StatusBadRequest, "")
		}
		r = c.callAs("", http.MethodGet, "/_sim/users", nil, admin...)
		wantStatus(t, "GET users", r, http.StatusOK)
		var users []UserInfo
		r.decode(t, &users)
		byUPN := map[string]UserInfo{}
		for _, u := range users {
			byUPN[u.UserPrincipalName] = u
		}
		if len(users) != 2 || len(byUPN[upnA].Methods) != 1 || len(byUPN["new@contoso.com"].Methods) != 2 {
			t.Errorf("GET users: got %+v; want ada with 1 method and new with 2", users)
		}
	})

	t.Run("requests", func(t *testing.T) {
		c := c.with(t)
		c.ResetRequests()
		wantStatus(t, "list", c.call(http.MethodGet, phonesPath("v1.0", upnA), nil, "client-request-id", "admin-check"), http.StatusOK)
		r := c.callAs("", http.MethodGet, "/_sim/requests", nil, admin...)
		wantStatus(t, "GET requests", r, http.StatusOK)
		var reqs []Request
		r.decode(t, &reqs)
		if len(reqs) != 1 || reqs[0].Route != RouteList || reqs[0].Status != http.StatusOK || reqs[0].ClientRequestID != "admin-check" {
			t.Errorf("GET requests: got %+v; want the one list", reqs)
		}
		var raw []map[string]json.RawMessage
		r.decode(t, &raw)
		for _, k := range []string{"time", "method", "path", "route", "status", "requestId", "clientRequestId"} {
			if len(raw) > 0 && raw[0][k] == nil {
				t.Errorf("request log entry: got no %q; want it", k)
			}
		}
	})
}
