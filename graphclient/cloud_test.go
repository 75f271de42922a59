package graphclient

import (
	"slices"
	"strings"
	"testing"
)

func TestLookupCloud(t *testing.T) {
	tests := []struct {
		name                    string
		graph, authority, scope string
	}{
		{"global", "https://graph.microsoft.com", "https://login.microsoftonline.com/", "https://graph.microsoft.com/.default"},
		{"usgov", "https://graph.microsoft.us", "https://login.microsoftonline.us/", "https://graph.microsoft.us/.default"},
		{"usgovdod", "https://dod-graph.microsoft.us", "https://login.microsoftonline.us/", "https://dod-graph.microsoft.us/.default"},
		{"china", "https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn/.default"},
		{" Global ", "https://graph.microsoft.com", "https://login.microsoftonline.com/", "https://graph.microsoft.com/.default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LookupCloud(tt.name)
			if err != nil {
				t.Fatalf("LookupCloud: %v", err)
			}
			if c.GraphURL != tt.graph || c.AuthorityHost != tt.authority || c.CustomAuthority {
				t.Errorf("got Graph %s, authority %s, custom %v; want %s, %s, false",
					c.GraphURL, c.AuthorityHost, c.CustomAuthority, tt.graph, tt.authority)
			}
			if got := c.Configuration().ActiveDirectoryAuthorityHost; got != tt.authority {
				t.Errorf("Configuration().ActiveDirectoryAuthorityHost = %s; want %s", got, tt.authority)
			}
			cl, err := New(Config{Credential: staticCredential{}, GraphURL: c.GraphURL})
			if err != nil {
				t.Fatalf("New with the cloud's Graph root: %v", err)
			}
			if cl.scope != tt.scope {
				t.Errorf("the client's token scope: got %s; want %s", cl.scope, tt.scope)
			}
		})
	}
	if got, want := CloudNames(), []string{"china", "global", "usgov", "usgovdod"}; !slices.Equal(got, want) {
		t.Errorf("CloudNames() = %v; want %v", got, want)
	}
}

func TestLookupCloudUnknown(t *testing.T) {
	for _, name := range []string{"", "germany", "public"} {
		_, err := LookupCloud(name)
		if err == nil || !strings.Contains(err.Error(), "unknown cloud") || !strings.Contains(err.Error(), "global, usgov, usgovdod") {
			t.Errorf("LookupCloud(%q): got %v; want an unknown cloud error listing the clouds", name, err)
		}
	}
}

func TestResolveEndpoints(t *testing.T) {
	tests := []struct {
		name, cloud, graph, authority string
		want                          Cloud
		wantErr                       string
	}{
		{name: "no overrides", cloud: "usgov",
			want: Cloud{Name: "usgov", GraphURL: "https://graph.microsoft.us", AuthorityHost: "https://login.microsoftonline.us/"}},
		{name: "emulator", cloud: "global", graph: "https://127.0.0.1:8443", authority: "https://127.0.0.1:8443",
			want: Cloud{Name: "global", GraphURL: "https://127.0.0.1:8443", AuthorityHost: "https://127.0.0.1:8443/", CustomAuthority: true}},
		{name: "trailing slashes", cloud: "global", graph: "https://graph.example.com/", authority: "https://login.example.com/",
			want: Cloud{Name: "global", GraphURL: "https://graph.example.com", AuthorityHost: "https://login.example.com/", CustomAuthority: true}},
		{name: "Graph only", cloud: "china", graph: "https://graph.example.com",
			want: Cloud{Name: "china", GraphURL: "https://graph.example.com", AuthorityHost: "https://login.chinacloudapi.cn/"}},
		{name: "http on loopback", cloud: "global", graph: "http://127.0.0.1:8080",
			want: Cloud{Name: "global", GraphURL: "http://127.0.0.1:8080", AuthorityHost: "https://login.microsoftonline.com/"}},
		{name: "http on localhost", cloud: "global", graph: "http://localhost:8080",
			want: Cloud{Name: "global", GraphURL: "http://localhost:8080", AuthorityHost: "https://login.microsoftonline.com/"}},
		{name: "http on IPv6 loopback", cloud: "global", graph: "http://[::1]:8080",
			want: Cloud{Name: "global", GraphURL: "http://[::1]:8080", AuthorityHost: "https://login.microsoftonline.com/"}},
		{name: "http elsewhere", cloud: "global", graph: "http://graph.example.com", wantErr: "must use https"},
		{name: "http on a LAN address", cloud: "global", graph: "http://10.0.0.1", wantErr: "must use https"},
		{name: "Graph with version", cloud: "global", graph: "https://graph.microsoft.com/v1.0", wantErr: "without a version"},
		{name: "Graph with beta", cloud: "global", graph: "https://graph.microsoft.com/beta", wantErr: "without a version"},
		{name: "relative Graph", cloud: "global", graph: "graph.microsoft.com", wantErr: "not an absolute URL"},
		{name: "http authority", cloud: "global", authority: "http://127.0.0.1:8443", wantErr: "must use https"},
		{name: "relative authority", cloud: "global", authority: "login.example.com", wantErr: "not an absolute URL"},
		{name: "unknown cloud", cloud: "mars", wantErr: "unknown cloud"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveEndpoints(tt.cloud, tt.graph, tt.authority)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %+v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestParseRoot(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "https://graph.microsoft.com", want: "https://graph.microsoft.com"},
		{in: "https://graph.microsoft.com///", want: "https://graph.microsoft.com"},
		{in: "https://proxy.example.com/graph", want: "https://proxy.example.com/graph"},
		{in: "https://graph.microsoft.com/v1.0", wantErr: "without a version"},
		{in: "https://graph.microsoft.com/v1.0/", wantErr: "without a version"},
		{in: "https://proxy.example.com/graph/beta", wantErr: "without a version"},
		{in: "https://graph.microsoft.com#frag", wantErr: "query or fragment"},
		{in: "ftp://graph.microsoft.com", wantErr: "must use https"},
		{in: "", wantErr: "not an absolute URL"},
		{in: "://x", wantErr: "not an absolute URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := parseRoot(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseRoot: got %v, %v; want an error containing %q", u, err, tt.wantErr)
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Fatalf("parseRoot: got %v, %v; want %s", u, err, tt.want)
			}
		})
	}
}
