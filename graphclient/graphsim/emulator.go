package graphsim

// The Emulator: the handler that serves Graph, the token service and the
// control endpoints, and the identity it was made with. Server (server.go)
// puts it behind a TLS listener.

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// maxRequestBody bounds every request body the emulator reads (Graph, token
// and control endpoints): it only ever needs small JSON or form bodies.
const maxRequestBody = 64 << 10

// Emulator is the emulated Graph and Entra token service as an http.Handler,
// without a listener: Server wraps one in a TLS server, as httptest.Server
// wraps a handler. Its state lives in memory and is shared by every request it
// serves. Its methods are safe for concurrent use, also while it serves.
//
// An Emulator must be reached under the URL it was made with (Options.URL),
// over HTTPS: the tokens it issues name that URL as their audience and issuer,
// and its OpenID configuration and OData contexts point there. To serve one
// from a server of your own, learn the address before making it:
//
//	ts := httptest.NewUnstartedServer(nil)
//	em, err := graphsim.New(graphsim.Options{URL: "https://" + ts.Listener.Addr().String()})
//	...
//	ts.Config.Handler = em
//	ts.StartTLS()
type Emulator struct {
	url     string // the root clients reach: Graph root, authority host, token audience
	opts    Options
	tokens  *tokenService
	dir     *directory
	stats   *stats
	handler http.Handler

	knobsMu sync.Mutex
	knobs   Knobs
	bucket  bucket
	rng     *lockedRand
}

// New makes an emulator for clients that reach it at opts.URL, which is
// required (https, a host, no path). It fills the other identity fields of
// opts that are empty, creates opts.Users and applies opts.Knobs; an invalid
// user or knob is an error. opts.Addr and opts.ExtraHosts are the Server's and
// are ignored.
func New(opts Options) (*Emulator, error) {
	base, err := rootURL(opts.URL)
	if err != nil {
		return nil, err
	}
	return newEmulator(base, opts)
}

// newEmulator is New for a root URL already in its canonical form, such as
// NewServer's own address (which may carry an IPv6 zone that url.Parse would
// refuse).
func newEmulator(base string, opts Options) (*Emulator, error) {
	opts.URL = base
	opts = withDefaults(opts)
	em := &Emulator{
		url:   base,
		opts:  opts,
		dir:   newDirectory(opts.AutoCreateUsers),
		stats: newStats(),
	}
	if err := em.SetKnobs(opts.Knobs); err != nil {
		return nil, err
	}
	for _, u := range opts.Users {
		if _, err := em.AddUser(u); err != nil {
			return nil, err
		}
	}
	var err error
	if em.tokens, err = newTokenService(base, opts); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	em.tokens.routes(mux)
	em.graphRoutes(mux)
	em.adminRoutes(mux)
	em.handler = em.middleware(mux)
	return em, nil
}

// rootURL checks an emulator's root URL and returns it without a trailing
// slash, the form tokens and checks compare against.
func rootURL(raw string) (string, error) {
	if raw == "" {
		return "", fmt.Errorf("graphsim: Options.URL is required: the root at which clients reach the emulator, like https://127.0.0.1:8443")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("graphsim: Options.URL %q: want https://host[:port] with no path", raw)
	}
	return "https://" + u.Host, nil
}

// withDefaults fills the identity fields of opts that are unset: a new
// tenant, application and secret, the ReadWrite.All grant, one hour tokens.
func withDefaults(opts Options) Options {
	if opts.TenantID == "" {
		opts.TenantID = uuid.NewString()
	}
	if opts.ClientID == "" {
		opts.ClientID = uuid.NewString()
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "sim~" + randomToken(24)
	}
	if opts.Roles == nil {
		opts.Roles = []string{RoleReadWriteAll}
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = defaultTokenLifetime
	}
	return opts
}

// ServeHTTP serves Graph under /v1.0 and /beta, the token service under
// /{tenant}, /common and ManagedIdentityPath, and the control endpoints under
// /_sim/ (see AdminHeader). Every response carries request-id and
// client-request-id, and every request is logged (see Requests). The faults
// that drop a connection (Knobs.FaultReset, Knobs.FaultAmbiguous) panic with
// http.ErrAbortHandler, which net/http's server answers by closing the
// connection; a caller of ServeHTTP outside net/http must recover it.
func (em *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	em.handler.ServeHTTP(w, r)
}

// GraphURL is the Graph service root without a version, like
// "https://graph.microsoft.com"; it is the emulator's URL.
func (em *Emulator) GraphURL() string { return em.url }

// AuthorityHost is the Entra authority host, like
// "https://login.microsoftonline.com"; it is the emulator's URL.
func (em *Emulator) AuthorityHost() string { return em.url }

// Scope is the token scope for Graph: GraphURL + "/.default".
func (em *Emulator) Scope() string { return em.url + "/.default" }

// TenantID of the emulated tenant.
func (em *Emulator) TenantID() string { return em.opts.TenantID }

// ClientID of the application registered at start.
func (em *Emulator) ClientID() string { return em.opts.ClientID }

// ClientSecret of the application registered at start.
func (em *Emulator) ClientSecret() string { return em.opts.ClientSecret }
