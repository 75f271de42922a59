package graphsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
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

// TestDefaultMethodCannotBeDeleted: a DELETE of the user's default MFA method
// is a 400 with Graph's error body, and the method stays; once the default is
// another type, the method can be deleted. A default seeded before the user
// has a phone of its type holds for the phone added later.
func TestDefaultMethodCannotBeDeleted(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			c := newSim(t, Options{Users: []User{
				{UserPrincipalName: upnA, DefaultMethod: TypeMobile, Phones: map[string]string{TypeMobile: numA, TypeOffice: numC}},
				{UserPrincipalName: upnB, DefaultMethod: TypeMobile},
			}})
			r := c.call(http.MethodDelete, methodPath(v, upnA, MobileMethodID), nil)
			wantError(t, "delete the default method", r, http.StatusBadRequest, codeBadRequest)
			if _, ok := serverMobile(t, c.Server, upnA); !ok {
				t.Fatal("after a refused delete of the default method: got no mobile; want it kept")
			}
			wantStatus(t, "delete another method", c.call(http.MethodDelete, methodPath(v, upnA, OfficeMethodID), nil), http.StatusNoContent)
			if err := c.SetDefaultMethod(upnA, TypeOffice); err != nil {
				t.Fatalf("SetDefaultMethod: %v", err)
			}
			wantStatus(t, "delete the mobile once the default is another", c.call(http.MethodDelete, methodPath(v, upnA, MobileMethodID), nil), http.StatusNoContent)

			c.mustCreate(v, upnB, TypeMobile, numB)
			wantError(t, "delete a phone added after its type was made the default", c.call(http.MethodDelete, methodPath(v, upnB, MobileMethodID), nil), http.StatusBadRequest, codeBadRequest)
			if err := c.SetDefaultMethod(upnB, ""); err != nil {
				t.Fatalf("SetDefaultMethod none: %v", err)
			}
			wantStatus(t, "delete once no default", c.call(http.MethodDelete, methodPath(v, upnB, MobileMethodID), nil), http.StatusNoContent)

			if err := c.SetDefaultMethod(upnA, "fax"); err == nil {
				t.Error("SetDefaultMethod of an unknown type: got nil error; want an error")
			}
			if err := c.SetDefaultMethod("nobody@contoso.com", TypeMobile); err == nil {
				t.Error("SetDefaultMethod of an unknown user: got nil error; want an error")
			}
		})
	}
	if _, err := NewServer(Options{Users: []User{{UserPrincipalName: upnA, DefaultMethod: "fax"}}}); err == nil {
		t.Error("NewServer with an unknown default method: got nil error; want an error")
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
