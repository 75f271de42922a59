package graphclient

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/uuid"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// simCloud is the cloud of an emulator: its Graph root and authority host.
func simCloud(s *graphsim.Server) Cloud {
	return Cloud{Name: "graphsim", GraphURL: s.GraphURL(), AuthorityHost: s.AuthorityHost() + "/", CustomAuthority: true}
}

// fakeEnv is a Getenv reading only m.
func fakeEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// simEnv is the environment of s's start application, without a secret.
func simEnv(s *graphsim.Server, extra ...string) map[string]string {
	m := map[string]string{"AZURE_TENANT_ID": s.TenantID(), "AZURE_CLIENT_ID": s.ClientID()}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// tokenFor gets a Graph token from cred and returns the application it
// speaks for (the appid claim), failing the test on an error.
func tokenFor(t *testing.T, s *graphsim.Server, cred azcore.TokenCredential) string {
	t.Helper()
	tk, err := cred.GetToken(testCtx(t), policy.TokenRequestOptions{Scopes: []string{s.Scope()}})
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	var claims struct {
		AppID string `json:"appid"`
	}
	if err := decodeClaims(tk.Token, &claims); err != nil {
		t.Fatalf("token claims: %v", err)
	}
	return claims.AppID
}

func decodeClaims(token string, v any) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// writeCertificate writes a self-signed RSA certificate and its PKCS#8 key
// as PEM into a file in dir.
func writeCertificate(t *testing.T, dir string) (*x509.Certificate, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "phonereg test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
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
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...)
	path := filepath.Join(dir, "client.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, path
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestNewCredentialModes gets a token from graphsim with each mode that
// works against it, and uses it on Graph.
func TestNewCredentialModes(t *testing.T) {
	s := startSim(t, graphsim.Options{AutoCreateUsers: true})

	certApp := uuid.NewString()
	cert, certPath := writeCertificate(t, t.TempDir())
	if err := s.AddApplication(graphsim.Application{ClientID: certApp, Certificates: []*x509.Certificate{cert},
		Roles: []string{graphsim.RoleReadWriteAll}}); err != nil {
		t.Fatal(err)
	}
	fed, err := s.FederatedToken(s.ClientID())
	if err != nil {
		t.Fatal(err)
	}
	fedPath := writeFile(t, "token", fed)

	tests := []struct {
		name    string
		opts    CredentialOptions
		env     map[string]string
		wantApp string
	}{
		{name: "secret from the environment", opts: CredentialOptions{Mode: AuthSecret},
			env: simEnv(s, "AZURE_CLIENT_SECRET", s.ClientSecret()), wantApp: s.ClientID()},
		{name: "secret from a file", opts: CredentialOptions{Mode: AuthSecret, ClientSecretFile: writeFile(t, "secret", s.ClientSecret()+"\n")},
			env: simEnv(s, "AZURE_CLIENT_SECRET", "ignored"), wantApp: s.ClientID()},
		{name: "secret, ids from options", opts: CredentialOptions{Mode: AuthSecret, TenantID: s.TenantID(), ClientID: s.ClientID()},
			env: map[string]string{"AZURE_CLIENT_SECRET": s.ClientSecret()}, wantApp: s.ClientID()},
		{name: "certificate from the environment", opts: CredentialOptions{Mode: AuthCertificate},
			env: map[string]string{"AZURE_TENANT_ID": s.TenantID(), "AZURE_CLIENT_ID": certApp, "AZURE_CLIENT_CERTIFICATE_PATH": certPath}, wantApp: certApp},
		{name: "certificate from options", opts: CredentialOptions{Mode: AuthCertificate, ClientID: certApp, CertificatePath: certPath},
			env: map[string]string{"AZURE_TENANT_ID": s.TenantID()}, wantApp: certApp},
		{name: "workload identity from the environment", opts: CredentialOptions{Mode: AuthWorkloadIdentity},
			env: simEnv(s, "AZURE_FEDERATED_TOKEN_FILE", fedPath), wantApp: s.ClientID()},
		{name: "workload identity, file from options", opts: CredentialOptions{Mode: AuthWorkloadIdentity, FederatedTokenFile: fedPath},
			env: simEnv(s), wantApp: s.ClientID()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Cloud, o.Transport, o.Getenv = simCloud(s), simHTTPClient(s), fakeEnv(tt.env)
			cred, err := NewCredential(o)
			if err != nil {
				t.Fatalf("NewCredential: %v", err)
			}
			if app := tokenFor(t, s, cred); app != tt.wantApp {
				t.Errorf("token for application %s; want %s", app, tt.wantApp)
			}
			c := simClient(t, s, func(c *Config) { c.Credential = cred })
			if _, err := c.ListPhoneMethods(testCtx(t), "u@contoso.com"); err != nil {
				t.Errorf("ListPhoneMethods with the credential: %v", err)
			}
		})
	}
}

// TestNewCredentialManagedIdentity uses azidentity's App Service managed
// identity source (MSAL picks it when IDENTITY_ENDPOINT and IDENTITY_HEADER
// are set, before IMDS is ever considered); it sends the request through
// ClientOptions.Transport, so graphsim's https endpoint works. Not parallel:
// MSAL reads the process environment.
func TestNewCredentialManagedIdentity(t *testing.T) {
	tests := []struct {
		name     string
		env      func(other string) map[string]string
		clientID func(other string) string
		want     func(s *graphsim.Server, other string) string
	}{
		{name: "system-assigned", env: func(string) map[string]string { return nil },
			want: func(s *graphsim.Server, _ string) string { return s.ClientID() }},
		{name: "user-assigned from AZURE_CLIENT_ID", env: func(o string) map[string]string { return map[string]string{"AZURE_CLIENT_ID": o} },
			want: func(_ *graphsim.Server, o string) string { return o }},
		{name: "user-assigned from options", env: func(string) map[string]string { return nil },
			clientID: func(o string) string { return o },
			want:     func(_ *graphsim.Server, o string) string { return o }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A server per case: MSAL caches managed identity tokens
			// process-wide by identity and resource.
			s := startSim(t, graphsim.Options{AutoCreateUsers: true})
			other := uuid.NewString()
			if err := s.AddApplication(graphsim.Application{ClientID: other, Roles: []string{graphsim.RoleReadWriteAll}}); err != nil {
				t.Fatal(err)
			}
			endpoint, header, err := s.ManagedIdentityEnv()
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv("IDENTITY_ENDPOINT", endpoint)
			t.Setenv("IDENTITY_HEADER", header)
			for _, v := range []string{"IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"} {
				t.Setenv(v, "")
			}
			o := CredentialOptions{Mode: AuthManagedIdentity, Cloud: simCloud(s), Transport: simHTTPClient(s), Getenv: fakeEnv(tt.env(other))}
			if tt.clientID != nil {
				o.ClientID = tt.clientID(other)
			}
			cred, err := NewCredential(o)
			if err != nil {
				t.Fatalf("NewCredential: %v", err)
			}
			if app, want := tokenFor(t, s, cred), tt.want(s, other); app != want {
				t.Errorf("token for application %s; want %s", app, want)
			}
			if n := s.Count(graphsim.RouteManagedID, http.StatusOK); n != 1 {
				t.Errorf("graphsim's managed identity endpoint answered %d times; want 1", n)
			}
			c := simClient(t, s, func(c *Config) { c.Credential = cred })
			if _, err := c.ListPhoneMethods(testCtx(t), "u@contoso.com"); err != nil {
				t.Errorf("ListPhoneMethods with the credential: %v", err)
			}
		})
	}
}

// TestNewCredentialRefusals: a credential that Entra refuses fails GetToken
// with azidentity's explanation and without the secret.
func TestNewCredentialRefusals(t *testing.T) {
	s := startSim(t, graphsim.Options{})
	_, strangerPath := writeCertificate(t, t.TempDir())
	tests := []struct {
		name   string
		mode   string
		env    map[string]string
		want   string
		secret string
	}{
		{name: "wrong secret", mode: AuthSecret, env: simEnv(s, "AZURE_CLIENT_SECRET", "not-the-secret-42"), want: "AADSTS7000215", secret: "not-the-secret-42"},
		{name: "unknown application", mode: AuthSecret, env: simEnv(s, "AZURE_CLIENT_ID", uuid.NewString(), "AZURE_CLIENT_SECRET", s.ClientSecret()),
			want: "AADSTS700016", secret: s.ClientSecret()},
		{name: "unregistered certificate", mode: AuthCertificate, env: simEnv(s, "AZURE_CLIENT_CERTIFICATE_PATH", strangerPath), want: "AADSTS700027"},
		{name: "foreign federated token", mode: AuthWorkloadIdentity, env: simEnv(s, "AZURE_FEDERATED_TOKEN_FILE", writeFile(t, "fed", fakeJWT(`{"iss":"https://evil.example","sub":"x","aud":"api://AzureADTokenExchange","exp":9999999999}`))),
			want: "AADSTS700211"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := NewCredential(CredentialOptions{Mode: tt.mode, Cloud: simCloud(s), Transport: simHTTPClient(s), Getenv: fakeEnv(tt.env)})
			if err != nil {
				t.Fatalf("NewCredential: %v", err)
			}
			_, err = cred.GetToken(testCtx(t), policy.TokenRequestOptions{Scopes: []string{s.Scope()}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("GetToken: got %v; want an error with %s", err, tt.want)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("GetToken error %q shows the secret", err)
			}
		})
	}
}

func TestNewCredentialErrors(t *testing.T) {
	full := map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"}
	without := func(keys ...string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for _, k := range keys {
			delete(m, k)
		}
		return m
	}
	tests := []struct {
		name string
		opts CredentialOptions
		env  map[string]string
		want []string
	}{
		{name: "unknown mode", opts: CredentialOptions{Mode: "password"}, env: full,
			want: []string{`unknown --auth "password"`, strings.Join(AuthModes, ", ")}},
		{name: "secret without tenant", opts: CredentialOptions{Mode: AuthSecret}, env: without("AZURE_TENANT_ID"), want: []string{"AZURE_TENANT_ID"}},
		{name: "secret without client id", opts: CredentialOptions{Mode: AuthSecret}, env: without("AZURE_CLIENT_ID"), want: []string{"AZURE_CLIENT_ID"}},
		{name: "secret without secret", opts: CredentialOptions{Mode: AuthSecret}, env: without("AZURE_CLIENT_SECRET"), want: []string{"AZURE_CLIENT_SECRET"}},
		{name: "secret without anything", opts: CredentialOptions{Mode: AuthSecret}, env: nil,
			want: []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"}},
		{name: "secret file missing", opts: CredentialOptions{Mode: AuthSecret, ClientSecretFile: "/nonexistent/secret"}, env: full,
			want: []string{"client secret file", "/nonexistent/secret"}},
		{name: "certificate without tenant", opts: CredentialOptions{Mode: AuthCertificate, CertificatePath: "x.pem"}, env: without("AZURE_TENANT_ID"),
			want: []string{"AZURE_TENANT_ID"}},
		{name: "certificate without client id", opts: CredentialOptions{Mode: AuthCertificate, CertificatePath: "x.pem"}, env: without("AZURE_CLIENT_ID"),
			want: []string{"AZURE_CLIENT_ID"}},
		{name: "certificate without path", opts: CredentialOptions{Mode: AuthCertificate}, env: full, want: []string{"AZURE_CLIENT_CERTIFICATE_PATH"}},
		{name: "certificate file missing", opts: CredentialOptions{Mode: AuthCertificate, CertificatePath: "/nonexistent/c.pem"}, env: full,
			want: []string{"certificate", "/nonexistent/c.pem"}},
		{name: "certificate not PEM", opts: CredentialOptions{Mode: AuthCertificate}, env: full,
			want: []string{"certificate"}},
		{name: "workload identity without tenant", opts: CredentialOptions{Mode: AuthWorkloadIdentity, FederatedTokenFile: "f"},
			env: without("AZURE_TENANT_ID"), want: []string{"AZURE_TENANT_ID"}},
		{name: "workload identity without client id", opts: CredentialOptions{Mode: AuthWorkloadIdentity, FederatedTokenFile: "f"},
			env: without("AZURE_CLIENT_ID"), want: []string{"AZURE_CLIENT_ID"}},
		{name: "workload identity without token file", opts: CredentialOptions{Mode: AuthWorkloadIdentity}, env: full,
			want: []string{"AZURE_FEDERATED_TOKEN_FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			if tt.name == "certificate not PEM" {
				o.CertificatePath = writeFile(t, "bad.pem", "not a certificate")
				tt.want = append(tt.want, o.CertificatePath)
			}
			o.Getenv = fakeEnv(tt.env)
			cred, err := NewCredential(o)
			if err == nil {
				t.Fatalf("NewCredential: got %v; want an error", cred)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q; want it to contain %q", err, w)
				}
			}
		})
	}
}

// TestNewCredentialConstructOnly: auto (DefaultAzureCredential) and azure-cli
// are only built here, never asked for a token: they would probe the machine
// (managed identity at 169.254.169.254, the az command).
func TestNewCredentialConstructOnly(t *testing.T) {
	for _, mode := range []string{"", AuthAuto, AuthAzureCLI} {
		t.Run("mode "+mode, func(t *testing.T) {
			cred, err := NewCredential(CredentialOptions{Mode: mode, Cloud: Cloud{AuthorityHost: "https://127.0.0.1:1/", CustomAuthority: true},
				Getenv: fakeEnv(map[string]string{"AZURE_TENANT_ID": uuid.NewString()})})
			if err != nil || cred == nil {
				t.Fatalf("NewCredential(%q): got %v, %v; want a credential", mode, cred, err)
			}
		})
	}
}

// TestMask: secrets are masked in credential errors; an error without them
// is kept as it is.
func TestMask(t *testing.T) {
	base := errors.New("AADSTS7000215: Invalid client secret provided")
	tests := []struct {
		name    string
		err     error
		secrets []string
		want    string
		same    bool
	}{
		{name: "nil", err: nil},
		{name: "nothing to mask", err: base, secrets: []string{"s3cr3t"}, want: base.Error(), same: true},
		{name: "secret masked", err: fmt.Errorf("sent client_secret=s3cr3t: %w", base), secrets: []string{"s3cr3t"},
			want: "sent client_secret=***: " + base.Error()},
		{name: "every occurrence", err: errors.New("s3cr3t and s3cr3t"), secrets: []string{"s3cr3t"}, want: "*** and ***"},
		{name: "short secrets left", err: errors.New("abc"), secrets: []string{"abc"}, want: "abc", same: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mask(tt.err, tt.secrets)
			if tt.err == nil {
				if got != nil {
					t.Fatalf("mask(nil) = %v; want nil", got)
				}
				return
			}
			if got.Error() != tt.want {
				t.Errorf("mask = %q; want %q", got, tt.want)
			}
			if (got == tt.err) != tt.same {
				t.Errorf("mask returned the same error: %v; want %v", got == tt.err, tt.same)
			}
		})
	}
	cred := maskingCredential{cred: failingCredential{err: errors.New("bad secret hunter2!")}, secrets: []string{"hunter2!"}}
	_, err := cred.GetToken(testCtx(t), policy.TokenRequestOptions{})
	if err == nil || strings.Contains(err.Error(), "hunter2!") {
		t.Errorf("maskingCredential.GetToken: got %v; want an error without the secret", err)
	}
}
