package graphclient

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// TestReadsRetried: reads pass despite 503s and dropped connections, after
// retries graphsim can count.
func TestReadsRetried(t *testing.T) {
	tests := []struct {
		name      string
		knobs     graphsim.Knobs
		faultCode int // graphsim's logged status of a faulted try
	}{
		{name: "503", knobs: graphsim.Knobs{Fault503: 0.4, Seed: 7}, faultCode: http.StatusServiceUnavailable},
		{name: "reset", knobs: graphsim.Knobs{FaultReset: 0.5, Seed: 7}, faultCode: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const upn = "reader@contoso.com"
			s := startSim(t, graphsim.Options{Knobs: tt.knobs, Users: []graphsim.User{{UserPrincipalName: upn, Phones: map[string]string{"mobile": number1}}}})
			c := simClient(t, s, func(c *Config) { c.MaxAttempts = 10 })
			ctx := testCtx(t)
			const n = 8
			for i := range n {
				if ms, err := c.ListPhoneMethods(ctx, upn); err != nil || len(ms) != 1 || ms[0].PhoneNumber != number1 {
					t.Fatalf("ListPhoneMethods %d: got %+v, %v; want the mobile", i, ms, err)
				}
			}
			faults := s.Count(graphsim.RouteList, tt.faultCode)
			ok := s.Count(graphsim.RouteList, http.StatusOK)
			if faults == 0 || ok != n {
				t.Errorf("graphsim answered %d faults and %d successes; want some faults and %d successes", faults, ok, n)
			}
			if st := c.Stats(); st.Requests != n || st.Tries != int64(n+faults) {
				t.Errorf("Stats: got %+v; want %d requests and %d tries", st, n, n+faults)
			}
			seen := map[string]bool{}
			for _, r := range graphRequests(s) {
				if r.ClientRequestID == "" || seen[r.ClientRequestID] {
					t.Errorf("try %s %s: client-request-id %q; want a fresh one per try", r.Method, r.Path, r.ClientRequestID)
				}
				seen[r.ClientRequestID] = true
			}
		})
	}
}

// TestReadTransportFailure: a read whose every try is dropped is retried up
// to MaxAttempts and fails as a transport error, never an ambiguous one.
func TestReadTransportFailure(t *testing.T) {
	t.Parallel()
	s := startSim(t, graphsim.Options{Knobs: graphsim.Knobs{FaultReset: 1}, AutoCreateUsers: true})
	c := simClient(t, s, func(c *Config) { c.MaxAttempts = 3 })
	_, err := c.ListPhoneMethods(testCtx(t), "u@contoso.com")
	checkSentinels(t, err, ErrTransport)
	var te *TransportError
	if !errors.As(err, &te) || te.Write || te.Method != http.MethodGet || te.ClientRequestID == "" {
		t.Fatalf("got %#v; want a read *TransportError with a client-request-id", err)
	}
	if strings.Contains(err.Error(), "may or may not") {
		t.Errorf("Error() = %q; a read must not claim a change may have happened", err)
	}
	if !IsTransient(err) {
		t.Errorf("IsTransient(%v) = false; want true", err)
	}
	reqs := graphRequests(s)
	if len(reqs) != 3 {
		t.Fatalf("graphsim saw %d tries; want 3", len(reqs))
	}
	if last := reqs[len(reqs)-1]; last.ClientRequestID != te.ClientRequestID || last.Status != 0 {
		t.Errorf("last try: got client-request-id %q status %d; want %q, dropped", last.ClientRequestID, last.Status, te.ClientRequestID)
	}
}

// TestReadUnavailable: 503s on every try end as a *Error matching
// ErrUnavailable after MaxAttempts.
func TestReadUnavailable(t *testing.T) {
	t.Parallel()
	s := startSim(t, graphsim.Options{Knobs: graphsim.Knobs{Fault503: 1}, AutoCreateUsers: true})
	c := simClient(t, s, func(c *Config) { c.MaxAttempts = 2 })
	_, err := c.ListPhoneMethods(testCtx(t), "u@contoso.com")
	ge := asError(t, err)
	if ge.StatusCode != http.StatusServiceUnavailable || ge.Code != "serviceNotAvailable" {
		t.Errorf("got %d %q; want 503 serviceNotAvailable", ge.StatusCode, ge.Code)
	}
	checkSentinels(t, err, ErrUnavailable)
	if n := s.Count(graphsim.RouteList, http.StatusServiceUnavailable); n != 2 {
		t.Errorf("graphsim answered %d 503s; want 2", n)
	}
}

// flipWhen sets s's knobs to k once cond holds, polling; it stops with the
// test.
func flipWhen(t *testing.T, s *graphsim.Server, cond func() bool, k graphsim.Knobs) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if cond() {
					if err := s.SetKnobs(k); err != nil {
						t.Errorf("SetKnobs: %v", err)
					}
					return
				}
			}
		}
	}()
}

// TestWritesRetriedAfter503: a 503 means the write was not done, so every
// write is retried until it passes.
func TestWritesRetriedAfter503(t *testing.T) {
	const upn = "writer@contoso.com"
	tests := []struct {
		name  string
		route string
		call  func(ctx context.Context, c *Client) error
		check func(t *testing.T, s *graphsim.Server)
	}{
		{name: "create", route: graphsim.RouteCreate,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreatePhoneMethod(ctx, upn, Office, number2)
				return err
			},
			check: func(t *testing.T, s *graphsim.Server) {
				if m, ok := serverMethod(t, s, upn, Office); !ok || m.PhoneNumber != number2 {
					t.Errorf("graphsim holds %+v; want the office phone", m)
				}
			}},
		{name: "update", route: graphsim.RouteUpdate,
			call: func(ctx context.Context, c *Client) error {
				return c.UpdatePhoneMethod(ctx, upn, MobileMethodID, number3)
			},
			check: func(t *testing.T, s *graphsim.Server) {
				if m, _ := serverMethod(t, s, upn, Mobile); m.PhoneNumber != number3 {
					t.Errorf("graphsim holds %+v; want the new number", m)
				}
			}},
		{name: "enable", route: graphsim.RouteEnableSms,
			call: func(ctx context.Context, c *Client) error { return c.EnableSmsSignIn(ctx, upn) },
			check: func(t *testing.T, s *graphsim.Server) {
				if m, _ := serverMethod(t, s, upn, Mobile); m.SmsSignInState != graphsim.StateReady {
					t.Errorf("graphsim holds %+v; want SMS sign-in ready", m)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, graphsim.Options{Users: []graphsim.User{
				{UserPrincipalName: upn, Phones: map[string]string{"mobile": number1}, NoAutoRegister: true},
			}})
			c := simClient(t, s, func(c *Config) { c.MaxAttempts = 10 })
			setKnobs(t, s, graphsim.Knobs{Fault503: 1})
			flipWhen(t, s, func() bool { return s.Count(tt.route, http.StatusServiceUnavailable) >= 2 }, graphsim.Knobs{})
			if err := tt.call(testCtx(t), c); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if n := s.Count(tt.route, http.StatusServiceUnavailable); n < 2 {
				t.Errorf("graphsim answered %d 503s; want at least 2", n)
			}
			if n := s.Writes(); n != 1 {
				t.Errorf("graphsim applied %d writes; want 1", n)
			}
			tt.check(t, s)
		})
	}
}

// TestAmbiguousWrites: a write whose response is lost after graphsim applied
// it is ErrAmbiguous (and ErrTransport), is not retried, and graphsim shows
// it applied. A write dropped before graphsim handled it is just as
// ambiguous to the client.
func TestAmbiguousWrites(t *testing.T) {
	const upn = "ambiguous@contoso.com"
	tests := []struct {
		name        string
		knobs       graphsim.Knobs
		route       string
		call        func(ctx context.Context, c *Client) error
		wantApplied bool
		check       func(t *testing.T, s *graphsim.Server)
	}{
		{name: "create", knobs: graphsim.Knobs{FaultAmbiguous: 1}, route: graphsim.RouteCreate, wantApplied: true,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreatePhoneMethod(ctx, upn, Office, number2)
				return err
			},
			check: func(t *testing.T, s *graphsim.Server) {
				if _, ok := serverMethod(t, s, upn, Office); !ok {
					t.Errorf("graphsim has no office phone; want it created")
				}
			}},
		{name: "update", knobs: graphsim.Knobs{FaultAmbiguous: 1}, route: graphsim.RouteUpdate, wantApplied: true,
			call: func(ctx context.Context, c *Client) error {
				return c.UpdatePhoneMethod(ctx, upn, MobileMethodID, number3)
			},
			check: func(t *testing.T, s *graphsim.Server) {
				if m, _ := serverMethod(t, s, upn, Mobile); m.PhoneNumber != number3 {
					t.Errorf("graphsim holds %+v; want the new number", m)
				}
			}},
		{name: "enable", knobs: graphsim.Knobs{FaultAmbiguous: 1}, route: graphsim.RouteEnableSms, wantApplied: true,
			call: func(ctx context.Context, c *Client) error { return c.EnableSmsSignIn(ctx, upn) },
			check: func(t *testing.T, s *graphsim.Server) {
				if m, _ := serverMethod(t, s, upn, Mobile); m.SmsSignInState != graphsim.StateReady {
					t.Errorf("graphsim holds %+v; want SMS sign-in ready", m)
				}
			}},
		{name: "create dropped before handling", knobs: graphsim.Knobs{FaultReset: 1}, route: graphsim.RouteCreate,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreatePhoneMethod(ctx, upn, Office, number2)
				return err
			},
			check: func(t *testing.T, s *graphsim.Server) {
				if _, ok := serverMethod(t, s, upn, Office); ok {
					t.Errorf("graphsim has an office phone; want none")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, graphsim.Options{Users: []graphsim.User{
				{UserPrincipalName: upn, Phones: map[string]string{"mobile": number1}, NoAutoRegister: true},
			}})
			c := simClient(t, s)
			setKnobs(t, s, tt.knobs)
			err := tt.call(testCtx(t), c)
			if !errors.Is(err, ErrAmbiguous) || !errors.Is(err, ErrTransport) {
				t.Fatalf("got %v; want ErrAmbiguous and ErrTransport", err)
			}
			var te *TransportError
			if !errors.As(err, &te) || !te.Write || te.Operation == "" {
				t.Fatalf("got %#v; want a write *TransportError", err)
			}
			var ge *Error
			if errors.As(err, &ge) {
				t.Errorf("got a *Error %v; want only a transport error", ge)
			}
			if !strings.Contains(err.Error(), "may or may not have been applied") {
				t.Errorf("Error() = %q; want it to say the change may have been applied", err)
			}
			reqs := graphRequests(s)
			if len(reqs) != 1 {
				t.Fatalf("graphsim saw %d tries; want exactly 1 (an ambiguous write is not retried)", len(reqs))
			}
			r := reqs[0]
			if r.Route != tt.route || r.Status != 0 || r.Applied != tt.wantApplied {
				t.Errorf("graphsim logged %s status %d applied %v; want %s dropped applied %v", r.Route, r.Status, r.Applied, tt.route, tt.wantApplied)
			}
			if te.ClientRequestID != r.ClientRequestID {
				t.Errorf("ClientRequestID: got %q; want graphsim's %q", te.ClientRequestID, r.ClientRequestID)
			}
			tt.check(t, s)
		})
	}
}

// TestTryTimeout: Config.Timeout bounds one try; a read that times out is
// retried, a write is ambiguous.
func TestTryTimeout(t *testing.T) {
	t.Parallel()
	s := startSim(t, graphsim.Options{AutoCreateUsers: true})
	c := simClient(t, s, func(c *Config) { c.MaxAttempts = 2; c.Timeout = 50 * time.Millisecond })
	ctx := testCtx(t)
	if _, err := c.ListPhoneMethods(ctx, "warmup@contoso.com"); err != nil {
		t.Fatalf("ListPhoneMethods: %v", err)
	}
	setKnobs(t, s, graphsim.Knobs{LatencyBase: 300 * time.Millisecond})
	_, err := c.ListPhoneMethods(ctx, "slow@contoso.com")
	checkSentinels(t, err, ErrTransport)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v; want it to wrap context.DeadlineExceeded", err)
	}
	if st := c.Stats(); st.Tries != 3 {
		t.Errorf("Stats: got %+v; want 3 tries (1 + 2)", st)
	}
	_, err = c.CreatePhoneMethod(ctx, "slow@contoso.com", Mobile, number1)
	if !errors.Is(err, ErrAmbiguous) {
		t.Errorf("a timed-out create: got %v; want ErrAmbiguous", err)
	}
	if st := c.Stats(); st.Tries != 4 {
		t.Errorf("Stats: got %+v; want 4 tries (the create tried once)", st)
	}
}

// TestCancelled: a cancelled context ends an operation with the context's
// error, also while it waits in the throttle gate.
func TestCancelled(t *testing.T) {
	t.Parallel()
	s := startSim(t, graphsim.Options{AutoCreateUsers: true})
	c := simClient(t, s)
	c.flow.mu.Lock()
	c.flow.hold(time.Now().Add(time.Hour))
	c.flow.mu.Unlock()
	ctx, cancel := context.WithTimeout(testCtx(t), 50*time.Millisecond)
	defer cancel()
	_, err := c.ListPhoneMethods(ctx, "u@contoso.com")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v; want context.DeadlineExceeded", err)
	}
	if errors.Is(err, ErrTransport) {
		t.Errorf("got %v; a request that never left must not be a transport error", err)
	}
	if n := len(graphRequests(s)); n != 0 {
		t.Errorf("graphsim saw %d requests; want none", n)
	}
}
