package graphsim

import (
	"math"
	"net/http"
	"testing"
	"time"
)

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
