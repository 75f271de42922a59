package graphsim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
)

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
