package graphsim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEmulatorBehindHTTPTest serves an Emulator from httptest's TLS server, as
// its doc comment shows: the real credential gets a token for the emulator's
// URL and Graph answers with it.
func TestEmulatorBehindHTTPTest(t *testing.T) {
	ts := httptest.NewUnstartedServer(nil)
	root := "https://" + ts.Listener.Addr().String()
	em, err := New(Options{URL: root + "/", Users: []User{{UserPrincipalName: upnA, Phones: map[string]string{TypeMobile: numA}}}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts.Config.Handler = em
	ts.StartTLS()
	t.Cleanup(ts.Close)

	if em.GraphURL() != root || em.AuthorityHost() != root || em.Scope() != root+"/.default" {
		t.Fatalf("got GraphURL %q AuthorityHost %q Scope %q; want %q, %q, %q/.default", em.GraphURL(), em.AuthorityHost(), em.Scope(), root, root, root)
	}
	tok := emulatorToken(t, em, ts.Client(), em.ClientID(), em.ClientSecret())

	req, _ := http.NewRequest(http.MethodGet, root+phonesPath("v1.0", upnA), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Context string       `json:"@odata.context"`
		Value   []wireMethod `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode list: %v", err)
	}
	if resp.StatusCode != http.StatusOK || len(body.Value) != 1 || body.Value[0].PhoneNumber != numA {
		t.Fatalf("list: got status %d, methods %+v; want 200 and the seeded mobile", resp.StatusCode, body.Value)
	}
	if !strings.HasPrefix(body.Context, root+"/v1.0/$metadata#") {
		t.Errorf("got @odata.context %q; want it under %s", body.Context, root)
	}
	if got := em.Count(RouteList, http.StatusOK); got != 1 {
		t.Errorf("Count(list, 200): got %d; want 1", got)
	}
}

func TestNewURL(t *testing.T) {
	tests := []struct {
		name string
		url  string
		want string // "" for an error
	}{
		{"plain", "https://127.0.0.1:8443", "https://127.0.0.1:8443"},
		{"trailing slash", "https://graph.test/", "https://graph.test"},
		{"ipv6", "https://[::1]:8443", "https://[::1]:8443"},
		{"missing", "", ""},
		{"http", "http://127.0.0.1:8443", ""},
		{"no host", "https://", ""},
		{"path", "https://127.0.0.1/graph", ""},
		{"query", "https://127.0.0.1/?a=b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em, err := New(Options{URL: tt.url})
			if tt.want == "" {
				if err == nil {
					t.Fatalf("New(URL %q): got nil error; want an error", tt.url)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(URL %q): %v", tt.url, err)
			}
			if em.GraphURL() != tt.want {
				t.Errorf("New(URL %q): got GraphURL %q; want %q", tt.url, em.GraphURL(), tt.want)
			}
		})
	}
}

// TestNewServerIgnoresURL: the server's own address is the emulator's URL.
func TestNewServerIgnoresURL(t *testing.T) {
	s := newServer(t, Options{URL: "https://elsewhere.test"})
	if s.GraphURL() != s.URL || !strings.HasPrefix(s.URL, "https://127.0.0.1:") {
		t.Errorf("got URL %q, GraphURL %q; want the listener's address for both", s.URL, s.GraphURL())
	}
}
