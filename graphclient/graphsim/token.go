package graphsim

// The emulated Microsoft Entra token service: its keys, its routes, and the
// Emulator's methods for tokens (lifetime, IssueToken, FederatedToken). The
// registered applications are in token_apps.go; the endpoints in
// token_discovery.go (OpenID configuration, keys, instance discovery),
// token_endpoint.go (client_credentials) and token_managed_identity.go; Entra's
// error bodies in token_errors.go; JWT minting and checking in token_jwt.go.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// DefaultFederatedSubject is the subject of the federated identity
	// credential of an application registered without FederatedSubjects,
	// like a Kubernetes service account phonereg in namespace phonereg.
	DefaultFederatedSubject = "system:serviceaccount:phonereg:phonereg"
	// FederatedAudience is the audience Entra expects in a federated
	// assertion (workload identity).
	FederatedAudience = "api://AzureADTokenExchange"

	// ManagedIdentityPath is the path of the App Service-style managed identity
	// endpoint; see Emulator.ManagedIdentityEnv.
	ManagedIdentityPath = "/msi/token"

	defaultTokenLifetime    = time.Hour
	grantClientCredentials  = "client_credentials"
	assertionTypeJWTBearer  = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	managedIdentityVersion  = "2019-08-01"
	managedIdentityHeader   = "X-IDENTITY-HEADER"
	federatedTokenLifetime  = time.Hour
	assertionClockSkew      = 5 * time.Minute // Entra's tolerance for client assertions
	appidacrSecret          = "1"
	appidacrCertOrAssertion = "2"
)

// principal is who an access token speaks for.
type principal struct {
	clientID, tenantID string
	roles              []string
}

// tokenService is the emulated Entra. It is safe for concurrent use.
type tokenService struct {
	url        string // the emulator's root: authority host, Graph root, token audience
	tenantID   string
	startApp   string // client id of the start application, the system-assigned managed identity
	key        *ecdsa.PrivateKey
	keyID      string
	fedKey     *ecdsa.PrivateKey
	fedKeyID   string
	fedIssuer  string
	miHeader   string
	parser     *jwt.Parser // access tokens: ES256 only; claims checked by hand for Graph's messages
	assertions *jwt.Parser // client assertions: the algorithms MSAL and workload identity use

	mu       sync.RWMutex
	apps     map[string]*application // by lower-case client id
	lifetime time.Duration
}

// newTokenService creates the token service of an emulator whose root is
// base, and registers opts' start application.
func newTokenService(base string, opts Options) (*tokenService, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("graphsim: token signing key: %w", err)
	}
	fedKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("graphsim: federation signing key: %w", err)
	}
	lifetime := opts.TokenLifetime
	if lifetime <= 0 {
		lifetime = defaultTokenLifetime
	}
	t := &tokenService{
		url:        base,
		tenantID:   opts.TenantID,
		startApp:   opts.ClientID,
		key:        key,
		keyID:      keyID(&key.PublicKey),
		fedKey:     fedKey,
		fedKeyID:   keyID(&fedKey.PublicKey),
		fedIssuer:  base + "/federation",
		miHeader:   randomToken(24),
		parser:     jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}), jwt.WithoutClaimsValidation()),
		assertions: jwt.NewParser(jwt.WithValidMethods([]string{"PS256", "RS256", "ES256"}), jwt.WithoutClaimsValidation()),
		apps:       map[string]*application{},
		lifetime:   lifetime,
	}
	err = t.add(Application{
		ClientID:     opts.ClientID,
		ClientSecret: opts.ClientSecret,
		Certificates: opts.ClientCertificates,
		Roles:        opts.Roles,
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (t *tokenService) tokenLifetime() time.Duration {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.lifetime
}

func (t *tokenService) knownTenant(tenant string) bool {
	return strings.EqualFold(tenant, t.tenantID)
}

// SetTokenLifetime sets the lifetime of access tokens issued afterwards; d <= 0
// restores the default of one hour.
func (em *Emulator) SetTokenLifetime(d time.Duration) {
	if d <= 0 {
		d = defaultTokenLifetime
	}
	em.tokens.mu.Lock()
	defer em.tokens.mu.Unlock()
	em.tokens.lifetime = d
}

// IssueToken mints an access token for clientID with its current roles,
// without a token request, for tests that call Graph directly. lifetime 0
// means the current token lifetime; a negative lifetime gives a token that has
// already expired.
func (em *Emulator) IssueToken(clientID string, lifetime time.Duration) (string, error) {
	t := em.tokens
	a, ok := t.app(clientID)
	if !ok {
		return "", fmt.Errorf("graphsim: no application %s", clientID)
	}
	if lifetime == 0 {
		lifetime = t.tokenLifetime()
	}
	tok, _, err := t.mint(a, appidacrSecret, lifetime, time.Now())
	return tok, err
}

// FederatedToken returns an assertion for clientID's federated identity
// credential, like the service account token Kubernetes projects for workload
// identity: a JWT signed by the emulator's federation key with issuer
// GraphURL()+"/federation", audience FederatedAudience, the application's first
// federated subject, valid for an hour. Write it to the file named by
// WorkloadIdentityCredentialOptions.TokenFilePath (AZURE_FEDERATED_TOKEN_FILE).
func (em *Emulator) FederatedToken(clientID string) (string, error) {
	a, ok := em.tokens.app(clientID)
	if !ok {
		return "", fmt.Errorf("graphsim: no application %s", clientID)
	}
	return em.tokens.federatedAssertion(a.subjects[0], time.Now(), federatedTokenLifetime)
}

// routes registers the token service's endpoints. The tenant-scoped ones
// (/{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/oauth2/v2.0/token,
// /{tenant}/discovery/v2.0/keys) cannot be mux patterns: a wildcard first
// segment conflicts with the Graph catch-alls /v1.0/ and /beta/, and ServeMux
// panics on conflicting patterns. So they are dispatched by a fallback on "/",
// which also lets an unknown tenant get Entra's error instead of a 404.
func (t *tokenService) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /common/discovery/instance", t.handleInstanceDiscovery)
	mux.HandleFunc("GET "+ManagedIdentityPath, t.handleManagedIdentity)
	mux.HandleFunc("/", t.dispatch)
}

// dispatch serves the tenant-scoped endpoints; anything else is a 404.
func (t *tokenService) dispatch(w http.ResponseWriter, r *http.Request) {
	seg := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(seg) != 4 || seg[0] == "" {
		http.NotFound(w, r)
		return
	}
	tenant, rest := seg[0], strings.Join(seg[1:], "/")
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case rest == "v2.0/.well-known/openid-configuration" && get:
		t.handleOpenIDConfig(w, r, tenant)
	case rest == "discovery/v2.0/keys" && get:
		t.handleKeys(w, r, tenant)
	case rest == "oauth2/v2.0/token":
		t.handleToken(w, r, tenant)
	case rest == "v2.0/.well-known/openid-configuration" || rest == "discovery/v2.0/keys":
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	default:
		http.NotFound(w, r)
	}
}
