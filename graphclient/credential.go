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
	// ClientSecretFile holds the client secret; default AZURE_CLIENT_SECRET.
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
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	pick := func(v, env string) string {
		if v != "" {
			return v
		}
		return getenv(env)
	}
	tenant := pick(o.TenantID, "AZURE_TENANT_ID")
	clientID := pick(o.ClientID, "AZURE_CLIENT_ID")
	if o.Transport == nil {
		o.Transport = NewHTTPClient(nil)
	}
	if o.Cloud.AuthorityHost == "" {
		o.Cloud, _ = LookupCloud("global")
	}
	co := azcore.ClientOptions{Cloud: o.Cloud.Configuration(), Transport: o.Transport}
	noDiscovery := o.Cloud.CustomAuthority
	need := func(what, v, env string) error {
		if v == "" {
			return fmt.Errorf("--auth %s needs %s (set %s)", o.Mode, what, env)
		}
		return nil
	}

	var secrets []string
	var cred azcore.TokenCredential
	var err error
	switch o.Mode {
	case "", AuthAuto:
		if s := getenv("AZURE_CLIENT_SECRET"); s != "" {
			secrets = append(secrets, s)
		}
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: co, TenantID: tenant, DisableInstanceDiscovery: noDiscovery,
		})
	case AuthSecret:
		secret := getenv("AZURE_CLIENT_SECRET")
		if o.ClientSecretFile != "" {
			b, rerr := os.ReadFile(o.ClientSecretFile)
			if rerr != nil {
				return nil, fmt.Errorf("client secret file: %w", rerr)
			}
			secret = strings.TrimSpace(string(b))
		}
		if err := errors.Join(need("a tenant", tenant, "AZURE_TENANT_ID or --tenant"), need("a client id", clientID, "AZURE_CLIENT_ID"),
			need("a client secret", secret, "AZURE_CLIENT_SECRET or a secret file")); err != nil {
			return nil, err
		}
		secrets = append(secrets, secret)
		cred, err = azidentity.NewClientSecretCredential(tenant, clientID, secret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: noDiscovery,
		})
	case AuthCertificate:
		path := pick(o.CertificatePath, "AZURE_CLIENT_CERTIFICATE_PATH")
		if err := errors.Join(need("a tenant", tenant, "AZURE_TENANT_ID or --tenant"), need("a client id", clientID, "AZURE_CLIENT_ID"),
			need("a certificate", path, "AZURE_CLIENT_CERTIFICATE_PATH")); err != nil {
			return nil, err
		}
		data, rerr := os.ReadFile(path)
		if rerr != nil {
			return nil, fmt.Errorf("certificate: %w", rerr)
		}
		password := getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD")
		if password != "" {
			secrets = append(secrets, password)
		}
		certs, key, perr := azidentity.ParseCertificates(data, []byte(password))
		if perr != nil {
			return nil, fmt.Errorf("certificate %s: %w", path, perr)
		}
		cred, err = azidentity.NewClientCertificateCredential(tenant, clientID, certs, key, &azidentity.ClientCertificateCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: noDiscovery,
		})
	case AuthManagedIdentity:
		mo := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
		if o.ClientID != "" || getenv("AZURE_CLIENT_ID") != "" {
			mo.ID = azidentity.ClientID(clientID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(mo)
	case AuthWorkloadIdentity:
		// Checked here, not left to azidentity, so that the errors name the
		// variables to set and Getenv is the only source.
		file := pick(o.FederatedTokenFile, "AZURE_FEDERATED_TOKEN_FILE")
		if err := errors.Join(need("a tenant", tenant, "AZURE_TENANT_ID or --tenant"), need("a client id", clientID, "AZURE_CLIENT_ID"),
			need("a federated token file", file, "AZURE_FEDERATED_TOKEN_FILE")); err != nil {
			return nil, err
		}
		cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: co, TenantID: tenant, ClientID: clientID, DisableInstanceDiscovery: noDiscovery,
			TokenFilePath: file,
		})
	case AuthAzureCLI:
		cred, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: tenant})
	default:
		return nil, fmt.Errorf("unknown --auth %q: want one of %s", o.Mode, strings.Join(AuthModes, ", "))
	}
	if err != nil {
		return nil, mask(err, secrets)
	}
	return maskingCredential{cred: cred, secrets: secrets}, nil
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
