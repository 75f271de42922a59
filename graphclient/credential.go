package graphclient

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Credential modes for NewCredential (phonereg's --auth).
const (
	AuthAuto             = "auto"
	AuthSecret           = "secret"
	AuthCertificate      = "certificate"
	AuthManagedIdentity  = "managed-identity"
	AuthWorkloadIdentity = "workload-identity"
	AuthAzureCLI         = "azure-cli"
)

// AuthModes are the modes NewCredential knows.
var AuthModes = []string{AuthAuto, AuthSecret, AuthCertificate, AuthManagedIdentity, AuthWorkloadIdentity, AuthAzureCLI}

// CredentialOptions configure NewCredential. Empty fields fall back to the
// environment variables Azure users expect (named on each field). Secrets come
// from the environment or files only.
type CredentialOptions struct {
	// Mode is one of AuthModes; default auto (azidentity's
	// DefaultAzureCredential chain).
	Mode  string
	Cloud Cloud
	// TenantID: AZURE_TENANT_ID. ClientID: AZURE_CLIENT_ID (for managed
	// identity, a user-assigned identity's client id; empty: system-assigned).
	TenantID string
	ClientID string
	// ClientSecret is the client secret, when the caller holds it (the
	// emulator's); else ClientSecretFile holds it; default AZURE_CLIENT_SECRET.
	ClientSecret     string
	ClientSecretFile string
	// CertificatePath is a PEM or PKCS#12 file with the certificate and its
	// key: AZURE_CLIENT_CERTIFICATE_PATH; its password comes from
	// AZURE_CLIENT_CERTIFICATE_PASSWORD.
	CertificatePath string
	// FederatedTokenFile is workload identity's token file:
	// AZURE_FEDERATED_TOKEN_FILE.
	FederatedTokenFile string
	// Transport for the token requests; default NewHTTPClient(nil).
	Transport policy.Transporter
	// Getenv reads the environment; default os.Getenv. Tests replace it.
	// azidentity itself still reads the process environment in two places:
	// the auto mode's DefaultAzureCredential, and managed identity's choice
	// of source (IDENTITY_ENDPOINT, IDENTITY_HEADER, MSI_ENDPOINT, …).
	Getenv func(string) string
}

// NewCredential returns the credential for o.Mode. Its GetToken errors keep
// azidentity's explanation, with any secret it was given masked.
func NewCredential(o CredentialOptions) (azcore.TokenCredential, error) {
	b := newCredBuilder(o)
	var cred azcore.TokenCredential
	var err error
	switch o.Mode {
	case "", AuthAuto:
		cred, err = b.auto()
	case AuthSecret:
		cred, err = b.clientSecret()
	case AuthCertificate:
		cred, err = b.certificate()
	case AuthManagedIdentity:
		cred, err = b.managedIdentity()
	case AuthWorkloadIdentity:
		cred, err = b.workloadIdentity()
	case AuthAzureCLI:
		cred, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: b.tenant})
	default:
		return nil, fmt.Errorf("unknown --auth %q: want one of %s", o.Mode, strings.Join(AuthModes, ", "))
	}
	if err != nil {
		return nil, mask(err, b.secrets)
	}
	return maskingCredential{cred: cred, secrets: b.secrets}, nil
}

// credBuilder holds what every --auth mode reads: the options with their
// environment fallbacks, and the secrets to mask in the errors.
type credBuilder struct {
	o           CredentialOptions
	getenv      func(string) string
	tenant      string
	clientID    string
	co          azcore.ClientOptions
	noDiscovery bool
	secrets     []string
}

func newCredBuilder(o CredentialOptions) *credBuilder {
	b := &credBuilder{o: o, getenv: o.Getenv}
	if b.getenv == nil {
		b.getenv = os.Getenv
	}
	b.tenant = b.pick(o.TenantID, "AZURE_TENANT_ID")
	b.clientID = b.pick(o.ClientID, "AZURE_CLIENT_ID")
	if o.Transport == nil {
		o.Transport = NewHTTPClient(nil)
	}
	if o.Cloud.AuthorityHost == "" {
		o.Cloud, _ = LookupCloud("global")
	}
	b.o = o
	b.co = azcore.ClientOptions{Cloud: o.Cloud.Configuration(), Transport: o.Transport}
	b.noDiscovery = o.Cloud.CustomAuthority
	return b
}

// pick is v, or the environment variable env when v is empty.
func (b *credBuilder) pick(v, env string) string {
	if v != "" {
		return v
	}
	return b.getenv(env)
}

// need is the error for a setting the mode cannot do without.
func (b *credBuilder) need(what, v, env string) error {
	if v == "" {
		return fmt.Errorf("--auth %s needs %s (set %s)", b.o.Mode, what, env)
	}
	return nil
}

func (b *credBuilder) needApp(what, v, env string) error {
	return errors.Join(b.need("a tenant", b.tenant, "AZURE_TENANT_ID or --tenant"), b.need("a client id", b.clientID, "AZURE_CLIENT_ID"),
		b.need(what, v, env))
}

func (b *credBuilder) auto() (azcore.TokenCredential, error) {
	if s := b.getenv("AZURE_CLIENT_SECRET"); s != "" {
		b.secrets = append(b.secrets, s)
	}
	return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
		ClientOptions: b.co, TenantID: b.tenant, DisableInstanceDiscovery: b.noDiscovery,
	})
}

func (b *credBuilder) clientSecret() (azcore.TokenCredential, error) {
	secret := b.pick(b.o.ClientSecret, "AZURE_CLIENT_SECRET")
	if b.o.ClientSecretFile != "" {
		data, err := os.ReadFile(b.o.ClientSecretFile)
		if err != nil {
			return nil, fmt.Errorf("client secret file: %w", err)
		}
		secret = strings.TrimSpace(string(data))
	}
	if err := b.needApp("a client secret", secret, "AZURE_CLIENT_SECRET or a secret file"); err != nil {
		return nil, err
	}
	b.secrets = append(b.secrets, secret)
	return azidentity.NewClientSecretCredential(b.tenant, b.clientID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: b.co, DisableInstanceDiscovery: b.noDiscovery,
	})
}

func (b *credBuilder) certificate() (azcore.TokenCredential, error) {
	path := b.pick(b.o.CertificatePath, "AZURE_CLIENT_CERTIFICATE_PATH")
	if err := b.needApp("a certificate", path, "AZURE_CLIENT_CERTIFICATE_PATH"); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	password := b.getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD")
	if password != "" {
		b.secrets = append(b.secrets, password)
	}
	certs, key, err := azidentity.ParseCertificates(data, []byte(password))
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", path, err)
	}
	return azidentity.NewClientCertificateCredential(b.tenant, b.clientID, certs, key, &azidentity.ClientCertificateCredentialOptions{
		ClientOptions: b.co, DisableInstanceDiscovery: b.noDiscovery,
	})
}

func (b *credBuilder) managedIdentity() (azcore.TokenCredential, error) {
	mo := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: b.co}
	if b.clientID != "" {
		mo.ID = azidentity.ClientID(b.clientID)
	}
	return azidentity.NewManagedIdentityCredential(mo)
}

// workloadIdentity checks its settings itself, rather than leaving that to
// azidentity, so that the errors name the variables to set and Getenv is the
// only source.
func (b *credBuilder) workloadIdentity() (azcore.TokenCredential, error) {
	file := b.pick(b.o.FederatedTokenFile, "AZURE_FEDERATED_TOKEN_FILE")
	if err := b.needApp("a federated token file", file, "AZURE_FEDERATED_TOKEN_FILE"); err != nil {
		return nil, err
	}
	return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
		ClientOptions: b.co, TenantID: b.tenant, ClientID: b.clientID, DisableInstanceDiscovery: b.noDiscovery,
		TokenFilePath: file,
	})
}

// maskingCredential masks the secrets it was built with in its errors.
type maskingCredential struct {
	cred    azcore.TokenCredential
	secrets []string
}

func (m maskingCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tk, err := m.cred.GetToken(ctx, o)
	return tk, mask(err, m.secrets)
}

// mask replaces every secret in err's message with "***", keeping err for
// errors.As when nothing needed masking.
func mask(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	masked := msg
	for _, s := range secrets {
		if len(s) >= 4 {
			masked = strings.ReplaceAll(masked, s, "***")
		}
	}
	if masked == msg {
		return err
	}
	return errors.New(masked)
}
