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

// TestCheckPermissions: either ReadWrite role is enough, with no warning
// (GRAPH.md: UserAuthMethod-Phone.ReadWrite.All is the least privileged for
// every step of run; the test once wanted a warning for it); without one, a
// *PermissionError names both, the least privileged first.
func TestCheckPermissions(t *testing.T) {
	tests := []struct {
		name        string
		roles       []string // graphsim Options.Roles
		wantMissing bool     // a *PermissionError
		wantHave    []string
	}{
		{name: "ReadWrite.All", roles: nil, wantHave: []string{PermReadWriteAll}},
		{name: "both", roles: []string{PermPhoneReadWriteAll, PermReadWriteAll}, wantHave: []string{PermPhoneReadWriteAll, PermReadWriteAll}},
		{name: "phone only", roles: []string{PermPhoneReadWriteAll}, wantHave: []string{PermPhoneReadWriteAll}},
		{name: "no roles", roles: []string{}, wantMissing: true},
		{name: "Read.All only", roles: []string{graphsim.RoleReadAll}, wantMissing: true, wantHave: []string{graphsim.RoleReadAll}},
		{name: "phone Read.All only", roles: []string{graphsim.RolePhoneReadAll}, wantMissing: true, wantHave: []string{graphsim.RolePhoneReadAll}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, graphsim.Options{Roles: tt.roles})
			c := simClient(t, s)
			g, err := c.CheckPermissions(testCtx(t))
			if !slices.Equal(g.Roles, tt.wantHave) {
				t.Errorf("Roles = %v; want %v", g.Roles, tt.wantHave)
			}
			if tt.wantMissing {
				checkPermissionError(t, err, tt.wantHave)
				return
			}
			if err != nil {
				t.Fatalf("CheckPermissions: %v", err)
			}
			if n := len(graphRequests(s)); n != 0 {
				t.Errorf("graphsim saw %d Graph requests; want none (the preflight only gets a token)", n)
			}
		})
	}
}

// checkPermissionError checks that err is a *PermissionError with have,
// naming both ReadWrite roles (the least privileged first), admin consent
// and what the token has.
func checkPermissionError(t *testing.T, err error, have []string) {
	t.Helper()
	var pe *PermissionError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v; want a *PermissionError", err)
	}
	if !slices.Equal(pe.Have, have) {
		t.Errorf("Have = %v; want %v", pe.Have, have)
	}
	msg := err.Error()
	want := []string{PermPhoneReadWriteAll, PermReadWriteAll, "least privileged", "admin consent"}
	if len(have) == 0 {
		want = append(want, "the token has: none")
	}
	for _, w := range append(want, have...) {
		if !strings.Contains(msg, w) {
			t.Errorf("Error() = %q; want it to contain %q", msg, w)
		}
	}
	if strings.Index(msg, PermPhoneReadWriteAll) > strings.Index(msg, PermReadWriteAll) {
		t.Errorf("Error() = %q; want %s, the least privileged, named first", msg, PermPhoneReadWriteAll)
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
			_, err := c.CheckPermissions(testCtx(t))
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
		name    string
		token   string
		wantErr bool
	}{
		{name: "delegated ReadWrite", token: fakeJWT(`{"scp":"UserAuthenticationMethod.ReadWrite"}`)},
		{name: "delegated phone", token: fakeJWT(`{"scp":"UserAuthMethod-Phone.ReadWrite"}`)},
		{name: "delegated phone .All", token: fakeJWT(`{"scp":"openid UserAuthMethod-Phone.ReadWrite.All"}`)},
		{name: "delegated read", token: fakeJWT(`{"scp":"UserAuthenticationMethod.Read"}`), wantErr: true},
		{name: "app role without .All is not enough", token: fakeJWT(`{"roles":["UserAuthenticationMethod.ReadWrite"]}`), wantErr: true},
		{name: "opaque", token: "opaque", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, Config{Credential: staticCredential{token: tt.token}, GraphURL: "https://graph.example"})
			g, err := c.CheckPermissions(testCtx(t))
			if (err != nil) != tt.wantErr {
				t.Fatalf("got %+v, %v; want an error: %v", g, err, tt.wantErr)
			}
			if tt.token == "opaque" {
				var ae *AuthError
				if !errors.As(err, &ae) {
					t.Errorf("got %v; want an *AuthError", err)
				}
			}
		})
	}
}
