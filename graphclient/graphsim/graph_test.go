package graphsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	upnA = "ada@contoso.com"
	upnB = "bob@contoso.com"
	numA = "+1 2065550100"
	numB = "+1 2065550101"
	numC = "+44 2079460958"
)

func TestCreateMobile(t *testing.T) {
	tests := []struct {
		name      string
		user      User
		wantState string
	}{
		{"auto-registers", User{UserPrincipalName: upnA}, StateReady},
		{"no auto-register", User{UserPrincipalName: upnA, NoAutoRegister: true}, StateNotEnabled},
		{"policy disallows", User{UserPrincipalName: upnA, SmsSignInDisallowed: true}, StateNotAllowedByPolicy},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				c := newSim(t, Options{Users: []User{tt.user}})
				r := c.create(v, upnA, TypeMobile, numA)
				wantStatus(t, "create", r, http.StatusCreated)
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type: got %q; want application/json…", ct)
				}
				got := r.method(t)
				want := wireMethod{
					ODataType: "#microsoft.graph.phoneAuthenticationMethod", ID: "3179e48a-750b-4051-897c-87b9720928f7",
					PhoneNumber: numA, PhoneType: TypeMobile, SmsSignInState: tt.wantState,
				}
				if got != want {
					t.Errorf("create: got %+v; want %+v", got, want)
				}
				if st := c.state(v, upnA); st != tt.wantState {
					t.Errorf("listed state: got %q; want %q", st, tt.wantState)
				}
			})
		}
	}
}

func TestCreateNonMobile(t *testing.T) {
	tests := []struct {
		name      string
		phoneType string
		wantID    string
	}{
		{"alternateMobile", TypeAlternateMobile, "b6332ec1-7057-4abe-9331-3d72feddfe41"},
		{"office", TypeOffice, "e37fc753-ff3b-4958-9484-eaa9425c82bc"},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: numA}}}})
				r := c.create(v, upnA, tt.phoneType, numB+"x12")
				wantStatus(t, "create", r, http.StatusCreated)
				got := r.method(t)
				want := wireMethod{ODataType: "#microsoft.graph.phoneAuthenticationMethod", ID: tt.wantID,
					PhoneNumber: numB + "x12", PhoneType: tt.phoneType, SmsSignInState: StateNotSupported}
				if got != want {
					t.Errorf("create: got %+v; want %+v", got, want)
				}
			})
		}
	}
}

func TestListAndGet(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA}}})

			r := c.call(http.MethodGet, phonesPath(v, upnA), nil)
			wantStatus(t, "list empty", r, http.StatusOK)
			var raw map[string]json.RawMessage
			r.decode(t, &raw)
			if got := strings.TrimSpace(string(raw["value"])); got != "[]" {
				t.Errorf("empty list value: got %s; want []", got)
			}

			// Created out of order; Graph lists mobile, alternateMobile, office.
			c.mustCreate(v, upnA, TypeMobile, numA)
			c.mustCreate(v, upnA, TypeOffice, numC)
			c.mustCreate(v, upnA, TypeAlternateMobile, numB)
			got := c.list(v, upnA)
			want := []wireMethod{
				{"#microsoft.graph.phoneAuthenticationMethod", MobileMethodID, numA, TypeMobile, StateReady},
				{"#microsoft.graph.phoneAuthenticationMethod", AlternateMobileMethodID, numB, TypeAlternateMobile, StateNotSupported},
				{"#microsoft.graph.phoneAuthenticationMethod", OfficeMethodID, numC, TypeOffice, StateNotSupported},
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("list: got %+v; want %+v", got, want)
			}
			for _, w := range want {
				r := c.call(http.MethodGet, methodPath(v, upnA, w.ID), nil)
				wantStatus(t, "get "+w.PhoneType, r, http.StatusOK)
				if g := r.method(t); g != w {
					t.Errorf("get %s: got %+v; want %+v", w.PhoneType, g, w)
				}
			}
		})
	}
}

func TestNumberFormat(t *testing.T) {
	tests := []struct {
		number string
		ok     bool
	}{
		{"+1 2065550100", true},
		{"+1 2065550100x123", true},
		{"+44 2079460958", true},
		{"+1 5555551234", true},
		{"+12065550100", false},
		{"2065550100", false},
		{"+1 (206) 555-0100", false},
		{"+1 206-555-0100", false},
		{"+1 206 555 0100", false},
		{"", false},
		{"+1 2065550100 x1", false},
		{"+1 2065550100x", false},
		{"+1 2065550100 ", false},
		{" +1 2065550100", false},
		{"+1  2065550100", false},
		{"1 2065550100", false},
		{"+ 2065550100", false},
		{"+1 2065550100ext123", false},
		{"+1 20655501OO", false},
		{"+1 ２０６５５５０１００", false},
		{"tel:+1 2065550100", false},
		{"+1 2065550100\n", false},
	}
	for _, v := range versions {
		for _, op := range []string{"create", "update"} {
			c := newSim(t, Options{})
			for i, tt := range tests {
				t.Run(fmt.Sprintf("%s/%s/%q", v, op, tt.number), func(t *testing.T) {
					c := c.with(t)
					user := mustAddUser(t, c.Server, User{UserPrincipalName: fmt.Sprintf("u%d@contoso.com", i)})
					before := ""
					var r response
					if op == "create" {
						r = c.create(v, user, TypeMobile, tt.number)
					} else {
						before = fmt.Sprintf("+1 42555501%02d", i)
						c.mustCreate(v, user, TypeMobile, before)
						r = c.call(http.MethodPatch, methodPath(v, user, MobileMethodID), map[string]string{"phoneNumber": tt.number})
					}
					want := before
					if tt.ok {
						want = tt.number
						wantStatus(t, op, r, map[string]int{"create": http.StatusCreated, "update": http.StatusNoContent}[op])
					} else {
						wantError(t, op, r, http.StatusBadRequest, "")
					}
					m, _ := serverMobile(t, c.Server, user)
					if m.PhoneNumber != want {
						t.Errorf("stored number: got %q; want %q", m.PhoneNumber, want)
					}
				})
			}
		}
	}
}

func TestOnePhonePerType(t *testing.T) {
	tests := []struct {
		name       string
		knobs      Knobs
		phoneType  string
		wantStatus int
	}{
		{"mobile default", Knobs{}, TypeMobile, http.StatusBadRequest},
		{"office default", Knobs{}, TypeOffice, http.StatusBadRequest},
		{"alternateMobile default", Knobs{}, TypeAlternateMobile, http.StatusBadRequest},
		{"mobile conflict knob", Knobs{DuplicateTypeConflict: true}, TypeMobile, http.StatusConflict},
		{"office conflict knob", Knobs{DuplicateTypeConflict: true}, TypeOffice, http.StatusConflict},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				c := newSim(t, Options{Knobs: tt.knobs, Users: []User{{UserPrincipalName: upnA,
					Phones: map[string]string{TypeMobile: numA, TypeAlternateMobile: numB, TypeOffice: numC}}}})
				r := c.create(v, upnA, tt.phoneType, "+1 4255550123")
				wantError(t, "second "+tt.phoneType, r, tt.wantStatus, "")
				ms, _ := c.Methods(upnA)
				for _, m := range ms {
					if m.PhoneNumber == "+1 4255550123" {
						t.Errorf("after refused create: got %s %q stored; want the original number", m.PhoneType, m.PhoneNumber)
					}
				}
			})
		}
	}
}

func TestAlternateMobileNeedsMobile(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA}}})
			r := c.create(v, upnA, TypeAlternateMobile, numB)
			wantError(t, "alternateMobile without mobile", r, http.StatusBadRequest, "")
			if ms, _ := c.Methods(upnA); len(ms) != 0 {
				t.Fatalf("after refused create: got %+v; want no methods", ms)
			}

			c.mustCreate(v, upnA, TypeMobile, numA)
			c.mustCreate(v, upnA, TypeAlternateMobile, numB)

			r = c.call(http.MethodDelete, methodPath(v, upnA, MobileMethodID), nil)
			wantError(t, "delete mobile with alternateMobile", r, http.StatusBadRequest, "")
			if _, ok := serverMobile(t, c.Server, upnA); !ok {
				t.Fatal("after refused delete: got no mobile; want it kept")
			}

			r = c.call(http.MethodDelete, methodPath(v, upnA, AlternateMobileMethodID), nil)
			wantStatus(t, "delete alternateMobile", r, http.StatusNoContent)
			r = c.call(http.MethodDelete, methodPath(v, upnA, MobileMethodID), nil)
			wantStatus(t, "delete mobile", r, http.StatusNoContent)
			if len(r.Body) != 0 {
				t.Errorf("delete body: got %q; want empty", r.Body)
			}
			if ms := c.list(v, upnA); len(ms) != 0 {
				t.Errorf("list after deletes: got %+v; want none", ms)
			}
		})
	}
}

func TestBadBodies(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"smsSignInState on mobile", `{"phoneNumber":"+1 2065550100","phoneType":"mobile","smsSignInState":"ready"}`},
		{"smsSignInState null", `{"phoneNumber":"+1 2065550100","phoneType":"mobile","smsSignInState":null}`},
		{"unknown property", `{"phoneNumber":"+1 2065550100","phoneType":"mobile","displayName":"x"}`},
		{"malformed JSON", `{"phoneNumber":"+1 2065550100",`},
		{"not an object", `["+1 2065550100"]`},
		{"empty body", ``},
		{"number not a string", `{"phoneNumber":12065550100,"phoneType":"mobile"}`},
		{"wrong odata type", `{"@odata.type":"#microsoft.graph.emailAuthenticationMethod","phoneNumber":"+1 2065550100","phoneType":"mobile"}`},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				c := newSim(t, Options{Users: []User{
					{UserPrincipalName: upnA},
					{UserPrincipalName: upnB, Phones: map[string]string{TypeMobile: numB}},
				}})
				r := c.call(http.MethodPost, phonesPath(v, upnA), tt.body)
				wantError(t, "create", r, http.StatusBadRequest, "")
				if ms, _ := c.Methods(upnA); len(ms) != 0 {
					t.Errorf("after refused create: got %+v; want no methods", ms)
				}
				r = c.call(http.MethodPatch, methodPath(v, upnB, MobileMethodID), strings.Replace(tt.body, "+1 2065550100", "+1 2065550111", 1))
				wantError(t, "update", r, http.StatusBadRequest, "")
				if m, _ := serverMobile(t, c.Server, upnB); m.PhoneNumber != numB {
					t.Errorf("after refused update: got number %q; want %q", m.PhoneNumber, numB)
				}
			})
		}
	}
}

func TestCreateMissingFields(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"no type", `{"phoneNumber":"+1 2065550100"}`},
		{"no number", `{"phoneType":"mobile"}`},
		{"unknown type", `{"phoneNumber":"+1 2065550100","phoneType":"pager"}`},
		{"empty object", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA}}})
			wantError(t, "create", c.call(http.MethodPost, phonesPath("v1.0", upnA), tt.body), http.StatusBadRequest, "")
		})
	}
}

func TestUpdate(t *testing.T) {
	tests := []struct {
		name       string
		knobs      Knobs
		wantStatus int
	}{
		{"default 204", Knobs{}, http.StatusNoContent},
		{"legacy 200", Knobs{Legacy200: true}, http.StatusOK},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				c := newSim(t, Options{Knobs: tt.knobs, Users: []User{{UserPrincipalName: upnA,
					Phones: map[string]string{TypeMobile: numA, TypeOffice: numC}}}})
				for _, m := range []struct{ id, typ, number string }{
					{MobileMethodID, TypeMobile, numB},
					{OfficeMethodID, TypeOffice, "+44 2079460959x7"},
				} {
					r := c.call(http.MethodPatch, methodPath(v, upnA, m.id), map[string]string{"phoneNumber": m.number})
					wantStatus(t, "update "+m.typ, r, tt.wantStatus)
					if tt.wantStatus == http.StatusNoContent && len(r.Body) != 0 {
						t.Errorf("update %s body: got %q; want empty", m.typ, r.Body)
					}
					if tt.wantStatus == http.StatusOK {
						if got := r.method(t); got.PhoneNumber != m.number || got.ID != m.id || got.PhoneType != m.typ {
							t.Errorf("update %s body: got %+v; want the updated object", m.typ, got)
						}
					}
					g := c.call(http.MethodGet, methodPath(v, upnA, m.id), nil).method(t)
					if g.PhoneNumber != m.number {
						t.Errorf("number after update %s: got %q; want %q", m.typ, g.PhoneNumber, m.number)
					}
				}
			})
		}
	}
}

func TestUpdateCannotChangeType(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
	}{
		{"mobile to office", `{"phoneNumber":"+1 2065550199","phoneType":"office"}`, http.StatusBadRequest},
		{"mobile to alternateMobile", `{"phoneNumber":"+1 2065550199","phoneType":"alternateMobile"}`, http.StatusBadRequest},
		{"same type", `{"phoneNumber":"+1 2065550199","phoneType":"mobile"}`, http.StatusNoContent},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: numA}}}})
				r := c.call(http.MethodPatch, methodPath(v, upnA, MobileMethodID), tt.body)
				wantStatus(t, "update", r, tt.wantStatus)
				ms, _ := c.Methods(upnA)
				if len(ms) != 1 || ms[0].PhoneType != TypeMobile {
					t.Errorf("methods after update: got %+v; want one mobile", ms)
				}
			})
		}
	}
}

func TestMissingMethod(t *testing.T) {
	type op struct {
		name, method, suffix string
		body                 any
	}
	ops := []op{
		{"get", http.MethodGet, "", nil},
		{"update", http.MethodPatch, "", map[string]string{"phoneNumber": numB}},
		{"delete", http.MethodDelete, "", nil},
		{"enable", http.MethodPost, "/enableSmsSignIn", nil},
		{"disable", http.MethodPost, "/disableSmsSignIn", nil},
	}
	ids := []struct {
		name, id string
	}{
		{"absent mobile", MobileMethodID},
		{"absent alternateMobile", AlternateMobileMethodID},
		{"unknown id", "00000000-0000-0000-0000-000000000000"},
		{"not a guid", "mobile"},
	}
	c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA, Phones: map[string]string{TypeOffice: numC}}}})
	for _, v := range versions {
		for _, id := range ids {
			for _, o := range ops {
				t.Run(v+"/"+id.name+"/"+o.name, func(t *testing.T) {
					c := c.with(t)
					r := c.call(o.method, methodPath(v, upnA, id.id)+o.suffix, o.body)
					wantError(t, o.name, r, http.StatusNotFound, "")
				})
			}
		}
	}
}

func TestEnableSmsSignIn(t *testing.T) {
	for _, v := range versions {
		t.Run(v+"/enable then ready", func(t *testing.T) {
			c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA, NoAutoRegister: true, Phones: map[string]string{TypeMobile: numA}}}})
			if st := c.state(v, upnA); st != StateNotEnabled {
				t.Fatalf("seeded state: got %q; want %q", st, StateNotEnabled)
			}
			r := c.sms(v, upnA, MobileMethodID, "enable")
			wantStatus(t, "enable", r, http.StatusNoContent)
			if st := c.state(v, upnA); st != StateReady {
				t.Errorf("state after enable: got %q; want %q", st, StateReady)
			}
			writes := c.Writes()
			r = c.sms(v, upnA, MobileMethodID, "enable")
			wantStatus(t, "enable again", r, http.StatusNoContent)
			if got := c.Writes(); got != writes {
				t.Errorf("writes after enabling a ready mobile: got %d; want %d (no change)", got, writes)
			}
			if st := c.state(v, upnA); st != StateReady {
				t.Errorf("state after enable again: got %q; want %q", st, StateReady)
			}
		})
		t.Run(v+"/legacy 200", func(t *testing.T) {
			c := newSim(t, Options{Knobs: Knobs{Legacy200: true}, Users: []User{{UserPrincipalName: upnA, NoAutoRegister: true, Phones: map[string]string{TypeMobile: numA}}}})
			wantStatus(t, "enable", c.sms(v, upnA, MobileMethodID, "enable"), http.StatusOK)
			if st := c.state(v, upnA); st != StateReady {
				t.Errorf("state after enable: got %q; want %q", st, StateReady)
			}
		})
		for _, id := range []string{AlternateMobileMethodID, OfficeMethodID} {
			t.Run(v+"/not a mobile "+id, func(t *testing.T) {
				c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA,
					Phones: map[string]string{TypeMobile: numA, TypeAlternateMobile: numB, TypeOffice: numC}}}})
				wantError(t, "enable", c.sms(v, upnA, id, "enable"), http.StatusBadRequest, "")
				wantError(t, "disable", c.sms(v, upnA, id, "disable"), http.StatusBadRequest, "")
			})
		}
		t.Run(v+"/no mobile", func(t *testing.T) {
			c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA, Phones: map[string]string{TypeOffice: numC}}}})
			wantError(t, "enable", c.sms(v, upnA, MobileMethodID, "enable"), http.StatusNotFound, "")
		})
	}
}

// TestSmsRefusal covers every SmsRefusal style for both documented reasons.
func TestSmsRefusal(t *testing.T) {
	type want struct {
		code  string // "" means a plain code that names neither reason
		state string
	}
	tests := []struct {
		name      string
		style     SmsRefusalStyle
		policy    want
		notUnique want
	}{
		{"state-and-code", RefusalStateAndCode, want{"notAllowedByPolicy", StateNotAllowedByPolicy}, want{"phoneNumberNotUnique", StatePhoneNumberNotUnique}},
		{"default", "", want{"notAllowedByPolicy", StateNotAllowedByPolicy}, want{"phoneNumberNotUnique", StatePhoneNumberNotUnique}},
		{"state", RefusalStateOnly, want{"", StateNotAllowedByPolicy}, want{"", StatePhoneNumberNotUnique}},
		{"code", RefusalCodeOnly, want{"notAllowedByPolicy", StateNotEnabled}, want{"phoneNumberNotUnique", StateNotEnabled}},
		{"silent", RefusalSilent, want{"", StateNotEnabled}, want{"", StateNotEnabled}},
	}
	check := func(t *testing.T, r response, w want) {
		t.Helper()
		wantStatus(t, "enable", r, http.StatusBadRequest)
		code := r.graphErr(t).Error.Code
		if w.code != "" && code != w.code {
			t.Errorf("code: got %q; want %q", code, w.code)
		}
		if w.code == "" && (code == "notAllowedByPolicy" || code == "phoneNumberNotUnique" || code == "") {
			t.Errorf("code: got %q; want a plain code that does not name the reason", code)
		}
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name+"/policy", func(t *testing.T) {
				c := newSim(t, Options{Knobs: Knobs{SmsRefusal: tt.style}, Users: []User{
					{UserPrincipalName: upnA, SmsSignInDisallowed: true, Phones: map[string]string{TypeMobile: numA}}}})
				check(t, c.sms(v, upnA, MobileMethodID, "enable"), tt.policy)
				if st := c.state(v, upnA); st != tt.policy.state {
					t.Errorf("state: got %q; want %q", st, tt.policy.state)
				}
			})
			t.Run(v+"/"+tt.name+"/not unique", func(t *testing.T) {
				// bob's number differs from ada's only by spacing and an
				// extension: the SMS sign-in system sees the same number.
				c := newSim(t, Options{Knobs: Knobs{SmsRefusal: tt.style}, Users: []User{
					{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: "+1 2065550100"}},
					{UserPrincipalName: upnB, NoAutoRegister: true, Phones: map[string]string{TypeMobile: "+12 065550100x77"}}}})
				if st := c.state(v, upnA); st != StateReady {
					t.Fatalf("ada's state: got %q; want %q", st, StateReady)
				}
				check(t, c.sms(v, upnB, MobileMethodID, "enable"), tt.notUnique)
				if st := c.state(v, upnB); st != tt.notUnique.state {
					t.Errorf("bob's state: got %q; want %q", st, tt.notUnique.state)
				}
				if st := c.state(v, upnA); st != StateReady {
					t.Errorf("ada's state: got %q; want %q", st, StateReady)
				}
			})
		}
	}
}

func TestDisableSmsSignIn(t *testing.T) {
	for _, v := range versions {
		t.Run(v+"/frees the number", func(t *testing.T) {
			c := newSim(t, Options{Users: []User{
				{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: numA}},
				{UserPrincipalName: upnB, NoAutoRegister: true, Phones: map[string]string{TypeMobile: numA + "x1"}}}})
			wantError(t, "bob enable while ada holds it", c.sms(v, upnB, MobileMethodID, "enable"), http.StatusBadRequest, "")
			r := c.sms(v, upnA, MobileMethodID, "disable")
			wantStatus(t, "disable", r, http.StatusNoContent)
			if st := c.state(v, upnA); st != StateNotEnabled {
				t.Errorf("ada's state after disable: got %q; want %q", st, StateNotEnabled)
			}
			wantStatus(t, "disable again", c.sms(v, upnA, MobileMethodID, "disable"), http.StatusNoContent)
			wantStatus(t, "bob enable", c.sms(v, upnB, MobileMethodID, "enable"), http.StatusNoContent)
			if st := c.state(v, upnB); st != StateReady {
				t.Errorf("bob's state: got %q; want %q", st, StateReady)
			}
			wantError(t, "ada enable while bob holds it", c.sms(v, upnA, MobileMethodID, "enable"), http.StatusBadRequest, codeNotUnique)
		})
		t.Run(v+"/legacy200 leaves disable at 204", func(t *testing.T) {
			// GRAPH.md: disableSmsSignIn answers 204; only update and
			// enableSmsSignIn have an older 200 variant (Knobs.Legacy200's doc).
			c := newSim(t, Options{Knobs: Knobs{Legacy200: true}, Users: []User{{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: numA}}}})
			r := c.sms(v, upnA, MobileMethodID, "disable")
			wantStatus(t, "disable", r, http.StatusNoContent)
		})
	}
}

func TestAutomaticRegistration(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA}, {UserPrincipalName: upnB}}})
			if m := c.mustCreate(v, upnA, TypeMobile, numA); m.SmsSignInState != StateReady {
				t.Fatalf("ada's create: got state %q; want %q", m.SmsSignInState, StateReady)
			}
			// bob's mobile collides: created, not registered.
			r := c.create(v, upnB, TypeMobile, numA)
			wantStatus(t, "bob's colliding create", r, http.StatusCreated)
			if got := r.method(t).SmsSignInState; got != StatePhoneNumberNotUnique {
				t.Errorf("bob's colliding create: got state %q; want %q", got, StatePhoneNumberNotUnique)
			}
			// A PATCH to a free number registers it.
			wantStatus(t, "bob's patch", c.call(http.MethodPatch, methodPath(v, upnB, MobileMethodID), map[string]string{"phoneNumber": numB}), http.StatusNoContent)
			if st := c.state(v, upnB); st != StateReady {
				t.Errorf("bob after patch to a free number: got %q; want %q", st, StateReady)
			}
			// ada moves to another number: her old one is freed, so bob can take it.
			wantStatus(t, "ada's patch", c.call(http.MethodPatch, methodPath(v, upnA, MobileMethodID), map[string]string{"phoneNumber": numC}), http.StatusNoContent)
			if st := c.state(v, upnA); st != StateReady {
				t.Errorf("ada after patch: got %q; want %q", st, StateReady)
			}
			wantStatus(t, "bob's patch back", c.call(http.MethodPatch, methodPath(v, upnB, MobileMethodID), map[string]string{"phoneNumber": numA}), http.StatusNoContent)
			if st := c.state(v, upnB); st != StateReady {
				t.Errorf("bob after patch to ada's old number: got %q; want %q", st, StateReady)
			}
			// A PATCH that collides marks the state.
			wantStatus(t, "ada's colliding patch", c.call(http.MethodPatch, methodPath(v, upnA, MobileMethodID), map[string]string{"phoneNumber": numA + "x9"}), http.StatusNoContent)
			if st := c.state(v, upnA); st != StatePhoneNumberNotUnique {
				t.Errorf("ada after colliding patch: got %q; want %q", st, StatePhoneNumberNotUnique)
			}
		})
	}
}

func TestDeleteMobileFreesNumber(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			c := newSim(t, Options{Users: []User{
				{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: numA}},
				{UserPrincipalName: upnB}}})
			wantStatus(t, "delete", c.call(http.MethodDelete, methodPath(v, upnA, MobileMethodID), nil), http.StatusNoContent)
			if m := c.mustCreate(v, upnB, TypeMobile, numA); m.SmsSignInState != StateReady {
				t.Errorf("bob's create of ada's deleted number: got state %q; want %q", m.SmsSignInState, StateReady)
			}
		})
	}
}

func TestQuirks(t *testing.T) {
	for _, v := range versions {
		t.Run(v+"/create200", func(t *testing.T) {
			c := newSim(t, Options{Knobs: Knobs{Create200: true}, Users: []User{{UserPrincipalName: upnA}}})
			r := c.create(v, upnA, TypeMobile, numA)
			wantStatus(t, "create", r, http.StatusOK)
			if m := r.method(t); m.ID != MobileMethodID || m.PhoneNumber != numA {
				t.Errorf("create body: got %+v; want the mobile", m)
			}
		})
		for _, op := range []string{"create", "update"} {
			t.Run(v+"/not unique conflict on "+op, func(t *testing.T) {
				c := newSim(t, Options{Knobs: Knobs{NotUniqueConflict: true}, Users: []User{
					{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: numA}},
					{UserPrincipalName: upnB, Phones: map[string]string{TypeMobile: numB}}}})
				var r response
				if op == "create" {
					wantStatus(t, "delete bob's mobile", c.call(http.MethodDelete, methodPath(v, upnB, MobileMethodID), nil), http.StatusNoContent)
					r = c.create(v, upnB, TypeMobile, numA)
				} else {
					r = c.call(http.MethodPatch, methodPath(v, upnB, MobileMethodID), map[string]string{"phoneNumber": numA})
				}
				wantError(t, op, r, http.StatusConflict, "phoneNumberNotUnique")
				ms := c.list(v, upnB)
				if len(ms) != 1 || ms[0].PhoneNumber != numA || ms[0].SmsSignInState != StatePhoneNumberNotUnique {
					t.Errorf("bob's methods after 409: got %+v; want the mobile %s in state %s", ms, numA, StatePhoneNumberNotUnique)
				}
			})
		}
		t.Run(v+"/not unique without knob", func(t *testing.T) {
			c := newSim(t, Options{Users: []User{
				{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: numA}},
				{UserPrincipalName: upnB}}})
			r := c.create(v, upnB, TypeMobile, numA)
			wantStatus(t, "create", r, http.StatusCreated)
			if got := r.method(t).SmsSignInState; got != StatePhoneNumberNotUnique {
				t.Errorf("state: got %q; want %q", got, StatePhoneNumberNotUnique)
			}
		})
	}
}

func TestUserAddressing(t *testing.T) {
	upns := []string{
		"ada@contoso.com",
		"o'brien#ext#@contoso.com",
		"50%off@contoso.com",
		"a/b@contoso.com",
		"plus+tag@contoso.com",
		"with space@contoso.com",
		"josé.müller@contoso.com",
		"名前@contoso.com",
		"q?x=1&y@contoso.com",
	}
	for _, v := range versions {
		for _, upn := range upns {
			t.Run(v+"/"+upn, func(t *testing.T) {
				c := newSim(t, Options{})
				id := mustAddUser(t, c.Server, User{UserPrincipalName: upn})
				m := c.mustCreate(v, upn, TypeMobile, numA)
				if m.ID != MobileMethodID {
					t.Fatalf("create: got id %q; want %q", m.ID, MobileMethodID)
				}
				for _, key := range []string{upn, strings.ToUpper(upn), id, strings.ToUpper(id)} {
					ms := c.list(v, key)
					if len(ms) != 1 || ms[0].PhoneNumber != numA {
						t.Errorf("list by %q: got %+v; want the mobile", key, ms)
					}
				}
				if ms, ok := c.Methods(upn); !ok || len(ms) != 1 {
					t.Errorf("Methods(%q): got %+v, %v; want the mobile", upn, ms, ok)
				}
			})
		}
	}
}

func TestUnknownUser(t *testing.T) {
	ops := []struct {
		name, method, path string
		body               any
	}{
		{"list", http.MethodGet, "", nil},
		{"create", http.MethodPost, "", map[string]string{"phoneNumber": numA, "phoneType": TypeMobile}},
		{"get", http.MethodGet, "/" + MobileMethodID, nil},
		{"update", http.MethodPatch, "/" + MobileMethodID, map[string]string{"phoneNumber": numA}},
		{"delete", http.MethodDelete, "/" + MobileMethodID, nil},
		{"enable", http.MethodPost, "/" + MobileMethodID + "/enableSmsSignIn", nil},
		{"disable", http.MethodPost, "/" + MobileMethodID + "/disableSmsSignIn", nil},
	}
	for _, v := range versions {
		for _, o := range ops {
			t.Run(v+"/"+o.name, func(t *testing.T) {
				c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA}}})
				r := c.call(o.method, phonesPath(v, "nobody@contoso.com")+o.path, o.body)
				wantError(t, o.name, r, http.StatusNotFound, "Request_ResourceNotFound")
				if _, ok := c.Methods("nobody@contoso.com"); ok {
					t.Error("unknown user: got created; want not")
				}
			})
		}
	}
}

func TestAutoCreateUsers(t *testing.T) {
	tests := []struct {
		name, key string
	}{
		{"upn", "new.user@contoso.com"},
		{"object id", "6a1f0c55-8f3e-4f51-9d43-2b0c4d3e9a11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newSim(t, Options{AutoCreateUsers: true})
			if ms := c.list("v1.0", tt.key); len(ms) != 0 {
				t.Fatalf("new user's list: got %+v; want empty", ms)
			}
			if m := c.mustCreate("v1.0", tt.key, TypeMobile, numA); m.SmsSignInState != StateReady {
				t.Errorf("auto-created user's mobile: got state %q; want %q (policy allows, auto-registers)", m.SmsSignInState, StateReady)
			}
			if ms, ok := c.Methods(strings.ToUpper(tt.key)); !ok || len(ms) != 1 {
				t.Errorf("Methods(%q): got %+v, %v; want the mobile", tt.key, ms, ok)
			}
			if n := len(c.Users()); n != 1 {
				t.Errorf("users: got %d; want 1", n)
			}
		})
	}
}

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

func TestErrorShape(t *testing.T) {
	c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA}}})
	tests := []struct {
		name, method, path string
		token              string
		hdr                []string
		wantStatus         int
	}{
		{"404 with client id", http.MethodGet, phonesPath("v1.0", "nobody@contoso.com"), c.token, []string{"client-request-id", "5f0c7a84-5e5e-4c89-a1c0-1b6f7d0f1a2b"}, http.StatusNotFound},
		{"404 without client id", http.MethodGet, phonesPath("beta", "nobody@contoso.com"), c.token, nil, http.StatusNotFound},
		{"400 bad body", http.MethodPost, phonesPath("v1.0", upnA), c.token, []string{"client-request-id", "c-1"}, http.StatusBadRequest},
		{"401", http.MethodGet, phonesPath("v1.0", upnA), "", []string{"client-request-id", "c-2"}, http.StatusUnauthorized},
		{"400 unknown segment", http.MethodGet, "/v1.0/groups", c.token, []string{"client-request-id", "c-3"}, http.StatusBadRequest},
	}
	dateRe := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := c.with(t)
			var body any
			if tt.method == http.MethodPost {
				body = `{"phoneNumber":"nope","phoneType":"mobile"}`
			}
			r := c.callAs(tt.token, tt.method, tt.path, body, tt.hdr...)
			wantStatus(t, "request", r, tt.wantStatus)
			// The exact key set, as Graph spells it.
			var raw map[string]map[string]json.RawMessage
			r.decode(t, &raw)
			for _, k := range []string{"code", "message", "innerError"} {
				if _, ok := raw["error"][k]; !ok {
					t.Errorf("error body %s: got no %q; want it", r.Body, k)
				}
			}
			var inner map[string]string
			if err := json.Unmarshal(raw["error"]["innerError"], &inner); err != nil {
				t.Fatalf("innerError: %v", err)
			}
			for _, k := range []string{"date", "request-id", "client-request-id"} {
				if inner[k] == "" {
					t.Errorf("innerError %v: got no %q; want it", inner, k)
				}
			}
			if !dateRe.MatchString(inner["date"]) {
				t.Errorf("innerError date: got %q; want an ISO 8601 time", inner["date"])
			}
			if got, want := inner["request-id"], r.Header.Get("request-id"); got != want || want == "" {
				t.Errorf("innerError request-id: got %q; want the request-id header %q", got, want)
			}
			if got, want := inner["client-request-id"], r.Header.Get("client-request-id"); got != want {
				t.Errorf("innerError client-request-id: got %q; want the header %q", got, want)
			}
			if len(tt.hdr) == 2 && r.Header.Get("client-request-id") != tt.hdr[1] {
				t.Errorf("client-request-id header: got %q; want the echo %q", r.Header.Get("client-request-id"), tt.hdr[1])
			}
			if r.Header.Get("x-ms-ags-diagnostic") == "" {
				t.Error("x-ms-ags-diagnostic: got none; want it")
			}
		})
	}
}

func TestRequestIDs(t *testing.T) {
	c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA}}})
	seen := map[string]bool{}
	for i := range 5 {
		crid := fmt.Sprintf("client-%d", i)
		r := c.call(http.MethodGet, phonesPath("v1.0", upnA), nil, "client-request-id", crid)
		wantStatus(t, "list", r, http.StatusOK)
		rid := r.Header.Get("request-id")
		if rid == "" || seen[rid] {
			t.Errorf("request %d: got request-id %q; want a fresh one", i, rid)
		}
		seen[rid] = true
		if got := r.Header.Get("client-request-id"); got != crid {
			t.Errorf("client-request-id: got %q; want %q", got, crid)
		}
		if r.ProtoMajor != 2 {
			t.Errorf("protocol: got HTTP/%d; want HTTP/2", r.ProtoMajor)
		}
	}
	reqs := c.Requests()
	var logged int
	for _, q := range reqs {
		if q.Route == RouteList {
			logged++
			if !seen[q.RequestID] || !strings.HasPrefix(q.ClientRequestID, "client-") {
				t.Errorf("logged request: got request-id %q client-request-id %q; want the ones sent", q.RequestID, q.ClientRequestID)
			}
			if q.ClientID != c.ClientID() {
				t.Errorf("logged client id: got %q; want %q", q.ClientID, c.ClientID())
			}
		}
	}
	if logged != 5 {
		t.Errorf("logged list requests: got %d; want 5", logged)
	}
}

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
			{"enable", http.MethodPost, methodPath(v, upnA, MobileMethodID) + "/enableSmsSignIn", nil, http.StatusNoContent, permManage},
			{"disable", http.MethodPost, methodPath(v, upnA, MobileMethodID) + "/disableSmsSignIn", nil, http.StatusNoContent, permManage},
			{"delete", http.MethodDelete, methodPath(v, upnA, OfficeMethodID), nil, http.StatusNoContent, permManage},
		}
	}
	tests := []struct {
		name    string
		roles   []string
		knobs   Knobs
		allowed []permission
	}{
		{"ReadWrite.All", []string{RoleReadWriteAll}, Knobs{}, []permission{permRead, permWrite, permManage}},
		{"default roles", nil, Knobs{}, []permission{permRead, permWrite, permManage}},
		{"Phone.ReadWrite.All", []string{RolePhoneReadWriteAll}, Knobs{}, []permission{permRead, permWrite}},
		{"Phone.ReadWrite.All manages sms", []string{RolePhoneReadWriteAll}, Knobs{PhoneRoleCanManageSms: true}, []permission{permRead, permWrite, permManage}},
		{"Read.All", []string{RoleReadAll}, Knobs{}, []permission{permRead}},
		{"Read.All with manage knob", []string{RoleReadAll}, Knobs{PhoneRoleCanManageSms: true}, []permission{permRead}},
		{"Phone.Read.All", []string{RolePhoneReadAll}, Knobs{}, []permission{permRead}},
		{"both read roles", []string{RoleReadAll, RolePhoneReadAll}, Knobs{}, []permission{permRead}},
		{"no roles", []string{}, Knobs{}, nil},
		{"unrelated role", []string{"User.Read.All"}, Knobs{PhoneRoleCanManageSms: true}, nil},
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
