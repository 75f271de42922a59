package graphsim

// The application registrations of the emulated tenant: client id, secret,
// certificates, federated subjects and granted roles.

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

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
	// identity credentials, each with issuer GraphURL()+"/federation" and
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
