package graphclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// Numbers used across the tests, in Graph's format.
const (
	number1 = "+1 2065550100"
	number2 = "+1 2065550101"
	number3 = "+1 2065550102"
)

// testCtx is the test's context, bounded so that a hung request fails the
// test instead of the whole run.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// startSim starts an emulator over TLS on loopback, closed when the test ends.
func startSim(t testing.TB, opts graphsim.Options) *graphsim.Server {
	t.Helper()
	s, err := graphsim.NewServer(opts)
	if err != nil {
		t.Fatalf("graphsim.NewServer: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// simHTTPClient is phonereg's HTTP client trusting s's CA.
func simHTTPClient(s *graphsim.Server) *http.Client {
	return NewHTTPClient(&tls.Config{RootCAs: s.CertPool()})
}

// simCredential is the real azidentity ClientSecretCredential for s's
// application, pointed at s's authority host only.
func simCredential(t testing.TB, s *graphsim.Server) azcore.TokenCredential {
	t.Helper()
	return secretCredential(t, s, s.ClientID(), s.ClientSecret())
}

// secretCredential is a ClientSecretCredential for any application of s.
func secretCredential(t testing.TB, s *graphsim.Server, clientID, secret string) azcore.TokenCredential {
	t.Helper()
	cred, err := s.Credential(clientID, secret)
	if err != nil {
		t.Fatalf("NewClientSecretCredential: %v", err)
	}
	return cred
}

// simConfig is the Config of a client for s: the real credential, phonereg's
// transport and a short retry delay so that tests are fast.
func simConfig(t testing.TB, s *graphsim.Server) Config {
	t.Helper()
	return Config{
		Credential: simCredential(t, s),
		GraphURL:   s.GraphURL(),
		Transport:  simHTTPClient(s),
		RetryDelay: 10 * time.Millisecond,
		Version:    "1.2.3-test",
	}
}

// newClient builds a client from cfg or fails the test.
func newClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// simClient is a client for s, with cfg edited by the edit functions.
func simClient(t testing.TB, s *graphsim.Server, edit ...func(*Config)) *Client {
	t.Helper()
	cfg := simConfig(t, s)
	for _, e := range edit {
		e(&cfg)
	}
	return newClient(t, cfg)
}

// addUser adds a user to s and returns its object id.
func addUser(t testing.TB, s *graphsim.Server, u graphsim.User) string {
	t.Helper()
	id, err := s.AddUser(u)
	if err != nil {
		t.Fatalf("AddUser(%+v): %v", u, err)
	}
	return id
}

// setKnobs changes s's knobs or fails the test.
func setKnobs(t testing.TB, s *graphsim.Server, k graphsim.Knobs) {
	t.Helper()
	if err := s.SetKnobs(k); err != nil {
		t.Fatalf("SetKnobs(%+v): %v", k, err)
	}
}

// serverMethod is the user's method of type pt as graphsim holds it.
func serverMethod(t testing.TB, s *graphsim.Server, user string, pt PhoneType) (graphsim.PhoneMethod, bool) {
	t.Helper()
	ms, ok := s.Methods(user)
	if !ok {
		t.Fatalf("graphsim has no user %q", user)
	}
	for _, m := range ms {
		if m.PhoneType == string(pt) {
			return m, true
		}
	}
	return graphsim.PhoneMethod{}, false
}

// graphRoutes are graphsim's Graph routes (not the token service's).
var graphRoutes = []string{
	graphsim.RouteList, graphsim.RouteGet, graphsim.RouteCreate, graphsim.RouteUpdate,
	graphsim.RouteDelete, graphsim.RouteEnableSms, graphsim.RouteDisableSms,
}

// graphRequests is s's request log without the token service's requests.
func graphRequests(s *graphsim.Server) []graphsim.Request {
	var out []graphsim.Request
	for _, r := range s.Requests() {
		if slices.Contains(graphRoutes, r.Route) {
			out = append(out, r)
		}
	}
	return out
}

// asError returns err as a *Error or fails the test.
func asError(t testing.TB, err error) *Error {
	t.Helper()
	var ge *Error
	if !errors.As(err, &ge) {
		t.Fatalf("got error %v (%T); want a *graphclient.Error", err, err)
	}
	return ge
}

// sentinels are the status sentinels a *Error can match.
var sentinels = []struct {
	name string
	err  error
}{
	{"ErrBadRequest", ErrBadRequest},
	{"ErrUnauthorized", ErrUnauthorized},
	{"ErrForbidden", ErrForbidden},
	{"ErrNotFound", ErrNotFound},
	{"ErrConflict", ErrConflict},
	{"ErrThrottled", ErrThrottled},
	{"ErrUnavailable", ErrUnavailable},
	{"ErrAmbiguous", ErrAmbiguous},
	{"ErrTransport", ErrTransport},
}

// checkSentinels fails unless err matches want and no other sentinel (want
// may be nil: none).
func checkSentinels(t testing.TB, err, want error) {
	t.Helper()
	for _, s := range sentinels {
		if got := errors.Is(err, s.err); got != (s.err == want) {
			t.Errorf("errors.Is(%v, %s) = %v; want %v", err, s.name, got, s.err == want)
		}
	}
}

// staticCredential hands out a fixed token, for servers that are not graphsim.
type staticCredential struct{ token string }

func (c staticCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: c.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// failingCredential always fails, like a credential with a wrong secret.
type failingCredential struct{ err error }

func (c failingCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, c.err
}

// transportFunc is a fake policy.Transporter.
type transportFunc func(*http.Request) (*http.Response, error)

func (f transportFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// fakeResponse is a response to req with status, headers as name/value pairs
// and body.
func fakeResponse(req *http.Request, status int, body string, hdr ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}
}

// exchange is one request and its answer as the client's transport saw them.
type exchange struct {
	Sent, Received  time.Time
	ClientRequestID string
	Status          int // 0 for a transport error
	RetryAfter      string
}

// recorder wraps a transport and records every exchange, with the client's
// clock: when the request left and when its answer came back.
type recorder struct {
	next policy.Transporter
	mu   sync.Mutex
	log  []exchange
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	ex := exchange{Sent: time.Now(), ClientRequestID: req.Header.Get("client-request-id")}
	resp, err := r.next.Do(req)
	ex.Received = time.Now()
	if err == nil {
		ex.Status = resp.StatusCode
		ex.RetryAfter = resp.Header.Get("Retry-After")
	}
	r.mu.Lock()
	r.log = append(r.log, ex)
	r.mu.Unlock()
	return resp, err
}

func (r *recorder) exchanges() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchange(nil), r.log...)
}

// tlsServer is an httptest TLS server on loopback that records the requests
// it gets and answers with handler.
type tlsServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func startTLSServer(t testing.TB, handler http.HandlerFunc) *tlsServer {
	t.Helper()
	ts := &tlsServer{}
	ts.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.reqs = append(ts.reqs, r.Clone(context.Background()))
		ts.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tlsServer) requests() []*http.Request {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]*http.Request(nil), ts.reqs...)
}

// pool trusts ts's certificate.
func (ts *tlsServer) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ts.Certificate())
	return p
}

// tlsClient is a client for ts with a fixed token and cfg edited by edit.
func tlsClient(t testing.TB, ts *tlsServer, edit ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		Credential: staticCredential{token: "test-token"},
		GraphURL:   ts.URL,
		Transport:  NewHTTPClient(&tls.Config{RootCAs: ts.pool()}),
		RetryDelay: time.Millisecond,
		Version:    "1.2.3-test",
	}
	for _, e := range edit {
		e(&cfg)
	}
	return newClient(t, cfg)
}

// writeGraphError answers like Graph does when it refuses a request.
func writeGraphError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", "11111111-2222-3333-4444-555555555555")
	w.WriteHeader(status)
	io.WriteString(w, `{"error":{"code":"`+code+`","message":"`+message+`","innerError":{"date":"2024-01-01T00:00:00","request-id":"11111111-2222-3333-4444-555555555555"}}}`)
}
