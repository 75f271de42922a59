package graphsim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// versions are the Graph API versions every rule is checked on.
var versions = []string{"v1.0", "beta"}

// Users and numbers the tests share.
const (
	upnA = "ada@contoso.com"
	upnB = "bob@contoso.com"
	numA = "+1 2065550100"
	numB = "+1 2065550101"
	numC = "+44 2079460958"
)

// sim is a running emulator with an HTTP/2 client and an application token
// obtained through the real azidentity ClientSecretCredential.
type sim struct {
	*Server
	t     testing.TB
	hc    *http.Client
	token string
}

// newServer starts an emulator that is closed when the test ends.
func newServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := NewServer(opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// newSim starts an emulator and authenticates against it.
func newSim(t testing.TB, opts Options) *sim {
	t.Helper()
	s := newServer(t, opts)
	return &sim{Server: s, t: t, hc: s.Client(), token: credentialToken(t, s)}
}

// credentialToken gets an access token for s's Graph scope with azidentity's
// ClientSecretCredential, the way phonereg does.
func credentialToken(t testing.TB, s *Server) string {
	t.Helper()
	return credentialTokenFor(t, s, s.ClientID(), s.ClientSecret())
}

// credentialTokenFor is credentialToken for another registered application.
func credentialTokenFor(t testing.TB, s *Server, clientID, secret string) string {
	t.Helper()
	return emulatorToken(t, s.Emulator, s.Client(), clientID, secret)
}

// emulatorToken is credentialTokenFor an Emulator served by any server that
// hc trusts.
func emulatorToken(t testing.TB, em *Emulator, hc *http.Client, clientID, secret string) string {
	t.Helper()
	cred, err := em.ClientSecretCredential(clientID, secret, hc)
	if err != nil {
		t.Fatalf("NewClientSecretCredential: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{em.Scope()}})
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	if tok.Token == "" {
		t.Fatal("GetToken: got an empty token; want a token")
	}
	return tok.Token
}

// with returns c for use in the (sub)test t.
func (c *sim) with(t testing.TB) *sim {
	cc := *c
	cc.t = t
	return &cc
}

// phonesPath is the phoneMethods collection of user (escaped) on version.
func phonesPath(version, user string) string {
	return "/" + version + "/users/" + url.PathEscape(user) + "/authentication/phoneMethods"
}

// methodPath is one phone method of user on version.
func methodPath(version, user, methodID string) string {
	return phonesPath(version, user) + "/" + url.PathEscape(methodID)
}

// response is what a test needs of an HTTP response.
type response struct {
	Status     int
	Header     http.Header
	Body       []byte
	ProtoMajor int
}

// call sends one request with the sim's token. body is nil (none), a string
// or []byte (sent as is), or a value marshalled to JSON. hdr are extra
// header name/value pairs.
func (c *sim) call(method, path string, body any, hdr ...string) response {
	c.t.Helper()
	return c.callAs(c.token, method, path, body, hdr...)
}

// callAs is call with another bearer token ("" for no Authorization header).
func (c *sim) callAs(token, method, path string, body any, hdr ...string) response {
	c.t.Helper()
	r, err := c.send(token, method, path, body, hdr...)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// send is callAs that returns errors instead of failing the test, for use in
// other goroutines.
func (c *sim) send(token, method, path string, body any, hdr ...string) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.URL+path, rd)
	if err != nil {
		return response{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b, ProtoMajor: resp.ProtoMajor}, nil
}

// decode unmarshals the body into v.
func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode body %q: %v", r.Body, err)
	}
}

// wireMethod is a phoneAuthenticationMethod as a client reads it.
type wireMethod struct {
	ODataType      string `json:"@odata.type"`
	ID             string `json:"id"`
	PhoneNumber    string `json:"phoneNumber"`
	PhoneType      string `json:"phoneType"`
	SmsSignInState string `json:"smsSignInState"`
}

// method decodes a single phone method.
func (r response) method(t testing.TB) wireMethod {
	t.Helper()
	var m wireMethod
	r.decode(t, &m)
	return m
}

// wireError is Graph's error envelope as a client reads it.
type wireError struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			Date            string `json:"date"`
			RequestID       string `json:"request-id"`
			ClientRequestID string `json:"client-request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// graphErr decodes a Graph error body.
func (r response) graphErr(t testing.TB) wireError {
	t.Helper()
	var e wireError
	r.decode(t, &e)
	return e
}

// wantStatus fails the test unless r has status want.
func wantStatus(t testing.TB, what string, r response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: got status %d (body %s); want %d", what, r.Status, r.Body, want)
	}
}

// wantError fails the test unless r is a Graph error with status and, when
// code is not empty, that code.
func wantError(t testing.TB, what string, r response, status int, code string) {
	t.Helper()
	wantStatus(t, what, r, status)
	e := r.graphErr(t)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("%s: got error code %q message %q; want both set", what, e.Error.Code, e.Error.Message)
	}
	if code != "" && e.Error.Code != code {
		t.Errorf("%s: got error code %q; want %q", what, e.Error.Code, code)
	}
}

// list returns the user's phone methods as Graph lists them.
func (c *sim) list(version, user string) []wireMethod {
	c.t.Helper()
	r := c.call(http.MethodGet, phonesPath(version, user), nil)
	wantStatus(c.t, "list", r, http.StatusOK)
	var v struct {
		Value []wireMethod `json:"value"`
	}
	r.decode(c.t, &v)
	return v.Value
}

// state is the smsSignInState of the user's mobile as Graph shows it ("" when
// the user has no mobile).
func (c *sim) state(version, user string) string {
	c.t.Helper()
	for _, m := range c.list(version, user) {
		if m.PhoneType == TypeMobile {
			return m.SmsSignInState
		}
	}
	return ""
}

// create posts a phone method and returns the response.
func (c *sim) create(version, user, phoneType, number string) response {
	c.t.Helper()
	return c.call(http.MethodPost, phonesPath(version, user), map[string]string{"phoneNumber": number, "phoneType": phoneType})
}

// mustCreate creates a phone method and fails unless it is created (200/201).
func (c *sim) mustCreate(version, user, phoneType, number string) wireMethod {
	c.t.Helper()
	r := c.create(version, user, phoneType, number)
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		c.t.Fatalf("create %s %s for %s: got status %d (body %s); want 201", phoneType, number, user, r.Status, r.Body)
	}
	return r.method(c.t)
}

// sms posts enableSmsSignIn or disableSmsSignIn ("enable"/"disable").
func (c *sim) sms(version, user, methodID, action string) response {
	c.t.Helper()
	return c.call(http.MethodPost, methodPath(version, user, methodID)+"/"+action+"SmsSignIn", nil)
}

// mustAddUser adds a user and returns its id.
func mustAddUser(t testing.TB, s *Server, u User) string {
	t.Helper()
	id, err := s.AddUser(u)
	if err != nil {
		t.Fatalf("AddUser(%+v): %v", u, err)
	}
	return id
}

// serverMobile is the user's mobile as the server holds it (raw state).
func serverMobile(t testing.TB, s *Server, user string) (PhoneMethod, bool) {
	t.Helper()
	ms, ok := s.Methods(user)
	if !ok {
		t.Fatalf("Methods(%q): user not found", user)
	}
	for _, m := range ms {
		if m.PhoneType == TypeMobile {
			return m, true
		}
	}
	return PhoneMethod{}, false
}
