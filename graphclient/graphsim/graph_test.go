package graphsim

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestUnknownSegment(t *testing.T) {
	c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA}}})
	paths := []string{
		"/v1.0/noSuchSegment",
		"/beta/noSuchSegment",
		"/v1.0/users/" + upnA + "/noSuchSegment",
		"/v1.0/users/" + upnA + "/authentication/noSuchSegment",
		"/beta/users/" + upnA + "/authentication/phoneMethods/" + MobileMethodID + "/noSuchSegment",
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			c := c.with(t)
			wantError(t, "GET", c.call(http.MethodGet, p, nil), http.StatusBadRequest, "")
		})
	}
}

func TestAuthentication(t *testing.T) {
	c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA}}})
	other := newSim(t, Options{TenantID: c.TenantID(), ClientID: c.ClientID(), ClientSecret: c.ClientSecret()})
	expired, err := c.IssueToken(c.ClientID(), -time.Minute)
	if err != nil {
		t.Fatalf("IssueToken: %v", err)
	}
	tests := []struct {
		name string
		auth string // the Authorization header; "" for none
	}{
		{"missing", ""},
		{"garbage", "Bearer garbage"},
		{"empty bearer", "Bearer "},
		{"basic scheme", "Basic " + c.token},
		{"raw token without scheme", c.token},
		{"tampered", "Bearer " + c.token[:len(c.token)-4] + "AAAA"},
		{"expired", "Bearer " + expired},
		{"other server", "Bearer " + other.token},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				c := c.with(t)
				var hdr []string
				if tt.auth != "" {
					hdr = []string{"Authorization", tt.auth}
				}
				r := c.callAs("", http.MethodGet, phonesPath(v, upnA), nil, hdr...)
				wantError(t, "list", r, http.StatusUnauthorized, "InvalidAuthenticationToken")
				r = c.callAs("", http.MethodPost, phonesPath(v, upnA), map[string]string{"phoneNumber": numA, "phoneType": TypeMobile}, hdr...)
				wantError(t, "create", r, http.StatusUnauthorized, "InvalidAuthenticationToken")
				if ms, _ := c.Methods(upnA); len(ms) != 0 {
					t.Errorf("after unauthenticated create: got %+v; want none", ms)
				}
			})
		}
	}
	t.Run("valid", func(t *testing.T) {
		c := c.with(t)
		wantStatus(t, "list", c.call(http.MethodGet, phonesPath("v1.0", upnA), nil), http.StatusOK)
		issued, err := c.IssueToken(c.ClientID(), time.Hour)
		if err != nil {
			t.Fatalf("IssueToken: %v", err)
		}
		wantStatus(t, "list with IssueToken", c.callAs(issued, http.MethodGet, phonesPath("v1.0", upnA), nil), http.StatusOK)
	})
}

// TestConcurrency runs many clients at once (meaningful under -race): distinct
// users never interfere, and a contested number ends up with exactly one SMS
// sign-in owner.
func TestConcurrency(t *testing.T) {
	const distinct, contested = 24, 16
	var users []User
	for i := range distinct {
		users = append(users, User{UserPrincipalName: fmt.Sprintf("d%d@contoso.com", i)})
	}
	for i := range contested {
		users = append(users, User{UserPrincipalName: fmt.Sprintf("c%d@contoso.com", i)})
		users = append(users, User{UserPrincipalName: fmt.Sprintf("e%d@contoso.com", i), NoAutoRegister: true,
			Phones: map[string]string{TypeMobile: fmt.Sprintf("+1 3605550100x%d", i)}})
	}
	c := newSim(t, Options{Users: users})

	var wg sync.WaitGroup
	var mu sync.Mutex
	enabled := 0
	errs := make(chan string, 4*(distinct+contested))
	for i := range distinct {
		wg.Go(func() {
			upn := fmt.Sprintf("d%d@contoso.com", i)
			v := versions[i%2]
			n := fmt.Sprintf("+1 425555%04d", i)
			r, err := c.send(c.token, http.MethodPost, phonesPath(v, upn), map[string]string{"phoneNumber": n, "phoneType": TypeMobile})
			if err != nil || r.Status != http.StatusCreated {
				errs <- fmt.Sprintf("create for %s: got %d %v; want 201", upn, r.Status, err)
				return
			}
			r, err = c.send(c.token, http.MethodPost, phonesPath(v, upn), map[string]string{"phoneNumber": n, "phoneType": TypeOffice})
			if err != nil || r.Status != http.StatusCreated {
				errs <- fmt.Sprintf("create office for %s: got %d %v; want 201", upn, r.Status, err)
			}
			r, err = c.send(c.token, http.MethodPost, methodPath(v, upn, MobileMethodID)+"/enableSmsSignIn", nil)
			if err != nil || r.Status != http.StatusNoContent {
				errs <- fmt.Sprintf("enable for %s: got %d %v; want 204", upn, r.Status, err)
			}
		})
	}
	for i := range contested {
		wg.Go(func() {
			upn := fmt.Sprintf("c%d@contoso.com", i)
			r, err := c.send(c.token, http.MethodPost, phonesPath("v1.0", upn), map[string]string{"phoneNumber": "+1 3605550100", "phoneType": TypeMobile})
			if err != nil || r.Status != http.StatusCreated {
				errs <- fmt.Sprintf("contested create for %s: got %d %v; want 201", upn, r.Status, err)
			}
		})
		wg.Go(func() {
			upn := fmt.Sprintf("e%d@contoso.com", i)
			r, err := c.send(c.token, http.MethodPost, methodPath("beta", upn, MobileMethodID)+"/enableSmsSignIn", nil)
			if err != nil {
				errs <- fmt.Sprintf("contested enable for %s: %v", upn, err)
				return
			}
			switch r.Status {
			case http.StatusNoContent:
				mu.Lock()
				enabled++
				mu.Unlock()
			case http.StatusBadRequest:
			default:
				errs <- fmt.Sprintf("contested enable for %s: got %d; want 204 or 400", upn, r.Status)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}

	for i := range distinct {
		upn := fmt.Sprintf("d%d@contoso.com", i)
		if m, _ := serverMobile(t, c.Server, upn); m.SmsSignInState != StateReady || m.PhoneNumber != fmt.Sprintf("+1 425555%04d", i) {
			t.Errorf("%s: got %+v; want its own number, ready", upn, m)
		}
	}
	owners := 0
	for i := range contested {
		for _, p := range []string{"c", "e"} {
			m, _ := serverMobile(t, c.Server, fmt.Sprintf("%s%d@contoso.com", p, i))
			if m.SmsSignInState == StateReady {
				owners++
			}
		}
	}
	if owners != 1 {
		t.Errorf("owners of the contested number: got %d; want exactly 1", owners)
	}
	if enabled > 1 {
		t.Errorf("successful contested enables: got %d; want at most 1", enabled)
	}
	if got, want := c.Count(RouteCreate, http.StatusCreated), 2*distinct+contested; got != want {
		t.Errorf("logged creates: got %d; want %d", got, want)
	}
}
