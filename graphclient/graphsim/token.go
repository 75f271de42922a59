package graphsim

// The emulated Microsoft Entra token service: app registrations, the v2.0
// OpenID configuration and token endpoints for client_credentials (secret,
// certificate assertion, federated assertion), an App Service-style managed
// identity endpoint, and the validation of the access tokens it issues for the
// Graph handlers. JWT minting and checking live in token_jwt.go.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
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

// Application is an app registration of the emulated tenant together with its
// service principal's application permissions.
type Application struct {
	// ClientID (application id) is required and unique, compared
	// case-insensitively like Entra's GUIDs.
	ClientID string
	// ClientSecret is accepted by the token endpoint. Empty means the
	// application has no secret: every secret is refused (AADSTS7000215).
	ClientSecret string
	// Certificates whose keys may sign the application's client assertions
	// (ClientCertificateCredential). They are looked up by the SHA-256 (x5t#S256)
	// or SHA-1 (x5t) thumbprint in the assertion's header and refused outside
	// their validity period, as Entra does.
	Certificates []*x509.Certificate
	// Roles are the granted application permissions, the roles claim of the
	// application's tokens. nil or empty means no grant: tokens have no roles
	// claim at all. (Options.Roles differs: there nil means the default grant.)
	Roles []string
	// FederatedSubjects are the subjects of the application's federated
	// identity credentials, each with issuer URL+"/federation" (the emulator's root) and
	// audience FederatedAudience. Empty means [DefaultFederatedSubject].
	FederatedSubjects []string
}

// application is a registered Application. Its slices are never modified in
// place: SetRoles replaces roles, so a copy of the struct taken under the
// service's lock stays valid without it.
type application struct {
	clientID string
	objectID string // the service principal's object id: the tokens' oid and sub
	secret   string
	certs    []appCert
	roles    []string // nil: no roles claim
	subjects []string
}

type appCert struct {
	cert   *x509.Certificate
	sha1   [sha1.Size]byte
	sha256 [sha256.Size]byte
}

// tokenService is the emulated Entra. It is safe for concurrent use.
type tokenService struct {
	url        string // the server's root: authority host, Graph root, token audience
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

func (t *tokenService) add(app Application) error {
	if app.ClientID == "" {
		return errors.New("graphsim: an application needs a ClientID")
	}
	a := &application{
		clientID: app.ClientID,
		objectID: uuid.NewString(),
		secret:   app.ClientSecret,
		roles:    cloneRoles(app.Roles),
		subjects: append([]string(nil), app.FederatedSubjects...),
	}
	if len(a.subjects) == 0 {
		a.subjects = []string{DefaultFederatedSubject}
	}
	for i, c := range app.Certificates {
		if c == nil {
			return fmt.Errorf("graphsim: application %s: certificate %d is nil", app.ClientID, i)
		}
		a.certs = append(a.certs, appCert{cert: c, sha1: sha1.Sum(c.Raw), sha256: sha256.Sum256(c.Raw)})
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	k := strings.ToLower(app.ClientID)
	if _, dup := t.apps[k]; dup {
		return fmt.Errorf("graphsim: application %s is already registered", app.ClientID)
	}
	t.apps[k] = a
	return nil
}

// cloneRoles copies roles; nil or empty gives nil, the token without roles.
func cloneRoles(roles []string) []string {
	if len(roles) == 0 {
		return nil
	}
	return append([]string(nil), roles...)
}

// app returns a copy of the registered application, or false.
func (t *tokenService) app(clientID string) (application, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	a, ok := t.apps[strings.ToLower(clientID)]
	if !ok {
		return application{}, false
	}
	return *a, true
}

// appByObjectID returns a copy of the application whose service principal has
// object id oid, or false.
func (t *tokenService) appByObjectID(oid string) (application, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, a := range t.apps {
		if strings.EqualFold(a.objectID, oid) {
			return *a, true
		}
	}
	return application{}, false
}

func (t *tokenService) tokenLifetime() time.Duration {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.lifetime
}

func (t *tokenService) knownTenant(tenant string) bool {
	return strings.EqualFold(tenant, t.tenantID)
}

// AddApplication registers another application in the tenant, for tests with
// several clients (user-assigned managed identities, certificates, federated
// credentials). See Application for the meaning of its fields.
func (em *Emulator) AddApplication(app Application) error {
	return em.tokens.add(app)
}

// SetRoles replaces the application permissions of clientID; tokens issued
// afterwards carry them, tokens already issued keep theirs (as with Entra).
// nil or empty roles mean no grant: no roles claim.
func (em *Emulator) SetRoles(clientID string, roles []string) error {
	t := em.tokens
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := t.apps[strings.ToLower(clientID)]
	if !ok {
		return fmt.Errorf("graphsim: no application %s", clientID)
	}
	a.roles = cloneRoles(roles)
	return nil
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
// identity: a JWT signed by the server's federation key with issuer
// URL+"/federation", audience FederatedAudience, the application's first
// federated subject, valid for an hour. Write it to the file named by
// WorkloadIdentityCredentialOptions.TokenFilePath (AZURE_FEDERATED_TOKEN_FILE).
func (em *Emulator) FederatedToken(clientID string) (string, error) {
	a, ok := em.tokens.app(clientID)
	if !ok {
		return "", fmt.Errorf("graphsim: no application %s", clientID)
	}
	return em.tokens.federatedAssertion(a.subjects[0], time.Now(), federatedTokenLifetime)
}

// ManagedIdentityEnv returns the values of IDENTITY_ENDPOINT and
// IDENTITY_HEADER for azidentity's ManagedIdentityCredential, which then uses
// its App Service source (api-version 2019-08-01). The identity is the start
// application (system-assigned) or, with ManagedIdentityCredentialOptions.ID
// set to ClientID or ObjectID of another registered application, that one
// (user-assigned). The endpoint is on this HTTPS server, so the credential's
// ClientOptions.Transport must trust the server's CA (Client or Transport);
// MSAL sends the App Service request through it and accepts https. err is
// always nil today; it leaves room for an endpoint that has to be started.
func (em *Emulator) ManagedIdentityEnv() (endpoint, header string, err error) {
	return em.tokens.url + ManagedIdentityPath, em.tokens.miHeader, nil
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

// tenantError is Entra's answer for a tenant it does not know, with the error
// name it uses on the endpoint (invalid_tenant for discovery, invalid_request
// for the token endpoint).
func tenantError(tenant, errName string) *entraError {
	if _, err := uuid.Parse(tenant); err != nil && !strings.Contains(tenant, ".") {
		return &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 900023,
			message: fmt.Sprintf("Specified tenant identifier '%s' is neither a valid DNS name, nor a valid external domain.", tenant)}
	}
	return &entraError{status: http.StatusBadRequest, err: errName, code: 90002,
		message: fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant)}
}

// openIDConfig is the part of Entra's v2.0 OpenID configuration that clients
// read; MSAL needs authorization_endpoint, token_endpoint and an issuer on the
// authority's host.
type openIDConfig struct {
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	Issuer                            string   `json:"issuer"`
	RequestURIParameterSupported      bool     `json:"request_uri_parameter_supported"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	DeviceAuthorizationEndpoint       string   `json:"device_authorization_endpoint"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	ClaimsSupported                   []string `json:"claims_supported"`
	TenantRegionScope                 string   `json:"tenant_region_scope"`
	CloudInstanceName                 string   `json:"cloud_instance_name"`
	MSGraphHost                       string   `json:"msgraph_host"`
}

func (t *tokenService) handleOpenIDConfig(w http.ResponseWriter, r *http.Request, tenant string) {
	setRoute(r, RouteOpenIDConfig)
	if !t.knownTenant(tenant) {
		t.writeError(w, r, tenantError(tenant, "invalid_tenant"))
		return
	}
	base := t.url + "/" + t.tenantID
	host := strings.TrimPrefix(t.url, "https://")
	writeEntraJSON(w, http.StatusOK, openIDConfig{
		TokenEndpoint:                     base + "/oauth2/v2.0/token",
		TokenEndpointAuthMethodsSupported: []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		JWKSURI:                           base + "/discovery/v2.0/keys",
		ResponseModesSupported:            []string{"query", "fragment", "form_post"},
		SubjectTypesSupported:             []string{"pairwise"},
		IDTokenSigningAlgValuesSupported:  []string{"ES256"},
		ResponseTypesSupported:            []string{"code", "id_token", "code id_token", "id_token token"},
		ScopesSupported:                   []string{"openid", "profile", "email", "offline_access"},
		Issuer:                            base + "/v2.0",
		AuthorizationEndpoint:             base + "/oauth2/v2.0/authorize",
		DeviceAuthorizationEndpoint:       base + "/oauth2/v2.0/devicecode",
		EndSessionEndpoint:                base + "/oauth2/v2.0/logout",
		ClaimsSupported:                   []string{"sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "appid", "azp", "roles", "ver"},
		TenantRegionScope:                 "WW",
		CloudInstanceName:                 host,
		MSGraphHost:                       host,
	})
}

// handleKeys serves the tenant's signing keys (JWKS), for clients that
// validate the access tokens themselves.
func (t *tokenService) handleKeys(w http.ResponseWriter, r *http.Request, tenant string) {
	setRoute(r, RouteOpenIDConfig)
	if !t.knownTenant(tenant) {
		t.writeError(w, r, tenantError(tenant, "invalid_tenant"))
		return
	}
	jwk, err := ecJWK(&t.key.PublicKey, t.keyID)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeEntraJSON(w, http.StatusOK, map[string]any{"keys": []any{jwk}})
}

// handleInstanceDiscovery answers MSAL's instance discovery for this host.
// MSAL only calls it on login.microsoftonline.com unless the authority host is
// a known Microsoft host, so with DisableInstanceDiscovery it is never used;
// it is here for clients that call it directly.
func (t *tokenService) handleInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	setRoute(r, RouteDiscovery)
	host := strings.TrimPrefix(t.url, "https://")
	tenant := "common"
	if ae := r.URL.Query().Get("authorization_endpoint"); ae != "" {
		u, err := url.Parse(ae)
		if err != nil || !strings.EqualFold(u.Host, host) {
			t.writeError(w, r, &entraError{status: http.StatusBadRequest, err: "invalid_instance", code: 50049,
				message: "Unknown or invalid instance."})
			return
		}
		if seg := strings.Split(strings.TrimPrefix(u.Path, "/"), "/"); seg[0] != "" {
			tenant = seg[0]
		}
	}
	writeEntraJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": t.url + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []any{map[string]any{
			"preferred_network": host,
			"preferred_cache":   host,
			"aliases":           []string{host},
		}},
	})
}

// tokenResponse is Entra's answer to a successful client_credentials request.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	ExtExpiresIn int64  `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
}

// oidcScopes are the scopes MSAL appends to every request; Entra ignores them
// for client_credentials.
var oidcScopes = map[string]bool{"openid": true, "offline_access": true, "profile": true, "email": true}

// handleToken is POST /{tenant}/oauth2/v2.0/token. Only client_credentials is
// supported, with a client secret, a certificate-signed client assertion or a
// federated assertion. Checks run in Entra's order: tenant, request shape,
// client, its credential, then the scope.
func (t *tokenService) handleToken(w http.ResponseWriter, r *http.Request, tenant string) {
	setRoute(r, RouteToken)
	app, acr, e := t.tokenRequest(w, r, tenant)
	if e != nil {
		t.writeError(w, r, e)
		return
	}
	now := time.Now()
	tok, exp, err := t.mint(app, acr, t.tokenLifetime(), now)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	in := exp.Unix() - now.Unix()
	writeEntraJSON(w, http.StatusOK, tokenResponse{TokenType: "Bearer", ExpiresIn: in, ExtExpiresIn: in, AccessToken: tok})
}

// tokenRequest runs the token endpoint's checks in Entra's order and returns
// the authenticated application and the appidacr of its credential, or the
// first refusal.
func (t *tokenService) tokenRequest(w http.ResponseWriter, r *http.Request, tenant string) (application, string, *entraError) {
	form, e := t.tokenForm(w, r, tenant)
	if e != nil {
		return application{}, "", e
	}
	app, e := t.tokenClient(r, form.Get("client_id"))
	if e != nil {
		return application{}, "", e
	}
	acr, e := t.clientCredential(app, form)
	if e != nil {
		return application{}, "", e
	}
	if e := t.checkScope(form.Get("scope")); e != nil {
		return application{}, "", e
	}
	return app, acr, nil
}

// tokenForm checks the tenant, the method and the grant type, and returns the
// request's form.
func (t *tokenService) tokenForm(w http.ResponseWriter, r *http.Request, tenant string) (url.Values, *entraError) {
	if !t.knownTenant(tenant) {
		return nil, tenantError(tenant, "invalid_request")
	}
	if r.Method != http.MethodPost {
		return nil, &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 900561,
			message: fmt.Sprintf("The endpoint only accepts POST, OPTIONS requests. Received a %s request.", r.Method)}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	if err := r.ParseForm(); err != nil {
		return nil, &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 900144,
			message: "The request body must contain the following parameter: 'grant_type'."}
	}
	form := r.PostForm
	switch grant := form.Get("grant_type"); grant {
	case "":
		return nil, missingParam("grant_type")
	case grantClientCredentials:
		return form, nil
	default:
		return nil, &entraError{status: http.StatusBadRequest, err: "unsupported_grant_type", code: 70003,
			message: fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant)}
	}
}

// tokenClient finds the registered application clientID names and records
// the client id in the request log, as sent until it is found, then as
// registered.
func (t *tokenService) tokenClient(r *http.Request, clientID string) (application, *entraError) {
	if clientID == "" {
		return application{}, missingParam("client_id")
	}
	info(r).clientID = clientID
	app, ok := t.app(clientID)
	if !ok {
		return application{}, &entraError{status: http.StatusBadRequest, err: "unauthorized_client", code: 700016,
			message: fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, t.tenantID)}
	}
	info(r).clientID = app.clientID
	return app, nil
}

// clientCredential authenticates app by the form's client assertion or client
// secret and returns the token's appidacr for it.
func (t *tokenService) clientCredential(app application, form url.Values) (string, *entraError) {
	switch {
	case form.Has("client_assertion") || form.Has("client_assertion_type"):
		if form.Get("client_assertion_type") != assertionTypeJWTBearer || form.Get("client_assertion") == "" {
			return "", &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 7000219,
				message: "'client_assertion' and 'client_assertion_type' of 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' are required together."}
		}
		if e := t.checkAssertion(app, form.Get("client_assertion"), time.Now()); e != nil {
			return "", e
		}
		return appidacrCertOrAssertion, nil
	case form.Has("client_secret"):
		got := form.Get("client_secret")
		if app.secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(app.secret)) != 1 {
			return "", &entraError{status: http.StatusUnauthorized, err: "invalid_client", code: 7000215,
				message: fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", app.clientID)}
		}
		return appidacrSecret, nil
	default:
		return "", &entraError{status: http.StatusUnauthorized, err: "invalid_client", code: 7000218,
			message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
	}
}

func missingParam(name string) *entraError {
	return &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 900144,
		message: fmt.Sprintf("The request body must contain the following parameter: '%s'.", name)}
}

// checkScope accepts exactly one resource scope, URL+"/.default", besides the
// OIDC scopes MSAL adds. A scope without /.default is AADSTS70011
// (invalid_scope); /.default of another resource is AADSTS500011
// (invalid_resource), as Entra answers for a resource not in the tenant.
func (t *tokenService) checkScope(scope string) *entraError {
	var res []string
	for _, s := range strings.Fields(scope) {
		if !oidcScopes[strings.ToLower(s)] {
			res = append(res, s)
		}
	}
	if len(res) == 0 {
		return missingParam("scope")
	}
	if len(res) > 1 || !strings.HasSuffix(res[0], "/.default") {
		return &entraError{status: http.StatusBadRequest, err: "invalid_scope", code: 70011,
			message: fmt.Sprintf("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", strings.Join(res, " "))}
	}
	resource := strings.TrimSuffix(res[0], "/.default")
	if !strings.EqualFold(strings.TrimSuffix(resource, "/"), t.url) {
		return t.resourceError(resource)
	}
	return nil
}

func (t *tokenService) resourceError(resource string) *entraError {
	return &entraError{status: http.StatusBadRequest, err: "invalid_resource", code: 500011,
		message: fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", resource, t.tenantID)}
}

// managedIdentityResponse is the App Service (2019-08-01) token response.
type managedIdentityResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresOn   string `json:"expires_on"`
	Resource    string `json:"resource"`
	TokenType   string `json:"token_type"`
	ClientID    string `json:"client_id"`
}

// managedIdentityError is the App Service identity endpoint's error body.
type managedIdentityError struct {
	StatusCode    int    `json:"statusCode"`
	Message       string `json:"message"`
	CorrelationID string `json:"correlationId"`
}

// handleManagedIdentity is the App Service-style managed identity endpoint:
// GET with X-IDENTITY-HEADER, api-version=2019-08-01, resource, and optionally
// client_id or object_id (principal_id) of a user-assigned identity.
func (t *tokenService) handleManagedIdentity(w http.ResponseWriter, r *http.Request) {
	setRoute(r, RouteManagedID)
	fail := func(status int, msg string) {
		writeEntraJSON(w, status, managedIdentityError{StatusCode: status, Message: msg, CorrelationID: uuid.NewString()})
	}
	if got := r.Header.Get(managedIdentityHeader); got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(t.miHeader)) != 1 {
		fail(http.StatusUnauthorized, "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.")
		return
	}
	q := r.URL.Query()
	if v := q.Get("api-version"); v != managedIdentityVersion {
		fail(http.StatusBadRequest, fmt.Sprintf("The api-version '%s' is not supported; use %s.", v, managedIdentityVersion))
		return
	}
	resource := q.Get("resource")
	if resource == "" {
		fail(http.StatusBadRequest, "The 'resource' query parameter is required.")
		return
	}
	app, ok := t.app(t.startApp)
	switch {
	case q.Get("client_id") != "":
		app, ok = t.app(q.Get("client_id"))
	case q.Get("object_id") != "":
		app, ok = t.appByObjectID(q.Get("object_id"))
	case q.Get("principal_id") != "":
		app, ok = t.appByObjectID(q.Get("principal_id"))
	case q.Get("mi_res_id") != "" || q.Get("msi_res_id") != "":
		ok = false
	}
	if !ok {
		fail(http.StatusBadRequest, "No Managed Identity found for specified ClientId/ResourceId/PrincipalId.")
		return
	}
	info(r).clientID = app.clientID
	if !strings.EqualFold(strings.TrimSuffix(resource, "/"), t.url) {
		e := t.resourceError(resource)
		fail(http.StatusBadRequest, fmt.Sprintf("AADSTS%d: %s", e.code, e.message))
		return
	}
	tok, exp, err := t.mint(app, appidacrCertOrAssertion, t.tokenLifetime(), time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeEntraJSON(w, http.StatusOK, managedIdentityResponse{
		AccessToken: tok,
		ExpiresOn:   fmt.Sprint(exp.Unix()),
		Resource:    resource,
		TokenType:   "Bearer",
		ClientID:    app.clientID,
	})
}

// entraError is an error of the token endpoint, written as Entra's OAuth error
// body. message is without the "AADSTSnnn: " prefix.
type entraError struct {
	status  int
	err     string // OAuth error: invalid_client, invalid_request, ...
	code    int    // AADSTS number
	message string
}

type entraErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
}

// writeError writes e as Entra does: the description carries the AADSTS code
// and ends with trace id, correlation id (the request's client-request-id)
// and timestamp, lines separated by CRLF. It never echoes credentials.
func (t *tokenService) writeError(w http.ResponseWriter, r *http.Request, e *entraError) {
	traceID := uuid.NewString()
	corrID := r.Header.Get("client-request-id")
	if _, err := uuid.Parse(corrID); err != nil {
		corrID = uuid.NewString()
	}
	ts := time.Now().UTC().Format("2006-01-02 15:04:05Z")
	w.Header().Set("x-ms-request-id", traceID)
	writeEntraJSON(w, e.status, entraErrorBody{
		Error:            e.err,
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", e.code, e.message, traceID, corrID, ts),
		ErrorCodes:       []int{e.code},
		Timestamp:        ts,
		TraceID:          traceID,
		CorrelationID:    corrID,
		ErrorURI:         fmt.Sprintf("%s/error?code=%d", t.url, e.code),
	})
}

// writeEntraJSON writes v with the token service's headers (no OData, no
// caching).
func writeEntraJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("x-ms-ests-server", "graphsim")
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}
