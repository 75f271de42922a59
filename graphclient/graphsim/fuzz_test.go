package graphsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzPhoneBody: parsePhoneBody never panics, refuses with a 400 Graph error,
// never accepts smsSignInState, and what it accepts survives a re-marshal.
func FuzzPhoneBody(f *testing.F) {
	for _, s := range []string{
		`{"phoneNumber":"+1 2065550100","phoneType":"mobile"}`,
		`{"phoneNumber":"+1 2065550100x123","phoneType":"alternateMobile","id":"b6332ec1-7057-4abe-9331-3d72feddfe41"}`,
		`{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","phoneNumber":"+44 2079460958","phoneType":"office"}`,
		`{"@odata.type":"microsoft.graph.phoneAuthenticationMethod","phoneNumber":"+1 2065550100"}`,
		`{"phoneNumber":"+1 2065550100","smsSignInState":"ready"}`,
		`{"phoneNumber":null,"phoneType":null}`,
		`{"phoneNumber":"a","phoneNumber":"b"}`,
		`{"phoneNumber":"\u00e9\ud800"}`,
		`{"phoneNumber":1}`,
		`{"displayName":"x"}`,
		`{}`, `null`, `[]`, `""`, `{`, ``, ` `, "\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pb, aerr := parsePhoneBody(body)
		if aerr != nil {
			if aerr.status != http.StatusBadRequest || aerr.code == "" || aerr.message == "" {
				t.Fatalf("parsePhoneBody(%q): got error %d %q %q; want 400 with code and message", body, aerr.status, aerr.code, aerr.message)
			}
			return
		}
		if pb.SmsSignInState != nil {
			t.Fatalf("parsePhoneBody(%q): accepted smsSignInState %q; want it refused", body, *pb.SmsSignInState)
		}
		m := map[string]string{}
		for name, p := range map[string]*string{"phoneNumber": pb.PhoneNumber, "phoneType": pb.PhoneType, "id": pb.ID} {
			if p != nil {
				m[name] = *p
			}
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal %v: %v", m, err)
		}
		pb2, aerr := parsePhoneBody(again)
		if aerr != nil {
			t.Fatalf("parsePhoneBody(%s), the re-marshal of accepted %q: got %v; want accepted", again, body, aerr)
		}
		if deref(pb.PhoneNumber) != deref(pb2.PhoneNumber) || deref(pb.PhoneType) != deref(pb2.PhoneType) || deref(pb.ID) != deref(pb2.ID) ||
			(pb.PhoneNumber == nil) != (pb2.PhoneNumber == nil) || (pb.PhoneType == nil) != (pb2.PhoneType == nil) || (pb.ID == nil) != (pb2.ID == nil) {
			t.Fatalf("re-marshal of %q: got %s → %+v; want %+v", body, again, pb2, pb)
		}
	})
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut, http.MethodHead, http.MethodOptions}

// FuzzPaths sends arbitrary user and method segments, actions and bodies
// through the server's real handler with a valid token: it never panics and
// never answers 5xx (faults are off), and every 4xx is a Graph error.
func FuzzPaths(f *testing.F) {
	s := newServer(f, Options{AutoCreateUsers: true, Users: []User{
		{UserPrincipalName: "ada@contoso.com", Phones: map[string]string{TypeMobile: "+1 2065550100", TypeAlternateMobile: "+1 2065550101", TypeOffice: "+1 2065550102"}},
		{UserPrincipalName: "o'brien#ext#@contoso.com", Phones: map[string]string{TypeMobile: "+1 2065550100"}},
	}})
	token := credentialToken(f, s)
	handler := s.srv.Handler

	add := func(beta bool, m uint8, user, method, action, body string) {
		f.Add(beta, m, user, method, action, []byte(body))
	}
	add(false, 0, "ada@contoso.com", "", "", "")
	add(true, 1, "ada@contoso.com", "", "", `{"phoneNumber":"+1 2065550100","phoneType":"mobile"}`)
	add(false, 1, "new@contoso.com", "", "", `{"phoneNumber":"+1 2065550103","phoneType":"mobile"}`)
	add(false, 0, "ADA@contoso.com", MobileMethodID, "", "")
	add(false, 2, "ada@contoso.com", MobileMethodID, "", `{"phoneNumber":"+1 2065550199"}`)
	add(true, 2, "ada@contoso.com", OfficeMethodID, "", `{"phoneType":"mobile","phoneNumber":"+1 2065550199"}`)
	add(false, 3, "ada@contoso.com", MobileMethodID, "", "")
	add(false, 3, "ada@contoso.com", AlternateMobileMethodID, "", "")
	add(false, 1, "ada@contoso.com", MobileMethodID, "enableSmsSignIn", "")
	add(true, 1, "o'brien#ext#@contoso.com", MobileMethodID, "enableSmsSignIn", "")
	add(false, 1, "ada@contoso.com", MobileMethodID, "disableSmsSignIn", "{}")
	add(false, 1, "ada@contoso.com", OfficeMethodID, "enableSmsSignIn", "")
	add(false, 0, "", "", "", "")
	add(false, 0, ".", "..", "", "")
	add(false, 4, "a/b", "x/y", "z", "{")
	add(false, 5, "50%off", "%zz", "\x00", "")
	add(true, 6, "josé.müller@contoso.com", "\u202e", "enableSmsSignIn", "null")
	add(false, 1, strings.Repeat("a", 2000), "", "", strings.Repeat("{", 1000))
	add(false, 2, "ada@contoso.com", MobileMethodID, "", strings.Repeat("x", maxRequestBody+10))

	f.Fuzz(func(t *testing.T, beta bool, m uint8, user, methodID, action string, body []byte) {
		version := "v1.0"
		if beta {
			version = "beta"
		}
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		p := "/" + version + "/users/" + url.PathEscape(user) + "/authentication/phoneMethods"
		if methodID != "" || action != "" {
			p += "/" + url.PathEscape(methodID)
		}
		if action != "" {
			p += "/" + url.PathEscape(action)
		}
		req := httptest.NewRequest(method, p, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: got %d %s; want no 5xx", method, p, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && method != http.MethodHead {
			var e wireError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" {
				t.Fatalf("%s %s: got %d %q; want a Graph error body", method, p, rec.Code, rec.Body)
			}
			if e.Error.InnerError.RequestID == "" || e.Error.InnerError.RequestID != rec.Header().Get("request-id") {
				t.Fatalf("%s %s: got innerError request-id %q, header %q; want equal, set", method, p, e.Error.InnerError.RequestID, rec.Header().Get("request-id"))
			}
		}
	})
}
