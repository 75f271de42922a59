package graphclient

import (
	"strings"
	"testing"
)

// TestUnsafeEndpointsRefused: the Graph root and the authority host are
// where the token and the client's credential go, so New and
// ResolveEndpoints refuse plain http off loopback (the token would cross the
// network in clear) and URLs that hold a user name or password (they would
// ride along with every request); an error never repeats the password.
func TestUnsafeEndpointsRefused(t *testing.T) {
	tests := []struct {
		name, graph, authority, wantErr string
	}{
		{name: "http Graph off loopback", graph: "http://graph.microsoft.com", wantErr: "must use https"},
		{name: "http Graph on a LAN address", graph: "http://10.0.0.5:8080", wantErr: "must use https"},
		{name: "http Graph on a name that only starts like localhost", graph: "http://localhost.example.com", wantErr: "must use https"},
		{name: "Graph with a password", graph: "https://admin:hunter2-secret@graph.microsoft.com", wantErr: "must not hold a user name or password"},
		{name: "Graph with a user name", graph: "https://admin@graph.microsoft.com", wantErr: "must not hold a user name or password"},
		{name: "http authority", authority: "http://login.microsoftonline.com", wantErr: "must use https"},
		{name: "http authority on loopback", authority: "http://127.0.0.1:8443", wantErr: "must use https"},
		{name: "authority with a password", authority: "https://app:hunter2-secret@login.microsoftonline.com", wantErr: "must not hold a user name or password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ResolveEndpoints("global", tt.graph, tt.authority)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ResolveEndpoints(%q, %q): got %v; want an error containing %q", tt.graph, tt.authority, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error repeats the password: %v", err)
			}
			if tt.graph == "" {
				return
			}
			_, err = New(Config{Credential: staticCredential{token: "t"}, GraphURL: tt.graph})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("New with GraphURL %q: got %v; want an error containing %q, without the password", tt.graph, err, tt.wantErr)
			}
		})
	}
	for _, ok := range []string{"http://127.0.0.1:8080", "http://[::1]:8080", "http://localhost:8080", "https://graph.microsoft.com"} {
		if _, err := ResolveEndpoints("global", ok, ""); err != nil {
			t.Errorf("ResolveEndpoints(%q): %v; want it allowed", ok, err)
		}
	}
}
