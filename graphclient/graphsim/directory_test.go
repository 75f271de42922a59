package graphsim

import (
	"fmt"
	"net/http"
	"testing"
)

func TestSeededUsers(t *testing.T) {
	c := newSim(t, Options{Users: []User{
		{ID: "11111111-1111-1111-1111-111111111111", UserPrincipalName: "ready@contoso.com",
			Phones: map[string]string{TypeMobile: numA, TypeAlternateMobile: numB, TypeOffice: numC + "x5"}},
		{UserPrincipalName: "noauto@contoso.com", NoAutoRegister: true, Phones: map[string]string{TypeMobile: "+1 3105550100"}},
		{UserPrincipalName: "outside@contoso.com", SmsSignInDisallowed: true, Phones: map[string]string{TypeMobile: "+1 3105550101"}},
		{UserPrincipalName: "dup@contoso.com", Phones: map[string]string{TypeMobile: numA}},
		{UserPrincipalName: "empty@contoso.com", Phones: map[string]string{TypeOffice: ""}},
	}})
	tests := []struct {
		user      string
		wantTypes []string
		wantState string
	}{
		{"11111111-1111-1111-1111-111111111111", []string{TypeMobile, TypeAlternateMobile, TypeOffice}, StateReady},
		{"ready@contoso.com", []string{TypeMobile, TypeAlternateMobile, TypeOffice}, StateReady},
		{"noauto@contoso.com", []string{TypeMobile}, StateNotEnabled},
		{"outside@contoso.com", []string{TypeMobile}, StateNotAllowedByPolicy},
		{"dup@contoso.com", []string{TypeMobile}, StatePhoneNumberNotUnique},
		{"empty@contoso.com", nil, ""},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.user, func(t *testing.T) {
				c := c.with(t)
				ms := c.list(v, tt.user)
				var types []string
				for _, m := range ms {
					types = append(types, m.PhoneType)
				}
				if fmt.Sprint(types) != fmt.Sprint(tt.wantTypes) {
					t.Errorf("types: got %v; want %v", types, tt.wantTypes)
				}
				if st := c.state(v, tt.user); st != tt.wantState {
					t.Errorf("mobile state: got %q; want %q", st, tt.wantState)
				}
			})
		}
	}
}

func TestAddUserErrors(t *testing.T) {
	s := newServer(t, Options{Users: []User{{ID: "id-1", UserPrincipalName: "taken@contoso.com"}}})
	tests := []struct {
		name string
		user User
	}{
		{"duplicate id", User{ID: "id-1"}},
		{"duplicate id other case", User{ID: "ID-1"}},
		{"duplicate upn", User{UserPrincipalName: "taken@contoso.com"}},
		{"duplicate upn other case", User{UserPrincipalName: "TAKEN@Contoso.com"}},
		{"bad number", User{UserPrincipalName: "x@contoso.com", Phones: map[string]string{TypeMobile: "+12065550100"}}},
		{"bad office number", User{UserPrincipalName: "x@contoso.com", Phones: map[string]string{TypeOffice: "206-555-0100"}}},
		{"unknown type", User{UserPrincipalName: "x@contoso.com", Phones: map[string]string{"pager": numA}}},
		{"alternateMobile without mobile", User{UserPrincipalName: "x@contoso.com", Phones: map[string]string{TypeAlternateMobile: numA}}},
		// An id equal to another user's UPN would shadow that user: find
		// looks ids up first.
		{"id equal to another user's upn", User{ID: "taken@contoso.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.Users())
			if id, err := s.AddUser(tt.user); err == nil {
				t.Fatalf("AddUser: got id %q, nil error; want an error", id)
			}
			if after := len(s.Users()); after != before {
				t.Errorf("users after a refused AddUser: got %d; want %d", after, before)
			}
		})
	}
	t.Run("generated id", func(t *testing.T) {
		id, err := s.AddUser(User{UserPrincipalName: "fresh@contoso.com"})
		if err != nil || id == "" {
			t.Fatalf("AddUser: got %q, %v; want a generated id", id, err)
		}
		if _, ok := s.Methods(id); !ok {
			t.Errorf("Methods(%q): got not found; want the user", id)
		}
	})
	t.Run("options seed error", func(t *testing.T) {
		if s, err := NewServer(Options{Users: []User{{UserPrincipalName: "a@b"}, {UserPrincipalName: "A@B"}}}); err == nil {
			s.Close()
			t.Fatal("NewServer with duplicate seeds: got nil error; want an error")
		}
	})
}

func TestSetSmsSignInPolicy(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			c := newSim(t, Options{Users: []User{
				{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: numA}},
				{UserPrincipalName: upnB, NoAutoRegister: true, Phones: map[string]string{TypeMobile: numA}}}})
			if err := c.SetSmsSignInPolicy(upnA, false); err != nil {
				t.Fatalf("SetSmsSignInPolicy: %v", err)
			}
			if st := c.state(v, upnA); st != StateNotAllowedByPolicy {
				t.Errorf("ada out of policy: got %q; want %q", st, StateNotAllowedByPolicy)
			}
			// Taking ada out freed her number.
			wantStatus(t, "bob enable", c.sms(v, upnB, MobileMethodID, "enable"), http.StatusNoContent)
			if err := c.SetSmsSignInPolicy(upnA, true); err != nil {
				t.Fatalf("SetSmsSignInPolicy: %v", err)
			}
			if st := c.state(v, upnA); st != StateNotEnabled {
				t.Errorf("ada back in policy: got %q; want %q", st, StateNotEnabled)
			}
			wantError(t, "ada enable", c.sms(v, upnA, MobileMethodID, "enable"), http.StatusBadRequest, codeNotUnique)
			if err := c.SetSmsSignInPolicy("nobody@contoso.com", true); err == nil {
				t.Error("SetSmsSignInPolicy of an unknown user: got nil error; want an error")
			}
		})
	}
}
