package graphclient

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

func TestCheckPermissions(t *testing.T) {
	tests := []struct {
		name        string
		roles       []string // graphsim Options.Roles
		sms         bool
		wantWarning bool
		wantMissing bool // a *PermissionError
		wantHave    []string
	}{
		{name: "ReadWrite.All", roles: nil, sms: true, wantHave: []string{PermReadWriteAll}},
		{name: "both", roles: []string{PermPhoneReadWriteAll, PermReadWriteAll}, sms: true, wantHave: []string{PermPhoneReadWriteAll, PermReadWriteAll}},
		{name: "phone only, SMS sign-in", roles: []string{PermPhoneReadWriteAll}, sms: true, wantWarning: true, wantHave: []string{PermPhoneReadWriteAll}},
		{name: "phone only, no SMS sign-in", roles: []string{PermPhoneReadWriteAll}, sms: false, wantHave: []string{PermPhoneReadWriteAll}},
		{name: "no roles", roles: []string{}, sms: true, wantMissing: true},
		{name: "Read.All only", roles: []string{graphsim.RoleReadAll}, sms: false, wantMissing: true, wantHave: []string{graphsim.RoleReadAll}},
		{name: "phone Read.All only", roles: []string{graphsim.RolePhoneReadAll}, sms: false, wantMissing: true, wantHave: []string{graphsim.RolePhoneReadAll}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, graphsim.Options{Roles: tt.roles})
			c := simClient(t, s)
			g, err := c.CheckPermissions(testCtx(t), tt.sms)
			if !slices.Equal(g.Roles, tt.wantHave) {
				t.Errorf("Roles = %v; want %v", g.Roles, tt.wantHave)
			}
			if tt.wantMissing {
				var pe *PermissionError
				if !errors.As(err, &pe) {
					t.Fatalf("got %v; want a *PermissionError", err)
				}
				if !slices.Equal(pe.Have, tt.wantHave) {
					t.Errorf("Have = %v; want %v", pe.Have, tt.wantHave)
				}
				msg := err.Error()
				want := []string{PermReadWriteAll, PermPhoneReadWriteAll, "admin consent"}
				if len(tt.wantHave) == 0 {
					want = append(want, "the token has: none")
				}
				want = append(want, tt.wantHave...)
				for _, w := range want {
					if !strings.Contains(msg, w) {
						t.Errorf("Error() = %q; want it to contain %q", msg, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckPermissions: %v", err)
			}
			if got := g.Warning != ""; got != tt.wantWarning {
				t.Errorf("Warning = %q; want one: %v", g.Warning, tt.wantWarning)
			}
			if tt.wantWarning && (!strings.Contains(g.Warning, PermReadWriteAll) || !strings.Contains(g.Warning, "SMS sign-in")) {
				t.Errorf("Warning = %q; want it to name %s and SMS sign-in", g.Warning, PermReadWriteAll)
			}
			if n := len(graphRequests(s)); n != 0 {
				t.Errorf("graphsim saw %d Graph requests; want none (the preflight only gets a token)", n)
			}
		})
	}
}

// TestCheckPermissionsBadCredential: a wrong secret or an unknown tenant is
// an *AuthError keeping Entra's AADSTS explanation, without the secret; a
// Graph call with it is an *AuthError too, and never reaches Graph.
func TestCheckPermissionsBadCredential(t *testing.T) {
	const wrong = "wrong~secret~0123456789"
	s := startSim(t, graphsim.Options{AutoCreateUsers: true})
	viaNewCredential := func(t *testing.T, tenant string) *Client {
		cred, err := NewCredential(CredentialOptions{Mode: AuthSecret, Cloud: simCloud(s), Transport: simHTTPClient(s),
			Getenv: fakeEnv(map[string]string{"AZURE_TENANT_ID": tenant, "AZURE_CLIENT_ID": s.ClientID(), "AZURE_CLIENT_SECRET": wrong})})
		if err != nil {
			t.Fatalf("NewCredential: %v", err)
		}
		return simClient(t, s, func(c *Config) { c.Credential = cred })
	}
	tests := []struct {
		name   string
		client func(t *testing.T) *Client
		want   string
	}{
		{name: "azidentity, wrong secret", want: "AADSTS7000215",
			client: func(t *testing.T) *Client {
				return simClient(t, s, func(c *Config) { c.Credential = secretCredential(t, s, s.ClientID(), wrong) })
			}},
		{name: "NewCredential, wrong secret", want: "AADSTS7000215",
			client: func(t *testing.T) *Client { return viaNewCredential(t, s.TenantID()) }},
		{name: "NewCredential, unknown tenant", want: "AADSTS90002",
			client: func(t *testing.T) *Client { return viaNewCredential(t, uuid.NewString()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.client(t)
			before := len(graphRequests(s))
			_, err := c.CheckPermissions(testCtx(t), true)
			_, gerr := c.ListPhoneMethods(testCtx(t), "u@contoso.com")
			for what, err := range map[string]error{"CheckPermissions": err, "ListPhoneMethods": gerr} {
				var ae *AuthError
				if !errors.As(err, &ae) {
					t.Fatalf("%s: got %v (%T); want an *AuthError", what, err, err)
				}
				msg := err.Error()
				if !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "authentication failed: ") {
					t.Errorf("%s: Error() = %q; want azidentity's explanation with %s", what, msg, tt.want)
				}
				if strings.Contains(msg, wrong) {
					t.Errorf("%s: Error() = %q; it shows the secret", what, msg)
				}
				if errors.Is(err, ErrTransport) || errors.Is(err, ErrUnauthorized) {
					t.Errorf("%s: %v matches ErrTransport or ErrUnauthorized; want only an auth failure", what, err)
				}
			}
			if n := len(graphRequests(s)) - before; n != 0 {
				t.Errorf("graphsim saw %d Graph requests; want none", n)
			}
		})
	}
}

// fakeJWT is an unsigned JWT with the given claims JSON.
func fakeJWT(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(claims)) + ".sig"
}

func TestGrantOf(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		want    Grant
		wantErr string
	}{
		{name: "roles", token: fakeJWT(`{"roles":["A","B"],"exp":1}`), want: Grant{Roles: []string{"A", "B"}}},
		{name: "delegated", token: fakeJWT(`{"scp":"User.Read UserAuthenticationMethod.ReadWrite"}`),
			want: Grant{Scopes: []string{"User.Read", "UserAuthenticationMethod.ReadWrite"}}},
		{name: "no claims of interest", token: fakeJWT(`{}`)},
		{name: "odd exp does not matter", token: fakeJWT(`{"roles":["A"],"exp":"soon"}`), want: Grant{Roles: []string{"A"}}},
		{name: "padded payload", token: "x." + base64.URLEncoding.EncodeToString([]byte(`{"roles":["A"]}`)) + ".y", want: Grant{Roles: []string{"A"}}},
		{name: "opaque", token: "not-a-jwt", wantErr: "not a JWT"},
		{name: "bad base64", token: "a.!!!.c", wantErr: "not base64url"},
		{name: "not JSON", token: "a." + base64.RawURLEncoding.EncodeToString([]byte("hello")) + ".c", wantErr: "not JSON"},
		{name: "roles not strings", token: fakeJWT(`{"roles":"A"}`), wantErr: "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := grantOf(tt.token)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %+v, %v; want an error containing %q", g, err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(g.Roles, tt.want.Roles) || !slices.Equal(g.Scopes, tt.want.Scopes) {
				t.Fatalf("got %+v, %v; want %+v", g, err, tt.want)
			}
		})
	}
}

// TestCheckPermissionsTokens: delegated tokens name the permissions without
// .All; an opaque token is an *AuthError.
func TestCheckPermissionsTokens(t *testing.T) {
	tests := []struct {
		name        string
		token       string
		wantErr     bool
		wantWarning bool
	}{
		{name: "delegated ReadWrite", token: fakeJWT(`{"scp":"UserAuthenticationMethod.ReadWrite"}`)},
		{name: "delegated phone", token: fakeJWT(`{"scp":"UserAuthMethod-Phone.ReadWrite"}`), wantWarning: true},
		{name: "delegated read", token: fakeJWT(`{"scp":"UserAuthenticationMethod.Read"}`), wantErr: true},
		{name: "app role without .All is not enough", token: fakeJWT(`{"roles":["UserAuthenticationMethod.ReadWrite"]}`), wantErr: true},
		{name: "opaque", token: "opaque", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, Config{Credential: staticCredential{token: tt.token}, GraphURL: "https://graph.example"})
			g, err := c.CheckPermissions(testCtx(t), true)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got %+v, %v; want an error: %v", g, err, tt.wantErr)
			}
			if tt.token == "opaque" {
				var ae *AuthError
				if !errors.As(err, &ae) {
					t.Errorf("got %v; want an *AuthError", err)
				}
			}
			if (g.Warning != "") != tt.wantWarning {
				t.Errorf("Warning = %q; want one: %v", g.Warning, tt.wantWarning)
			}
		})
	}
}
