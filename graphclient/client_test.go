package graphclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/google/uuid"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

func TestNewConfig(t *testing.T) {
	cred := staticCredential{token: "t"}
	tests := []struct {
		name string
		cfg  Config
		want string // error substring; "" for success
	}{
		{name: "defaults", cfg: Config{Credential: cred, GraphURL: "https://graph.microsoft.com"}},
		{name: "trailing slash", cfg: Config{Credential: cred, GraphURL: "https://graph.microsoft.com/"}},
		{name: "beta", cfg: Config{Credential: cred, GraphURL: "https://graph.microsoft.com", APIVersion: "beta"}},
		{name: "loopback http", cfg: Config{Credential: cred, GraphURL: "http://127.0.0.1:8080"}},
		{name: "no credential", cfg: Config{GraphURL: "https://graph.microsoft.com"}, want: "credential is required"},
		{name: "no URL", cfg: Config{Credential: cred}, want: "not an absolute URL"},
		{name: "relative URL", cfg: Config{Credential: cred, GraphURL: "graph.microsoft.com"}, want: "not an absolute URL"},
		{name: "with version", cfg: Config{Credential: cred, GraphURL: "https://graph.microsoft.com/v1.0"}, want: "without a version"},
		{name: "with beta", cfg: Config{Credential: cred, GraphURL: "https://graph.microsoft.com/beta/"}, want: "without a version"},
		{name: "with query", cfg: Config{Credential: cred, GraphURL: "https://graph.microsoft.com/?x=1"}, want: "query"},
		{name: "remote http", cfg: Config{Credential: cred, GraphURL: "http://graph.microsoft.com"}, want: "must use https"},
		{name: "unknown version", cfg: Config{Credential: cred, GraphURL: "https://graph.microsoft.com", APIVersion: "v2.0"}, want: "want v1.0 or beta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.want == "" {
				if err != nil || c == nil {
					t.Fatalf("New: got %v; want a client", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: got error %v; want one containing %q", err, tt.want)
			}
		})
	}
}

// routeStatuses are the statuses graphsim answered on route, in order.
func routeStatuses(s *graphsim.Server, route string) []int {
	var out []int
	for _, r := range s.Requests() {
		if r.Route == route {
			out = append(out, r.Status)
		}
	}
	return out
}

// TestOperations runs every operation through its success path against
// graphsim, with the documented status codes and with the older variants
// (200 on create; 200 on update and enableSmsSignIn).
func TestOperations(t *testing.T) {
	tests := []struct {
		name        string
		knobs       graphsim.Knobs
		create      int // status graphsim answers a create with
		update, sms int // … an update, an enableSmsSignIn
	}{
		{name: "documented", create: http.StatusCreated, update: http.StatusNoContent, sms: http.StatusNoContent},
		{name: "Create200 and Legacy200", knobs: graphsim.Knobs{Create200: true, Legacy200: true},
			create: http.StatusOK, update: http.StatusOK, sms: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, graphsim.Options{Knobs: tt.knobs})
			const upn = "adele@contoso.com"
			addUser(t, s, graphsim.User{UserPrincipalName: upn, NoAutoRegister: true})
			c := simClient(t, s)
			ctx := testCtx(t)

			ms, err := c.ListPhoneMethods(ctx, upn)
			if err != nil || len(ms) != 0 {
				t.Fatalf("ListPhoneMethods of a new user: got %v, %v; want no methods", ms, err)
			}

			m, err := c.CreatePhoneMethod(ctx, upn, Mobile, number1)
			if err != nil {
				t.Fatalf("CreatePhoneMethod mobile: %v", err)
			}
			want := PhoneMethod{ID: MobileMethodID, PhoneNumber: number1, PhoneType: Mobile, SmsSignInState: SmsNotEnabled}
			if m != want {
				t.Errorf("CreatePhoneMethod mobile: got %+v; want %+v", m, want)
			}
			alt, err := c.CreatePhoneMethod(ctx, upn, AlternateMobile, number2)
			if err != nil {
				t.Fatalf("CreatePhoneMethod alternateMobile: %v", err)
			}
			if want := (PhoneMethod{ID: AlternateMobileMethodID, PhoneNumber: number2, PhoneType: AlternateMobile, SmsSignInState: SmsNotSupported}); alt != want {
				t.Errorf("CreatePhoneMethod alternateMobile: got %+v; want %+v", alt, want)
			}
			if got := routeStatuses(s, graphsim.RouteCreate); len(got) != 2 || got[0] != tt.create || got[1] != tt.create {
				t.Errorf("graphsim create statuses: got %v; want two %d", got, tt.create)
			}

			ms, err = c.ListPhoneMethods(ctx, upn)
			if err != nil {
				t.Fatalf("ListPhoneMethods: %v", err)
			}
			if len(ms) != 2 || ms[0] != want || ms[1] != alt {
				t.Errorf("ListPhoneMethods: got %+v; want [%+v %+v]", ms, want, alt)
			}
			if got, ok := Find(ms, AlternateMobile); !ok || got != alt {
				t.Errorf("Find(alternateMobile): got %+v, %v; want %+v, true", got, ok, alt)
			}
			if _, ok := Find(ms, Office); ok {
				t.Errorf("Find(office): got a method; want none")
			}

			if err := c.UpdatePhoneMethod(ctx, upn, MobileMethodID, number3); err != nil {
				t.Fatalf("UpdatePhoneMethod: %v", err)
			}
			if m, _ := serverMethod(t, s, upn, Mobile); m.PhoneNumber != number3 {
				t.Errorf("after UpdatePhoneMethod graphsim holds %q; want %q", m.PhoneNumber, number3)
			}
			if got := routeStatuses(s, graphsim.RouteUpdate); len(got) != 1 || got[0] != tt.update {
				t.Errorf("graphsim update statuses: got %v; want [%d]", got, tt.update)
			}

			if err := c.EnableSmsSignIn(ctx, upn); err != nil {
				t.Fatalf("EnableSmsSignIn: %v", err)
			}
			if m, _ := serverMethod(t, s, upn, Mobile); m.SmsSignInState != string(SmsReady) {
				t.Errorf("after EnableSmsSignIn the state is %q; want %q", m.SmsSignInState, SmsReady)
			}
			if got := routeStatuses(s, graphsim.RouteEnableSms); len(got) != 1 || got[0] != tt.sms {
				t.Errorf("graphsim enableSmsSignIn statuses: got %v; want [%d]", got, tt.sms)
			}

			if st := c.Stats(); st.Requests != st.Tries || st.Throttled != 0 {
				t.Errorf("Stats: got %+v; want as many tries as requests, none throttled", st)
			}
		})
	}
}

// TestCreateEmptyBody: a 201 or 200 without a body still returns the method
// that was asked for.
func TestCreateEmptyBody(t *testing.T) {
	for _, status := range []int{http.StatusCreated, http.StatusOK} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			ts := startTLSServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) })
			c := tlsClient(t, ts)
			m, err := c.CreatePhoneMethod(testCtx(t), "u@contoso.com", Office, number1)
			want := PhoneMethod{ID: OfficeMethodID, PhoneNumber: number1, PhoneType: Office}
			if err != nil || m != want {
				t.Fatalf("CreatePhoneMethod: got %+v, %v; want %+v, nil", m, err, want)
			}
		})
	}
}

// TestUnreadableSuccess: a 200 whose body is not the JSON asked for is an
// error naming the status and request-id, not a zero value.
func TestUnreadableSuccess(t *testing.T) {
	ts := startTLSServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("request-id", "rid-1")
		w.Write([]byte("<html>proxy</html>"))
	})
	c := tlsClient(t, ts)
	_, err := c.ListPhoneMethods(testCtx(t), "u@contoso.com")
	if err == nil || !strings.Contains(err.Error(), "200") || !strings.Contains(err.Error(), "rid-1") {
		t.Fatalf("ListPhoneMethods: got %v; want an error naming 200 and rid-1", err)
	}
}

// TestRefusals checks that each refusal surfaces as a *Error with Graph's
// status, code, message, request-id and client-request-id, matching exactly
// one status sentinel.
func TestRefusals(t *testing.T) {
	const (
		upn      = "refused@contoso.com"
		noMobile = "nomobile@contoso.com"
		denied   = "denied@contoso.com"
	)
	type env struct {
		ctx context.Context
		s   *graphsim.Server
		c   *Client
	}
	tests := []struct {
		name       string
		knobs      graphsim.Knobs
		client     func(t *testing.T, s *graphsim.Server) *Client // nil: simClient
		call       func(e env) error
		route      string
		wantStatus int
		wantCode   string
		want       error
	}{
		{name: "list unknown user", route: graphsim.RouteList,
			call:       func(e env) error { _, err := e.c.ListPhoneMethods(e.ctx, "nobody@contoso.com"); return err },
			wantStatus: 404, wantCode: "Request_ResourceNotFound", want: ErrNotFound},
		{name: "create bad number", route: graphsim.RouteCreate,
			call:       func(e env) error { _, err := e.c.CreatePhoneMethod(e.ctx, upn, Office, "2065550100"); return err },
			wantStatus: 400, wantCode: "invalidRequest", want: ErrBadRequest},
		{name: "create duplicate type as 400", route: graphsim.RouteCreate,
			call:       func(e env) error { _, err := e.c.CreatePhoneMethod(e.ctx, upn, Mobile, number2); return err },
			wantStatus: 400, wantCode: "badRequest", want: ErrBadRequest},
		{name: "create duplicate type as 409", route: graphsim.RouteCreate, knobs: graphsim.Knobs{DuplicateTypeConflict: true},
			call:       func(e env) error { _, err := e.c.CreatePhoneMethod(e.ctx, upn, Mobile, number2); return err },
			wantStatus: 409, wantCode: "conflict", want: ErrConflict},
		{name: "create alternateMobile without mobile", route: graphsim.RouteCreate,
			call: func(e env) error {
				_, err := e.c.CreatePhoneMethod(e.ctx, noMobile, AlternateMobile, number2)
				return err
			},
			wantStatus: 400, wantCode: "badRequest", want: ErrBadRequest},
		{name: "update missing method", route: graphsim.RouteUpdate,
			call:       func(e env) error { return e.c.UpdatePhoneMethod(e.ctx, noMobile, MobileMethodID, number2) },
			wantStatus: 404, wantCode: "itemNotFound", want: ErrNotFound},
		{name: "update bad number", route: graphsim.RouteUpdate,
			call: func(e env) error {
				return e.c.UpdatePhoneMethod(e.ctx, upn, MobileMethodID, "+1 20655501009999999999")
			},
			wantStatus: 400, wantCode: "invalidRequest", want: ErrBadRequest},
		{name: "enable without mobile", route: graphsim.RouteEnableSms,
			call:       func(e env) error { return e.c.EnableSmsSignIn(e.ctx, noMobile) },
			wantStatus: 404, wantCode: "itemNotFound", want: ErrNotFound},
		{name: "enable disallowed by policy", route: graphsim.RouteEnableSms,
			call:       func(e env) error { return e.c.EnableSmsSignIn(e.ctx, denied) },
			wantStatus: 400, wantCode: "notAllowedByPolicy", want: ErrBadRequest},
		{name: "create with read-only permission", route: graphsim.RouteCreate,
			client: func(t *testing.T, s *graphsim.Server) *Client {
				id, secret := uuid.NewString(), "read-only-secret"
				if err := s.AddApplication(graphsim.Application{ClientID: id, ClientSecret: secret, Roles: []string{graphsim.RoleReadAll}}); err != nil {
					t.Fatal(err)
				}
				return simClient(t, s, func(c *Config) { c.Credential = secretCredential(t, s, id, secret) })
			},
			call:       func(e env) error { _, err := e.c.CreatePhoneMethod(e.ctx, noMobile, Mobile, number1); return err },
			wantStatus: 403, wantCode: "Authorization_RequestDenied", want: ErrForbidden},
		{name: "expired token", route: graphsim.RouteList,
			client: func(t *testing.T, s *graphsim.Server) *Client {
				tok, err := s.IssueToken(s.ClientID(), -time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				return simClient(t, s, func(c *Config) { c.Credential = staticCredential{token: tok} })
			},
			call:       func(e env) error { _, err := e.c.ListPhoneMethods(e.ctx, upn); return err },
			wantStatus: 401, wantCode: "InvalidAuthenticationToken", want: ErrUnauthorized},
		{name: "throttled", route: graphsim.RouteCreate, knobs: graphsim.Knobs{ThrottleRate: 0.01, ThrottleBurst: 1},
			client: func(t *testing.T, s *graphsim.Server) *Client {
				return simClient(t, s, func(c *Config) { c.MaxAttempts = 1; c.ThrottleBudget = time.Nanosecond })
			},
			call: func(e env) error {
				if err := e.c.UpdatePhoneMethod(e.ctx, upn, MobileMethodID, number3); err != nil {
					return err
				}
				_, err := e.c.CreatePhoneMethod(e.ctx, upn, Office, number2)
				return err
			},
			wantStatus: 429, wantCode: "TooManyRequests", want: ErrThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, graphsim.Options{Knobs: tt.knobs, Users: []graphsim.User{
				{UserPrincipalName: upn, Phones: map[string]string{"mobile": number1}},
				{UserPrincipalName: noMobile},
				{UserPrincipalName: denied, Phones: map[string]string{"mobile": number3}, SmsSignInDisallowed: true},
			}})
			var c *Client
			if tt.client != nil {
				c = tt.client(t, s)
			} else {
				c = simClient(t, s)
			}
			err := tt.call(env{ctx: testCtx(t), s: s, c: c})
			ge := asError(t, err)
			if ge.StatusCode != tt.wantStatus || ge.Code != tt.wantCode {
				t.Errorf("got status %d code %q; want %d %q", ge.StatusCode, ge.Code, tt.wantStatus, tt.wantCode)
			}
			if ge.Message == "" || ge.Operation == "" || ge.Method == "" || ge.Date == "" || ge.Diagnostic == "" {
				t.Errorf("got message %q operation %q method %q date %q diagnostic %q; want all set",
					ge.Message, ge.Operation, ge.Method, ge.Date, ge.Diagnostic)
			}
			checkSentinels(t, err, tt.want)

			// The ids are those of the last request graphsim saw on the route.
			reqs := graphRequests(s)
			last := reqs[len(reqs)-1]
			if last.Route != tt.route || last.Status != tt.wantStatus {
				t.Fatalf("graphsim's last request: got %s %d; want %s %d", last.Route, last.Status, tt.route, tt.wantStatus)
			}
			if ge.RequestID != last.RequestID || ge.RequestID == "" {
				t.Errorf("RequestID: got %q; want graphsim's %q", ge.RequestID, last.RequestID)
			}
			if ge.ClientRequestID != last.ClientRequestID || ge.ClientRequestID == "" {
				t.Errorf("ClientRequestID: got %q; want graphsim's %q", ge.ClientRequestID, last.ClientRequestID)
			}
			msg := err.Error()
			for _, part := range []string{ge.Operation, http.StatusText(tt.wantStatus), tt.wantCode, ge.Message, ge.RequestID} {
				if !strings.Contains(msg, part) {
					t.Errorf("Error() = %q; want it to contain %q", msg, part)
				}
			}
			if tt.wantStatus == http.StatusTooManyRequests {
				if ge.RetryAfter <= 0 || ge.ThrottleInfo != "WriteLimitExceeded" || ge.ThrottleScope == "" {
					t.Errorf("got RetryAfter %v ThrottleInfo %q ThrottleScope %q; want a wait, WriteLimitExceeded and a scope",
						ge.RetryAfter, ge.ThrottleInfo, ge.ThrottleScope)
				}
				if !ge.Transient() || !IsTransient(err) {
					t.Errorf("Transient() = %v, IsTransient = %v; want true", ge.Transient(), IsTransient(err))
				}
			} else if IsTransient(err) {
				t.Errorf("IsTransient(%v) = true; want false", err)
			}
		})
	}
}

// TestNotUniqueConflict is the 409-yet-created quirk: a mobile create whose
// automatic SMS sign-in registration collides with another user's number
// answers 409 phoneNumberNotUnique while the method was created. The caller
// gets a typed conflict, and reading the state back shows the method.
func TestNotUniqueConflict(t *testing.T) {
	t.Parallel()
	const owner, other = "owner@contoso.com", "other@contoso.com"
	s := startSim(t, graphsim.Options{Knobs: graphsim.Knobs{NotUniqueConflict: true}, Users: []graphsim.User{
		{UserPrincipalName: owner, Phones: map[string]string{"mobile": number1}},
		{UserPrincipalName: other},
	}})
	c := simClient(t, s)
	ctx := testCtx(t)

	_, err := c.CreatePhoneMethod(ctx, other, Mobile, number1)
	ge := asError(t, err)
	if ge.StatusCode != http.StatusConflict || ge.Code != "phoneNumberNotUnique" {
		t.Fatalf("CreatePhoneMethod: got %d %q; want 409 phoneNumberNotUnique", ge.StatusCode, ge.Code)
	}
	checkSentinels(t, err, ErrConflict)
	if n := s.Count(graphsim.RouteCreate, -1); n != 1 {
		t.Errorf("graphsim saw %d creates; want 1 (a 409 is not retried)", n)
	}

	ms, err := c.ListPhoneMethods(ctx, other)
	if err != nil {
		t.Fatalf("ListPhoneMethods: %v", err)
	}
	m, ok := Find(ms, Mobile)
	if !ok || m.PhoneNumber != number1 || m.SmsSignInState != SmsPhoneNumberNotUnique {
		t.Errorf("ListPhoneMethods after the 409: got %+v; want the mobile %s in state %s", ms, number1, SmsPhoneNumberNotUnique)
	}
	if sm, ok := serverMethod(t, s, other, Mobile); !ok || sm.PhoneNumber != number1 {
		t.Errorf("graphsim holds %+v, %v; want the mobile created", sm, ok)
	}
}

// TestUPNs reaches users whose UPNs need escaping through every operation,
// and checks the path graphsim received.
func TestUPNs(t *testing.T) {
	tests := []struct {
		upn  string
		want []string // escapes the path must hold
	}{
		{upn: "o'brien#ext#@contoso.com", want: []string{"o%27brien%23ext%23@contoso.com"}},
		{upn: "50%off@contoso.com", want: []string{"50%25off@contoso.com"}},
		{upn: "a/b@contoso.com", want: []string{"a%2Fb@contoso.com"}},
		{upn: "josé@contoso.com", want: []string{"jos%C3%A9@contoso.com"}},
		{upn: "a b+c?d@contoso.com", want: []string{"a%20b+c%3Fd@contoso.com"}},
	}
	s := startSim(t, graphsim.Options{})
	c := simClient(t, s)
	for _, tt := range tests {
		addUser(t, s, graphsim.User{UserPrincipalName: tt.upn, NoAutoRegister: true})
	}
	for i, tt := range tests {
		t.Run(tt.upn, func(t *testing.T) {
			ctx := testCtx(t)
			s.ResetRequests()
			if _, err := c.CreatePhoneMethod(ctx, tt.upn, Mobile, number1); err != nil {
				t.Fatalf("CreatePhoneMethod: %v", err)
			}
			if ms, err := c.ListPhoneMethods(ctx, tt.upn); err != nil || len(ms) != 1 {
				t.Fatalf("ListPhoneMethods: got %+v, %v; want one method", ms, err)
			}
			// A number of its own, so that SMS sign-in stays unique in the tenant.
			number2 := fmt.Sprintf("+1 20655502%02d", i)
			if err := c.UpdatePhoneMethod(ctx, tt.upn, MobileMethodID, number2); err != nil {
				t.Fatalf("UpdatePhoneMethod: %v", err)
			}
			if err := c.EnableSmsSignIn(ctx, tt.upn); err != nil {
				t.Fatalf("EnableSmsSignIn: %v", err)
			}
			if m, _ := serverMethod(t, s, tt.upn, Mobile); m.PhoneNumber != number2 {
				t.Errorf("graphsim holds %+v for %q; want number %s", m, tt.upn, number2)
			}
			reqs := graphRequests(s)
			if len(reqs) != 4 {
				t.Fatalf("graphsim saw %d Graph requests; want 4", len(reqs))
			}
			for _, r := range reqs {
				for _, w := range tt.want {
					if !strings.HasPrefix(r.Path, "/v1.0/users/"+w+"/authentication/phoneMethods") {
						t.Errorf("%s %s: path %q; want it to start with /v1.0/users/%s/authentication/phoneMethods", r.Method, r.Route, r.Path, w)
					}
				}
			}
		})
	}
}

// TestRequestHeaders: every try carries its own client-request-id and a
// User-Agent starting with phonereg/VERSION; the token goes in Authorization.
func TestRequestHeaders(t *testing.T) {
	var n atomic.Int32
	ts := startTLSServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			writeGraphError(w, http.StatusServiceUnavailable, "serviceNotAvailable", "try later")
			return
		}
		w.Write([]byte(`{"value":[]}`))
	})
	c := tlsClient(t, ts, func(c *Config) { c.Version = "2.0.1" })
	if _, err := c.ListPhoneMethods(testCtx(t), "u@contoso.com"); err != nil {
		t.Fatalf("ListPhoneMethods: %v", err)
	}
	reqs := ts.requests()
	if len(reqs) != 3 {
		t.Fatalf("server saw %d requests; want 3 (two 503s, then 200)", len(reqs))
	}
	seen := map[string]bool{}
	for i, r := range reqs {
		crid := r.Header.Get("client-request-id")
		if _, err := uuid.Parse(crid); err != nil || seen[crid] {
			t.Errorf("request %d: client-request-id %q; want a fresh UUID", i, crid)
		}
		seen[crid] = true
		if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "phonereg/2.0.1 ") {
			t.Errorf("request %d: User-Agent %q; want it to start with phonereg/2.0.1", i, ua)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer test-token" {
			t.Errorf("request %d: Authorization %q; want Bearer test-token", i, got)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("request %d: Accept %q; want application/json", i, got)
		}
	}
	if st := c.Stats(); st.Requests != 1 || st.Tries != 3 {
		t.Errorf("Stats: got %+v; want 1 request, 3 tries", st)
	}
}

func TestUserAgentID(t *testing.T) {
	tests := []struct{ version, want string }{
		{"1.0.0", "phonereg/1.0.0"},
		{"dev build", "phonereg/dev-build"},
		{"v1.2.3-45-gabcdef0-dirty-x", "phonereg/v1.2.3-45-gabcd"},
	}
	for _, tt := range tests {
		if got := userAgentID(tt.version); got != tt.want {
			t.Errorf("userAgentID(%q) = %q; want %q", tt.version, got, tt.want)
		}
	}
}

// TestLoopbackHTTP: a plain-http Graph root is allowed on loopback (a local
// emulator), and the token is sent there.
func TestLoopbackHTTP(t *testing.T) {
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		w.Write([]byte(`{"value":[]}`))
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, Config{Credential: staticCredential{token: "loop"}, GraphURL: srv.URL})
	if _, err := c.ListPhoneMethods(testCtx(t), "u@contoso.com"); err != nil {
		t.Fatalf("ListPhoneMethods over loopback http: %v", err)
	}
	if got := auth.Load(); got != "Bearer loop" {
		t.Errorf("Authorization: got %v; want Bearer loop", got)
	}
}

// TestRedirectNotFollowed: a 307 to another server is returned as an error,
// and the other server never sees a request (so never the token).
func TestRedirectNotFollowed(t *testing.T) {
	target := startTLSServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"value":[]}`)) })
	origin := startTLSServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	// Both httptest servers use the same certificate.
	c := tlsClient(t, origin)
	_, err := c.ListPhoneMethods(testCtx(t), "u@contoso.com")
	ge := asError(t, err)
	if ge.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("got status %d; want 307", ge.StatusCode)
	}
	if n := len(origin.requests()); n != 1 {
		t.Errorf("origin saw %d requests; want 1", n)
	}
	if n := len(target.requests()); n != 0 {
		t.Errorf("redirect target saw %d requests; want none", n)
	}
}

// TestHostGuard: the guard refuses, without sending it and without retries,
// a request to any host but Graph's.
func TestHostGuard(t *testing.T) {
	tests := []struct {
		name, url string
		wantSent  bool
	}{
		{name: "graph host", url: "https://graph.example/v1.0/users", wantSent: true},
		{name: "graph host, other case", url: "https://GRAPH.example/v1.0/users", wantSent: true},
		{name: "other host", url: "https://evil.example/v1.0/users"},
		{name: "other port", url: "https://graph.example:8443/v1.0/users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sent int
			tr := transportFunc(func(r *http.Request) (*http.Response, error) {
				sent++
				return fakeResponse(r, http.StatusOK, "{}"), nil
			})
			pl := runtime.NewPipeline("test", "v0", runtime.PipelineOptions{PerRetry: []policy.Policy{hostGuard("graph.example")}},
				&policy.ClientOptions{Transport: tr, Retry: policy.RetryOptions{RetryDelay: time.Millisecond}})
			req, err := runtime.NewRequest(testCtx(t), http.MethodGet, tt.url)
			if err != nil {
				t.Fatal(err)
			}
			_, err = pl.Do(req)
			if tt.wantSent {
				if err != nil || sent != 1 {
					t.Fatalf("got %v, sent %d; want sent once", err, sent)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "refusing to send the Graph token") {
				t.Errorf("got %v; want a refusal", err)
			}
			if sent != 0 {
				t.Errorf("transport got %d requests; want none", sent)
			}
			var nre interface{ NonRetriable() }
			if !errors.As(err, &nre) {
				t.Errorf("the refusal %v is retriable; want it not", err)
			}
		})
	}
}

// TestTokenExpiry runs requests for longer than the token lifetime: the
// client gets new tokens and no 401 reaches Graph's caller, nor graphsim.
func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	const lifetime = 2 * time.Second
	s := startSim(t, graphsim.Options{TokenLifetime: lifetime, Users: []graphsim.User{{UserPrincipalName: "u@contoso.com"}}})
	c := simClient(t, s)
	ctx := testCtx(t)
	for start := time.Now(); time.Since(start) < 2*lifetime+time.Second; {
		if _, err := c.ListPhoneMethods(ctx, "u@contoso.com"); err != nil {
			t.Fatalf("ListPhoneMethods after %v: %v", time.Since(start), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := s.Count(graphsim.RouteToken, http.StatusOK); n < 3 {
		t.Errorf("graphsim issued %d tokens; want at least 3 over more than two lifetimes", n)
	}
	if n := s.Count(graphsim.RouteList, http.StatusUnauthorized); n != 0 {
		t.Errorf("graphsim answered %d lists with 401; want none (tokens refreshed before they expire)", n)
	}
}

func TestUsableUntil(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	jwtExp := func(d time.Duration) string { return fakeJWT(fmt.Sprintf(`{"exp":%d}`, now.Add(d).Unix())) }
	tests := []struct {
		name      string
		token     string
		expiresOn time.Duration // from now
		want      time.Duration // from now
	}{
		{name: "opaque, an hour", token: "opaque", expiresOn: time.Hour, want: time.Hour - maxExpiryMargin},
		{name: "exp claim earlier", token: jwtExp(100 * time.Second), expiresOn: 101 * time.Second, want: 90 * time.Second},
		{name: "exp claim later", token: jwtExp(time.Hour), expiresOn: 50 * time.Second, want: 45 * time.Second},
		{name: "short token", token: jwtExp(2 * time.Second), expiresOn: 3 * time.Second, want: 1800 * time.Millisecond},
		{name: "odd exp claim", token: fakeJWT(`{"exp":"soon"}`), expiresOn: 20 * time.Second, want: 18 * time.Second},
		{name: "expired", token: "opaque", expiresOn: -time.Second, want: -time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := usableUntil(azcore.AccessToken{Token: tt.token, ExpiresOn: now.Add(tt.expiresOn)}, now)
			if want := now.Add(tt.want); !got.Equal(want) {
				t.Errorf("usableUntil = now%+v; want now%+v", got.Sub(now), tt.want)
			}
		})
	}
}

// flakyCredential hands out an already expired token first (claiming it is
// good for an hour), then its credential's tokens.
type flakyCredential struct {
	cred    azcore.TokenCredential
	expired string
	calls   atomic.Int32
}

func (f *flakyCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if f.calls.Add(1) == 1 {
		return azcore.AccessToken{Token: f.expired, ExpiresOn: time.Now().Add(time.Hour)}, nil
	}
	return f.cred.GetToken(ctx, o)
}

// TestChallengeRefreshesToken: a 401 with Graph's WWW-Authenticate challenge
// makes azcore's bearer policy get a new token and send the request once
// more, within the same try; the caller sees a success.
func TestChallengeRefreshesToken(t *testing.T) {
	t.Parallel()
	s := startSim(t, graphsim.Options{AutoCreateUsers: true})
	expired, err := s.IssueToken(s.ClientID(), -time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	cred := &flakyCredential{cred: simCredential(t, s), expired: expired}
	c := simClient(t, s, func(c *Config) { c.Credential = cred })
	if _, err := c.ListPhoneMethods(testCtx(t), "u@contoso.com"); err != nil {
		t.Fatalf("ListPhoneMethods: %v", err)
	}
	if got := routeStatuses(s, graphsim.RouteList); len(got) != 2 || got[0] != 401 || got[1] != 200 {
		t.Errorf("graphsim list statuses: got %v; want [401 200]", got)
	}
	if n := cred.calls.Load(); n != 2 {
		t.Errorf("credential called %d times; want 2", n)
	}
}

// BenchmarkListPhoneMethods is one read through the whole pipeline against
// graphsim over TLS (HTTP/2), token cached.
func BenchmarkListPhoneMethods(b *testing.B) {
	s := startSim(b, graphsim.Options{Users: []graphsim.User{{UserPrincipalName: "b@contoso.com", Phones: map[string]string{"mobile": number1}}}})
	c := simClient(b, s)
	ctx := testCtx(b)
	for b.Loop() {
		if _, err := c.ListPhoneMethods(ctx, "b@contoso.com"); err != nil {
			b.Fatal(err)
		}
	}
}
