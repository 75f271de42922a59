package graphsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

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
