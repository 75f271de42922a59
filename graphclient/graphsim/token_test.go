package graphsim

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// azOptions point a credential at s only: its authority host, its CA, no
// retries (so a refused request fails at once).
func azOptions(s *Server) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.AuthorityHost()},
		Transport: s.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

func getToken(t *testing.T, cred azcore.TokenCredential, s *Server) (azcore.AccessToken, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.Scope()}})
}

// tokenOrRefusal gets a token from cred. With want set it expects a refusal
// mentioning want and returns the error (claims nil); otherwise it fails on
// any error and returns the token's verified claims.
func tokenOrRefusal(t *testing.T, cred azcore.TokenCredential, s *Server, want string) (map[string]any, error) {
	t.Helper()
	tok, err := getToken(t, cred, s)
	if want != "" {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("GetToken error = %v; want one mentioning %q", err, want)
		}
		return nil, err
	}
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	return tokenClaims(t, s, tok.Token), nil
}

// tokenClaims verifies tok with s's key and returns its claims as a map, so
// tests see which claims are present.
func tokenClaims(t *testing.T, s *Server, tok string) map[string]any {
	t.Helper()
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return &s.tokens.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"ES256"}))
	if err != nil {
		t.Fatalf("parse access token: %v", err)
	}
	return parsed.Claims.(jwt.MapClaims)
}

func claimInt(t *testing.T, m map[string]any, name string) int64 {
	t.Helper()
	f, ok := m[name].(float64)
	if !ok {
		t.Fatalf("claim %s = %v; want a number", name, m[name])
	}
	return int64(f)
}

func claimStrings(m map[string]any, name string) ([]string, bool) {
	v, ok := m[name]
	if !ok {
		return nil, false
	}
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out, true
}

// selfSignedCert makes an RSA certificate valid from notBefore to notAfter.
func selfSignedCert(t *testing.T, notBefore, notAfter time.Time) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "phonereg test client"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func validCert(t *testing.T) (*x509.Certificate, *rsa.PrivateKey) {
	return selfSignedCert(t, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
}

func TestClientSecretCredential(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		wantRoles []string // nil: no roles claim
		lifetime  time.Duration
	}{
		{name: "default grant", wantRoles: []string{RoleReadWriteAll}, lifetime: time.Hour},
		{name: "phone role", opts: Options{Roles: []string{RolePhoneReadWriteAll, RoleReadAll}}, wantRoles: []string{RolePhoneReadWriteAll, RoleReadAll}, lifetime: time.Hour},
		{name: "no grant", opts: Options{Roles: []string{}}, lifetime: time.Hour},
		{name: "short lifetime", opts: Options{TokenLifetime: 10 * time.Minute}, wantRoles: []string{RoleReadWriteAll}, lifetime: 10 * time.Minute},
		{name: "given ids", opts: Options{TenantID: "8d3c3f5e-0d3c-4f0a-9d7e-0c4b1a2f3e4d", ClientID: "11111111-2222-3333-4444-555555555555", ClientSecret: "s3cret~value"}, wantRoles: []string{RoleReadWriteAll}, lifetime: time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.opts)
			cred, err := s.Credential(s.ClientID(), s.ClientSecret())
			if err != nil {
				t.Fatal(err)
			}
			before := time.Now()
			tok, err := getToken(t, cred, s)
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			if d := tok.ExpiresOn.Sub(before.Add(tt.lifetime)); d < -5*time.Second || d > 5*time.Second {
				t.Errorf("ExpiresOn = %v; want about now + %v", tok.ExpiresOn, tt.lifetime)
			}
			c := tokenClaims(t, s, tok.Token)
			for name, want := range map[string]string{"aud": s.URL, "tid": s.TenantID(), "appid": s.ClientID(), "azp": s.ClientID(), "ver": "1.0", "appidacr": "1", "iss": s.URL + "/" + s.TenantID() + "/"} {
				if got := c[name]; got != want {
					t.Errorf("claim %s = %v; want %q", name, got, want)
				}
			}
			if oid, _ := c["oid"].(string); oid == "" || c["sub"] != oid {
				t.Errorf("oid = %v, sub = %v; want the same non-empty id", c["oid"], c["sub"])
			}
			if got := time.Duration(claimInt(t, c, "exp")-claimInt(t, c, "iat")) * time.Second; got != tt.lifetime {
				t.Errorf("exp - iat = %v; want %v", got, tt.lifetime)
			}
			roles, present := claimStrings(c, "roles")
			if tt.wantRoles == nil && present {
				t.Errorf("roles claim = %v; want it absent", roles)
			}
			if tt.wantRoles != nil && !slices.Equal(roles, tt.wantRoles) {
				t.Errorf("roles = %v; want %v", roles, tt.wantRoles)
			}

			r := httptest.NewRequest(http.MethodGet, s.URL+"/v1.0/users/x/authentication/phoneMethods", nil)
			r.Header.Set("Authorization", "Bearer "+tok.Token)
			p, aerr := s.tokens.authenticate(r)
			if aerr != nil {
				t.Fatalf("authenticate: %v", aerr)
			}
			if p.clientID != s.ClientID() || p.tenantID != s.TenantID() || !slices.Equal(p.roles, tt.wantRoles) {
				t.Errorf("principal = %+v; want client %s, tenant %s, roles %v", p, s.ClientID(), s.TenantID(), tt.wantRoles)
			}
			if got := s.Count(RouteToken, http.StatusOK); got != 1 {
				t.Errorf("Count(token, 200) = %d; want 1", got)
			}
			if got := s.Count(RouteOpenIDConfig, http.StatusOK); got != 1 {
				t.Errorf("Count(openid-configuration, 200) = %d; want 1", got)
			}
		})
	}
}

func TestClientSecretCredentialRefused(t *testing.T) {
	s := newServer(t, Options{})
	const wrongSecret = "wrong~Secret~0123456789"
	tests := []struct {
		name       string
		tenant     string
		client     string
		secret     string
		scope      string
		wantStatus int
		want       string
	}{
		{name: "wrong secret", tenant: s.TenantID(), client: s.ClientID(), secret: wrongSecret, wantStatus: 401, want: "AADSTS7000215"},
		{name: "unknown client", tenant: s.TenantID(), client: uuid.NewString(), secret: wrongSecret, wantStatus: 400, want: "AADSTS700016"},
		{name: "unknown tenant", tenant: uuid.NewString(), client: s.ClientID(), secret: wrongSecret, wantStatus: 400, want: "AADSTS90002"},
		{name: "scope of another resource", tenant: s.TenantID(), client: s.ClientID(), secret: s.ClientSecret(), scope: "https://graph.microsoft.com/.default", wantStatus: 400, want: "AADSTS500011"},
		{name: "scope without .default", tenant: s.TenantID(), client: s.ClientID(), secret: s.ClientSecret(), scope: s.URL + "/UserAuthenticationMethod.ReadWrite.All", wantStatus: 400, want: "AADSTS70011"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := azidentity.NewClientSecretCredential(tt.tenant, tt.client, tt.secret,
				&azidentity.ClientSecretCredentialOptions{ClientOptions: azOptions(s), DisableInstanceDiscovery: true})
			if err != nil {
				t.Fatal(err)
			}
			scope := tt.scope
			if scope == "" {
				scope = s.Scope()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, err = cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
			if err == nil {
				t.Fatal("GetToken succeeded; want an error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error = %q; want it to mention %s", msg, tt.want)
			}
			if strings.Contains(msg, wrongSecret) || strings.Contains(msg, s.ClientSecret()) {
				t.Errorf("error = %q; want it without the secret", msg)
			}
			var afe *azidentity.AuthenticationFailedError
			if !errors.As(err, &afe) || afe.RawResponse == nil {
				t.Fatalf("error %T; want *azidentity.AuthenticationFailedError with the response", err)
			}
			if afe.RawResponse.StatusCode != tt.wantStatus {
				t.Errorf("status = %d; want %d", afe.RawResponse.StatusCode, tt.wantStatus)
			}
		})
	}
}

func TestClientCertificateCredential(t *testing.T) {
	startCert, startKey := validCert(t)
	otherCert, otherKey := validCert(t)
	strangerCert, strangerKey := validCert(t)
	expiredCert, expiredKey := selfSignedCert(t, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))

	s := newServer(t, Options{ClientCertificates: []*x509.Certificate{startCert, expiredCert}})
	otherID := uuid.NewString()
	if err := s.AddApplication(Application{ClientID: otherID, Certificates: []*x509.Certificate{otherCert}, Roles: []string{RoleReadAll}}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		client    string
		cert      *x509.Certificate
		key       crypto.PrivateKey
		chain     bool
		want      string // error substring; "" for success
		wantRoles []string
	}{
		{name: "start app via Options", client: s.ClientID(), cert: startCert, key: startKey, wantRoles: []string{RoleReadWriteAll}},
		{name: "with x5c chain", client: s.ClientID(), cert: startCert, key: startKey, chain: true, wantRoles: []string{RoleReadWriteAll}},
		{name: "added app", client: otherID, cert: otherCert, key: otherKey, wantRoles: []string{RoleReadAll}},
		{name: "unregistered cert", client: s.ClientID(), cert: strangerCert, key: strangerKey, want: "AADSTS700027"},
		{name: "another app's cert", client: s.ClientID(), cert: otherCert, key: otherKey, want: "AADSTS700027"},
		{name: "expired cert", client: s.ClientID(), cert: expiredCert, key: expiredKey, want: "The key used is expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := azidentity.NewClientCertificateCredential(s.TenantID(), tt.client, []*x509.Certificate{tt.cert}, tt.key,
				&azidentity.ClientCertificateCredentialOptions{ClientOptions: azOptions(s), DisableInstanceDiscovery: true, SendCertificateChain: tt.chain})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := tokenOrRefusal(t, cred, s, tt.want)
			if c == nil {
				return
			}
			roles, _ := claimStrings(c, "roles")
			if c["appid"] != tt.client || c["appidacr"] != "2" || !slices.Equal(roles, tt.wantRoles) {
				t.Errorf("appid = %v, appidacr = %v, roles = %v; want %s, 2, %v", c["appid"], c["appidacr"], roles, tt.client, tt.wantRoles)
			}
		})
	}
}

// signAssertion makes a client assertion as MSAL does (PS256, x5t#S256) with
// the claims changed by edit.
func signAssertion(t *testing.T, cert *x509.Certificate, key *rsa.PrivateKey, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodPS256, claims)
	sum := sha256.Sum256(cert.Raw)
	tok.Header["x5t#S256"] = base64.StdEncoding.EncodeToString(sum[:])
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestClientAssertionChecks(t *testing.T) {
	cert, key := validCert(t)
	s := newServer(t, Options{ClientCertificates: []*x509.Certificate{cert}})
	endpoint := s.URL + "/" + s.TenantID() + "/oauth2/v2.0/token"
	now := time.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"aud": endpoint, "iss": s.ClientID(), "sub": s.ClientID(), "jti": uuid.NewString(),
			"nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if edit != nil {
			edit(c)
		}
		return c
	}
	otherServer := newServer(t, Options{})
	foreignFederated, err := otherServer.FederatedToken(otherServer.ClientID())
	if err != nil {
		t.Fatal(err)
	}
	federated, err := s.FederatedToken(s.ClientID())
	if err != nil {
		t.Fatal(err)
	}
	wrongSubject, err := s.tokens.federatedAssertion("system:serviceaccount:other:other", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	expiredFederated, err := s.tokens.federatedAssertion(DefaultFederatedSubject, now.Add(-2*time.Hour), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tampered := signAssertion(t, cert, key, claims(nil))
	tampered = tampered[:len(tampered)-4] + "AAAA"

	tests := []struct {
		name      string
		assertion string
		want      float64 // AADSTS code; 0 for success
	}{
		{"valid", signAssertion(t, cert, key, claims(nil)), 0},
		{"issuer as audience", signAssertion(t, cert, key, claims(func(c jwt.MapClaims) { c["aud"] = s.URL + "/" + s.TenantID() + "/v2.0" })), 0},
		{"wrong audience", signAssertion(t, cert, key, claims(func(c jwt.MapClaims) { c["aud"] = "https://login.microsoftonline.com/x/oauth2/v2.0/token" })), 700023},
		{"expired", signAssertion(t, cert, key, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })), 700024},
		{"no exp", signAssertion(t, cert, key, claims(func(c jwt.MapClaims) { delete(c, "exp") })), 700024},
		{"other client", signAssertion(t, cert, key, claims(func(c jwt.MapClaims) { c["iss"], c["sub"] = "someone", "someone" })), 700021},
		{"tampered signature", tampered, 700027},
		{"federated", federated, 0},
		{"federated by another server", foreignFederated, 700211},
		{"federated wrong subject", wrongSubject, 700213},
		{"federated expired", expiredFederated, 700024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID()}, "scope": {s.Scope()},
				"client_assertion_type": {assertionTypeJWTBearer}, "client_assertion": {tt.assertion}}
			status, m, body := postToken(t, s, s.TenantID(), form, nil)
			if tt.want == 0 {
				if status != http.StatusOK {
					t.Fatalf("status = %d (%s); want 200", status, body)
				}
				return
			}
			codes, _ := m["error_codes"].([]any)
			if status == http.StatusOK || len(codes) != 1 || codes[0] != tt.want {
				t.Errorf("status %d, error_codes %v; want AADSTS%v", status, m["error_codes"], tt.want)
			}
		})
	}
}

func TestWorkloadIdentityCredential(t *testing.T) {
	s := newServer(t, Options{})
	custom := uuid.NewString()
	if err := s.AddApplication(Application{ClientID: custom, FederatedSubjects: []string{"repo:phonereg/phonereg:ref:refs/heads/main"}, Roles: []string{RolePhoneReadAll}}); err != nil {
		t.Fatal(err)
	}
	startToken, err := s.FederatedToken(s.ClientID())
	if err != nil {
		t.Fatal(err)
	}
	customToken, err := s.FederatedToken(custom)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		client    string
		assertion string
		want      string
		wantRoles []string
	}{
		{name: "start app, default subject", client: s.ClientID(), assertion: startToken, wantRoles: []string{RoleReadWriteAll}},
		{name: "added app, own subject", client: custom, assertion: customToken, wantRoles: []string{RolePhoneReadAll}},
		{name: "subject of another app", client: custom, assertion: startToken, want: "AADSTS700213"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "token")
			if err := os.WriteFile(file, []byte(tt.assertion), 0o600); err != nil {
				t.Fatal(err)
			}
			cred, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
				ClientOptions: azOptions(s), ClientID: tt.client, TenantID: s.TenantID(), TokenFilePath: file, DisableInstanceDiscovery: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := tokenOrRefusal(t, cred, s, tt.want)
			if c == nil {
				return
			}
			roles, _ := claimStrings(c, "roles")
			if c["appid"] != tt.client || !slices.Equal(roles, tt.wantRoles) {
				t.Errorf("appid = %v, roles = %v; want %s, %v", c["appid"], roles, tt.client, tt.wantRoles)
			}
		})
	}
}

func TestSetRolesAndLifetime(t *testing.T) {
	s := newServer(t, Options{})
	newCred := func() azcore.TokenCredential {
		cred, err := s.Credential(s.ClientID(), s.ClientSecret())
		if err != nil {
			t.Fatal(err)
		}
		return cred
	}
	old, err := getToken(t, newCred(), s)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		roles     []string
		lifetime  time.Duration
		wantRoles []string
		wantLife  time.Duration
	}{
		{"phone role, 20 minutes", []string{RolePhoneReadWriteAll}, 20 * time.Minute, []string{RolePhoneReadWriteAll}, 20 * time.Minute},
		{"no roles, default lifetime", nil, 0, nil, time.Hour},
		{"empty roles, 90 seconds", []string{}, 90 * time.Second, nil, 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.SetRoles(s.ClientID(), tt.roles); err != nil {
				t.Fatal(err)
			}
			s.SetTokenLifetime(tt.lifetime)
			tok, err := getToken(t, newCred(), s)
			if err != nil {
				t.Fatal(err)
			}
			c := tokenClaims(t, s, tok.Token)
			roles, present := claimStrings(c, "roles")
			if !slices.Equal(roles, tt.wantRoles) || (tt.wantRoles == nil && present) {
				t.Errorf("roles = %v (present %v); want %v", roles, present, tt.wantRoles)
			}
			if got := time.Duration(claimInt(t, c, "exp")-claimInt(t, c, "iat")) * time.Second; got != tt.wantLife {
				t.Errorf("lifetime = %v; want %v", got, tt.wantLife)
			}
			issued, err := s.IssueToken(s.ClientID(), 0)
			if err != nil {
				t.Fatal(err)
			}
			ic := tokenClaims(t, s, issued)
			if got := time.Duration(claimInt(t, ic, "exp")-claimInt(t, ic, "iat")) * time.Second; got != tt.wantLife {
				t.Errorf("IssueToken lifetime = %v; want %v", got, tt.wantLife)
			}
		})
	}
	t.Run("old token keeps its roles", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/v1.0/users/x/authentication/phoneMethods", nil)
		r.Header.Set("Authorization", "Bearer "+old.Token)
		p, aerr := s.tokens.authenticate(r)
		if aerr != nil {
			t.Fatal(aerr)
		}
		if !slices.Equal(p.roles, []string{RoleReadWriteAll}) {
			t.Errorf("roles = %v; want [%s]", p.roles, RoleReadWriteAll)
		}
	})
	t.Run("unknown application", func(t *testing.T) {
		if err := s.SetRoles(uuid.NewString(), nil); err == nil {
			t.Error("SetRoles of an unknown application succeeded; want an error")
		}
		if _, err := s.IssueToken(uuid.NewString(), time.Minute); err == nil {
			t.Error("IssueToken for an unknown application succeeded; want an error")
		}
		if _, err := s.FederatedToken(uuid.NewString()); err == nil {
			t.Error("FederatedToken for an unknown application succeeded; want an error")
		}
	})
}

func TestAddApplication(t *testing.T) {
	s := newServer(t, Options{})
	id := uuid.NewString()
	tests := []struct {
		name    string
		app     Application
		wantErr bool
	}{
		{"new", Application{ClientID: id, ClientSecret: "x"}, false},
		{"no client id", Application{ClientSecret: "x"}, true},
		{"duplicate", Application{ClientID: id}, true},
		{"duplicate other case", Application{ClientID: strings.ToUpper(id)}, true},
		{"start app again", Application{ClientID: s.ClientID()}, true},
		{"nil certificate", Application{ClientID: uuid.NewString(), Certificates: []*x509.Certificate{nil}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.AddApplication(tt.app); (err != nil) != tt.wantErr {
				t.Errorf("AddApplication error = %v; want error %v", err, tt.wantErr)
			}
		})
	}
	t.Run("no secret refuses every secret", func(t *testing.T) {
		noSecret := uuid.NewString()
		if err := s.AddApplication(Application{ClientID: noSecret}); err != nil {
			t.Fatal(err)
		}
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {noSecret}, "scope": {s.Scope()}, "client_secret": {""}}
		status, m, _ := postToken(t, s, s.TenantID(), form, nil)
		if status != http.StatusUnauthorized || m["error"] != "invalid_client" {
			t.Errorf("status %d, error %v; want 401 invalid_client", status, m["error"])
		}
	})
}
