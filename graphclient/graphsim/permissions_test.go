package graphsim

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestPermissions(t *testing.T) {
	type op struct {
		name, method, path string
		body               any
		ok                 int
		perm               permission
	}
	ops := func(v string) []op {
		return []op{
			{"list", http.MethodGet, phonesPath(v, upnA), nil, http.StatusOK, permRead},
			{"get", http.MethodGet, methodPath(v, upnA, MobileMethodID), nil, http.StatusOK, permRead},
			{"create", http.MethodPost, phonesPath(v, upnA), map[string]string{"phoneNumber": numB, "phoneType": TypeAlternateMobile}, http.StatusCreated, permWrite},
			{"update", http.MethodPatch, methodPath(v, upnA, MobileMethodID), map[string]string{"phoneNumber": "+1 2065550177"}, http.StatusNoContent, permWrite},
			{"enable", http.MethodPost, methodPath(v, upnA, MobileMethodID) + "/enableSmsSignIn", nil, http.StatusNoContent, permSms},
			{"disable", http.MethodPost, methodPath(v, upnA, MobileMethodID) + "/disableSmsSignIn", nil, http.StatusNoContent, permSms},
			{"delete", http.MethodDelete, methodPath(v, upnA, OfficeMethodID), nil, http.StatusNoContent, permDelete},
		}
	}
	tests := []struct {
		name    string
		roles   []string
		knobs   Knobs
		allowed []permission
	}{
		{"ReadWrite.All", []string{RoleReadWriteAll}, Knobs{}, []permission{permRead, permWrite, permSms, permDelete}},
		{"ReadWrite.All, legacy rule", []string{RoleReadWriteAll}, Knobs{PhoneRoleLegacy: true}, []permission{permRead, permWrite, permSms, permDelete}},
		{"default roles", nil, Knobs{}, []permission{permRead, permWrite, permSms, permDelete}},
		// The current pages: the phone role does every step of run; delete
		// lists only UserAuthenticationMethod.ReadWrite.All.
		{"Phone.ReadWrite.All", []string{RolePhoneReadWriteAll}, Knobs{}, []permission{permRead, permWrite, permSms}},
		{"Phone.ReadWrite.All, legacy rule", []string{RolePhoneReadWriteAll}, Knobs{PhoneRoleLegacy: true}, []permission{permRead, permWrite}},
		{"Read.All", []string{RoleReadAll}, Knobs{}, []permission{permRead}},
		{"Read.All, legacy rule", []string{RoleReadAll}, Knobs{PhoneRoleLegacy: true}, []permission{permRead}},
		{"Phone.Read.All", []string{RolePhoneReadAll}, Knobs{}, []permission{permRead}},
		{"both read roles", []string{RoleReadAll, RolePhoneReadAll}, Knobs{}, []permission{permRead}},
		{"no roles", []string{}, Knobs{}, nil},
		{"unrelated role", []string{"User.Read.All"}, Knobs{}, nil},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				c := newSim(t, Options{Roles: tt.roles, Knobs: tt.knobs, Users: []User{{UserPrincipalName: upnA,
					Phones: map[string]string{TypeMobile: numA, TypeOffice: numC}}}})
				for _, o := range ops(v) {
					r := c.call(o.method, o.path, o.body)
					want := http.StatusForbidden
					for _, p := range tt.allowed {
						if p == o.perm {
							want = o.ok
						}
					}
					if want != http.StatusForbidden {
						wantStatus(t, o.name, r, want)
						continue
					}
					wantError(t, o.name, r, http.StatusForbidden, "Authorization_RequestDenied")
					if msg := r.graphErr(t).Error.Message; msg != "Insufficient privileges to complete the operation." {
						t.Errorf("%s message: got %q; want %q", o.name, msg, "Insufficient privileges to complete the operation.")
					}
				}
				// Denied writes change nothing.
				if !contains(tt.allowed, permWrite) {
					want := []PhoneMethod{
						{MobileMethodID, numA, TypeMobile, StateReady},
						{OfficeMethodID, numC, TypeOffice, StateNotSupported},
					}
					if ms, _ := c.Methods(upnA); fmt.Sprint(ms) != fmt.Sprint(want) {
						t.Errorf("methods after denied writes: got %+v; want %+v", ms, want)
					}
				}
			})
		}
	}
}

// TestPermissionsPerApplication: each application's token carries its own
// roles, and a token keeps the roles it was issued with.
func TestPermissionsPerApplication(t *testing.T) {
	c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA}, {UserPrincipalName: upnB}}})
	const readerID, readerSecret = "0f6a3c1e-2b7d-4e55-9a0c-5d1e2f3a4b5c", "reader~secret"
	if err := c.AddApplication(Application{ClientID: readerID, ClientSecret: readerSecret, Roles: []string{RolePhoneReadAll}}); err != nil {
		t.Fatalf("AddApplication: %v", err)
	}
	reader := credentialTokenFor(t, c.Server, readerID, readerSecret)
	wantStatus(t, "reader list", c.callAs(reader, http.MethodGet, phonesPath("v1.0", upnA), nil), http.StatusOK)
	wantError(t, "reader create", c.callAs(reader, http.MethodPost, phonesPath("v1.0", upnA),
		map[string]string{"phoneNumber": numA, "phoneType": TypeMobile}), http.StatusForbidden, "Authorization_RequestDenied")
	var readerLogged bool
	for _, q := range c.Requests() {
		readerLogged = readerLogged || (q.Route == RouteList && q.ClientID == readerID)
	}
	if !readerLogged {
		t.Errorf("request log: got no list by %s; want the reader's client id logged", readerID)
	}

	// Take the start application's grant away: its old token still writes, a
	// new one does not.
	if err := c.SetRoles(c.ClientID(), nil); err != nil {
		t.Fatalf("SetRoles: %v", err)
	}
	fresh, err := c.IssueToken(c.ClientID(), 0)
	if err != nil {
		t.Fatalf("IssueToken: %v", err)
	}
	wantError(t, "create with a token without roles", c.callAs(fresh, http.MethodPost, phonesPath("v1.0", upnB),
		map[string]string{"phoneNumber": numB, "phoneType": TypeMobile}), http.StatusForbidden, "Authorization_RequestDenied")
	wantStatus(t, "create with the earlier token", c.create("v1.0", upnA, TypeMobile, numA), http.StatusCreated)

	if err := c.SetRoles(readerID, []string{RolePhoneReadWriteAll}); err != nil {
		t.Fatalf("SetRoles: %v", err)
	}
	writer, err := c.IssueToken(readerID, time.Hour)
	if err != nil {
		t.Fatalf("IssueToken: %v", err)
	}
	wantStatus(t, "create with Phone.ReadWrite.All", c.callAs(writer, http.MethodPost, phonesPath("beta", upnB),
		map[string]string{"phoneNumber": numB, "phoneType": TypeMobile}), http.StatusCreated)
	wantError(t, "delete with Phone.ReadWrite.All", c.callAs(writer, http.MethodDelete, methodPath("beta", upnB, MobileMethodID), nil),
		http.StatusForbidden, "Authorization_RequestDenied")
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
