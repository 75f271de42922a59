package graphclient

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// TestUndoCalls runs DeletePhoneMethod and DisableSmsSignIn through their
// success paths against graphsim: office, alternateMobile, then mobile
// deleted; SMS sign-in disabled with the mobile kept.
func TestUndoCalls(t *testing.T) {
	t.Parallel()
	const upn, sms = "adele@contoso.com", "sms@contoso.com"
	s := startSim(t, graphsim.Options{Users: []graphsim.User{
		{UserPrincipalName: upn, Phones: map[string]string{"mobile": number1, "alternateMobile": number2, "office": number3}},
		{UserPrincipalName: sms, Phones: map[string]string{"mobile": "+1 2065550109"}},
	}})
	c := simClient(t, s)
	ctx := testCtx(t)
	for _, id := range []string{OfficeMethodID, AlternateMobileMethodID, MobileMethodID} {
		if err := c.DeletePhoneMethod(ctx, upn, id); err != nil {
			t.Fatalf("DeletePhoneMethod %s: %v", id, err)
		}
	}
	if ms, err := c.ListPhoneMethods(ctx, upn); err != nil || len(ms) != 0 {
		t.Errorf("ListPhoneMethods after the deletes: got %+v, %v; want none", ms, err)
	}
	if got := routeStatuses(s, graphsim.RouteDelete); len(got) != 3 || got[0] != 204 || got[2] != 204 {
		t.Errorf("graphsim delete statuses: got %v; want three 204", got)
	}

	if m, _ := serverMethod(t, s, sms, Mobile); m.SmsSignInState != string(SmsReady) {
		t.Fatalf("seeded mobile: got state %q; want ready", m.SmsSignInState)
	}
	if err := c.DisableSmsSignIn(ctx, sms); err != nil {
		t.Fatalf("DisableSmsSignIn: %v", err)
	}
	if m, ok := serverMethod(t, s, sms, Mobile); !ok || m.SmsSignInState != string(SmsNotEnabled) {
		t.Errorf("after DisableSmsSignIn graphsim holds %+v, %v; want the mobile, notEnabled", m, ok)
	}
	if got := routeStatuses(s, graphsim.RouteDisableSms); len(got) != 1 || got[0] != 204 {
		t.Errorf("graphsim disableSmsSignIn statuses: got %v; want [204]", got)
	}
}

// TestUndoCallRefusals: each refusal of a delete or a disable is a *Error
// with Graph's status, code and request-id, matching its sentinel, and not
// transient: the default method, a mobile with an alternateMobile, a method
// or user that is not there, a role that does not allow it (the phone role
// deletes nowhere, and disables only where the older pages' rule holds).
func TestUndoCallRefusals(t *testing.T) {
	t.Parallel()
	const (
		def, withAlt, bare = "default@contoso.com", "alt@contoso.com", "bare@contoso.com"
	)
	s := startSim(t, graphsim.Options{Knobs: graphsim.Knobs{PhoneRoleLegacy: true}, Users: []graphsim.User{
		{UserPrincipalName: def, DefaultMethod: "mobile", Phones: map[string]string{"mobile": number1}},
		{UserPrincipalName: withAlt, Phones: map[string]string{"mobile": number2, "alternateMobile": number3}},
		{UserPrincipalName: bare},
	}})
	id, secret := uuid.NewString(), "phone-role-secret"
	if err := s.AddApplication(graphsim.Application{ClientID: id, ClientSecret: secret, Roles: []string{graphsim.RolePhoneReadWriteAll}}); err != nil {
		t.Fatal(err)
	}
	c := simClient(t, s)
	phoneRole := simClient(t, s, func(c *Config) { c.Credential = secretCredential(t, s, id, secret) })
	tests := []struct {
		name   string
		call   func() error
		status int
		code   string
		want   error
	}{
		{"delete the default method", func() error { return c.DeletePhoneMethod(testCtx(t), def, MobileMethodID) }, 400, "badRequest", ErrBadRequest},
		{"delete a mobile with an alternateMobile", func() error { return c.DeletePhoneMethod(testCtx(t), withAlt, MobileMethodID) }, 400, "badRequest", ErrBadRequest},
		{"delete a method the user does not have", func() error { return c.DeletePhoneMethod(testCtx(t), bare, OfficeMethodID) }, 404, "itemNotFound", ErrNotFound},
		{"delete for an unknown user", func() error { return c.DeletePhoneMethod(testCtx(t), "nobody@contoso.com", MobileMethodID) }, 404, "Request_ResourceNotFound", ErrNotFound},
		{"disable without a mobile", func() error { return c.DisableSmsSignIn(testCtx(t), bare) }, 404, "itemNotFound", ErrNotFound},
		{"delete with the phone role only", func() error { return phoneRole.DeletePhoneMethod(testCtx(t), withAlt, AlternateMobileMethodID) }, 403, "Authorization_RequestDenied", ErrForbidden},
		{"disable with the phone role only, older pages' rule", func() error { return phoneRole.DisableSmsSignIn(testCtx(t), def) }, 403, "Authorization_RequestDenied", ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			ge := asError(t, err)
			if ge.StatusCode != tt.status || ge.Code != tt.code || ge.RequestID == "" || ge.Message == "" {
				t.Errorf("got %d %q request-id %q message %q; want %d %q with a request-id and a message", ge.StatusCode, ge.Code, ge.RequestID, ge.Message, tt.status, tt.code)
			}
			checkSentinels(t, err, tt.want)
			if IsTransient(err) {
				t.Errorf("IsTransient(%v) = true; want false", err)
			}
		})
	}
	if _, ok := serverMethod(t, s, def, Mobile); !ok {
		t.Error("the default method was deleted; want it kept")
	}
}

// TestUndoCallVariants: 204 and 200 are both a success, with the request
// sent as documented: DELETE of the method, POST of disableSmsSignIn with
// no body on the mobile.
func TestUndoCallVariants(t *testing.T) {
	for _, status := range []int{http.StatusNoContent, http.StatusOK} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			ts := startTLSServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) })
			c := tlsClient(t, ts)
			if err := c.DeletePhoneMethod(testCtx(t), "o'brien@contoso.com", OfficeMethodID); err != nil {
				t.Fatalf("DeletePhoneMethod: %v", err)
			}
			if err := c.DisableSmsSignIn(testCtx(t), "o'brien@contoso.com"); err != nil {
				t.Fatalf("DisableSmsSignIn: %v", err)
			}
			reqs := ts.requests()
			if len(reqs) != 2 {
				t.Fatalf("got %d requests; want 2", len(reqs))
			}
			base := "/v1.0/users/o%27brien@contoso.com/authentication/phoneMethods/"
			if r := reqs[0]; r.Method != http.MethodDelete || r.URL.EscapedPath() != base+OfficeMethodID {
				t.Errorf("delete: got %s %s; want DELETE %s", r.Method, r.URL.EscapedPath(), base+OfficeMethodID)
			}
			if r := reqs[1]; r.Method != http.MethodPost || r.URL.EscapedPath() != base+MobileMethodID+"/disableSmsSignIn" || r.ContentLength > 0 {
				t.Errorf("disable: got %s %s (%d bytes); want POST %s with no body", r.Method, r.URL.EscapedPath(), r.ContentLength, base+MobileMethodID+"/disableSmsSignIn")
			}
		})
	}
}

// TestUndoCallRetries: a throttled delete waits out Retry-After and passes;
// a delete whose answer is lost is ambiguous and not sent again; a refusal
// that quotes a number has it masked.
func TestUndoCallRetries(t *testing.T) {
	t.Parallel()
	const upn = "retry@contoso.com"
	s := startSim(t, graphsim.Options{Knobs: graphsim.Knobs{ThrottleRate: 2, ThrottleBurst: 1},
		Users: []graphsim.User{{UserPrincipalName: upn, Phones: map[string]string{"mobile": number1, "alternateMobile": number2, "office": number3}}}})
	c := simClient(t, s)
	ctx := testCtx(t)
	start := time.Now()
	if err := c.DeletePhoneMethod(ctx, upn, OfficeMethodID); err != nil {
		t.Fatalf("first delete: %v", err)
	}
	if err := c.DeletePhoneMethod(ctx, upn, AlternateMobileMethodID); err != nil {
		t.Fatalf("throttled delete: %v", err)
	}
	if got := routeStatuses(s, graphsim.RouteDelete); len(got) < 3 || got[1] != http.StatusTooManyRequests || got[len(got)-1] != http.StatusNoContent {
		t.Errorf("graphsim delete statuses: got %v; want 204, 429…, 204", got)
	}
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Errorf("the throttled delete passed after %v; want it to wait out Retry-After", el)
	}

	setKnobs(t, s, graphsim.Knobs{FaultAmbiguous: 1})
	err := c.DeletePhoneMethod(ctx, upn, MobileMethodID)
	if !errors.Is(err, ErrAmbiguous) || !IsTransient(err) {
		t.Fatalf("delete with its answer lost: got %v; want ErrAmbiguous, transient", err)
	}
	if n := s.Count(graphsim.RouteDelete, 0); n != 1 {
		t.Errorf("graphsim saw %d dropped deletes; want 1 (a write whose answer is lost is not sent again)", n)
	}

	ts := startTLSServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeGraphError(w, http.StatusBadRequest, "badRequest", "Cannot delete +1 2065550100: it is the default method.")
	})
	err = tlsClient(t, ts).DeletePhoneMethod(ctx, upn, MobileMethodID)
	if ge := asError(t, err); strings.Contains(ge.Message, "2065550100") || !strings.Contains(ge.Message, "0100") {
		t.Errorf("got message %q; want the number masked", ge.Message)
	}
}

// TestUndoIsRefusal: a 4xx that names a problem with the request is a
// refusal; a missing permission, not found, a timeout, throttling, a server
// error or no answer is not.
func TestUndoIsRefusal(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&Error{StatusCode: 400, Code: "badRequest"}, true},
		{fmt.Errorf("wrapped: %w", &Error{StatusCode: 409}), true},
		{&Error{StatusCode: 412}, true},
		{&Error{StatusCode: 401}, false},
		{&Error{StatusCode: 403}, false},
		{&Error{StatusCode: 404}, false},
		{&Error{StatusCode: 408}, false},
		{&Error{StatusCode: 429}, false},
		{&Error{StatusCode: 503}, false},
		{&TransportError{Operation: "delete", Write: true, Err: errors.New("reset")}, false},
		{errors.New("boom"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := IsRefusal(tt.err); got != tt.want {
			t.Errorf("IsRefusal(%v) = %v; want %v", tt.err, got, tt.want)
		}
	}
}
