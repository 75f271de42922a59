package graphclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"go.uber.org/zap"
)

// Config configures a Client.
type Config struct {
	// Credential gets tokens for Graph; required.
	Credential azcore.TokenCredential
	// GraphURL is the service root without a version, like
	// "https://graph.microsoft.com"; required. Tokens are requested for
	// GraphURL + "/.default" and sent to no other host.
	GraphURL string
	// APIVersion is "v1.0" (default) or "beta".
	APIVersion string
	// Transport sends the requests; default NewHTTPClient(nil). Its redirects
	// should be off, as NewHTTPClient's are.
	Transport policy.Transporter
	// Rate is the ceiling of tries (retries included) per second for the
	// whole client, never exceeded in any second; 0 means none. Below it the
	// flow controller finds the pace Graph accepts (flow.go).
	Rate float64
	// MaxAttempts per request for failures (5xx, timeouts, dropped
	// connections), the first try included; default 5. Waiting out a 429
	// does not use one up: ThrottleBudget bounds that.
	MaxAttempts int
	// ThrottleBudget is the longest one request waits out 429s in all;
	// default 180 s, the cap of Graph's SDKs. Past it the request fails with
	// ErrThrottled.
	ThrottleBudget time.Duration
	// Timeout bounds one try's exchange (not its wait in the flow
	// controller); default 60 s, when Graph gives up on a request.
	Timeout time.Duration
	// RetryDelay is the base of the exponential backoff of retries after a
	// failure when the server names no Retry-After; default 800 ms. After a
	// 429 without Retry-After the flow controller's gate backs off from a
	// quarter of it, with jitter. MaxRetryDelay is the longest wait between tries,
	// Retry-After included; default 180 s (a longer Retry-After ends the
	// retries).
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration
	// Version is phonereg's version, for the User-Agent.
	Version string
	// Logger gets one debug line per try; default a no-op logger.
	Logger *zap.Logger
	// ShowPII keeps phone numbers in Graph's error messages (and in transport
	// failures) as Graph wrote them. By default the client masks them
	// (MaskPhones) before they reach an *Error, a *TransportError or a log
	// line, so that nothing built from those shows a number. Set it only
	// when the user asked to see PII (--show-pii).
	ShowPII bool
}

// Client calls the Graph phone authentication method endpoints. It is safe for
// concurrent use; its flow controller (pace, ceiling, throttle gate) is shared
// by every goroutine using it.
type Client struct {
	base       string // GraphURL + "/" + APIVersion
	host       string
	scope      string
	cred       azcore.TokenCredential
	pl         runtime.Pipeline
	flow       *flow
	ops        atomic.Int64
	tries      atomic.Int64
	readRetry  policy.RetryOptions
	writeRetry policy.RetryOptions
	pii        piiMask
}

// New returns a Client for cfg, or an error when cfg has no credential or an
// invalid GraphURL or APIVersion. It does no I/O: a bad credential shows on
// the first request, or earlier with CheckPermissions.
func New(cfg Config) (*Client, error) {
	root, err := cfg.setDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{
		base: root.String() + "/" + cfg.APIVersion,
		host: root.Host,
		flow: newFlow(cfg.Rate, cfg.RetryDelay/4, cfg.MaxRetryDelay),
		pii:  piiMask{show: cfg.ShowPII},
	}
	c.readRetry = policy.RetryOptions{
		MaxRetries:    int32(cfg.MaxAttempts - 1),
		RetryDelay:    cfg.RetryDelay,
		MaxRetryDelay: cfg.MaxRetryDelay,
		StatusCodes:   retryStatuses,
	}
	if cfg.MaxAttempts == 1 {
		c.readRetry.MaxRetries = -1
	}
	// A write is not tried again after a transport failure: it may have been
	// applied, and only reading the state back can tell (ErrAmbiguous).
	c.writeRetry = c.readRetry
	c.writeRetry.ShouldRetry = func(resp *http.Response, err error) bool {
		return err == nil && runtime.HasStatusCode(resp, retryStatuses...)
	}

	c.scope, c.cred = root.String()+"/.default", cfg.Credential
	perRetry := []policy.Policy{
		fractionalRetryAfter{},
		throttleRetry{budget: cfg.ThrottleBudget},
		&tryPolicy{log: cfg.Logger, pii: c.pii},
		flowPolicy{c.flow},
		hostGuard(c.host), bearerPolicy(cfg.Credential, c.scope, root.Scheme == "http"),
		sendPolicy{timeout: cfg.Timeout}, countTries{&c.tries},
	}
	c.pl = runtime.NewPipeline("graphclient", cfg.Version, runtime.PipelineOptions{PerRetry: perRetry}, &policy.ClientOptions{
		Transport: cappedTransport{cfg.Transport},
		Retry:     c.readRetry,
		Telemetry: policy.TelemetryOptions{ApplicationID: userAgentID(cfg.Version)},
		Logging:   policy.LogOptions{IncludeBody: false},
	})
	return c, nil
}

// setDefaults checks cfg and fills in the defaults; it returns the Graph root.
func (cfg *Config) setDefaults() (*url.URL, error) {
	if cfg.Credential == nil {
		return nil, errors.New("a credential is required")
	}
	root, err := parseRoot(cfg.GraphURL)
	if err != nil {
		return nil, err
	}
	switch cfg.APIVersion {
	case "":
		cfg.APIVersion = "v1.0"
	case "v1.0", "beta":
	default:
		return nil, fmt.Errorf("API version %q: want v1.0 or beta", cfg.APIVersion)
	}
	if cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) {
		return nil, fmt.Errorf("rate %v: want a finite number of requests per second, 0 for none", cfg.Rate)
	}
	setDefault(&cfg.MaxAttempts, 5)
	setDefault(&cfg.Timeout, 60*time.Second)
	setDefault(&cfg.RetryDelay, 800*time.Millisecond)
	setDefault(&cfg.MaxRetryDelay, 180*time.Second)
	setDefault(&cfg.ThrottleBudget, 180*time.Second)
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Transport == nil {
		cfg.Transport = NewHTTPClient(nil)
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	return root, nil
}

// setDefault sets *v to def when it is zero or negative.
func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// bearerPolicy sends cred's tokens for scope, and on a 401 with a challenge
// gets a fresh one and tries once more. overHTTP allows a plain-http Graph
// root, which parseRoot lets through for loopback only (a local emulator):
// azcore refuses to send a token over http unless told.
func bearerPolicy(cred azcore.TokenCredential, scope string, overHTTP bool) policy.Policy {
	return runtime.NewBearerTokenPolicy(authCredential{cred}, []string{scope}, &policy.BearerTokenOptions{
		InsecureAllowCredentialWithHTTP: overHTTP,
		AuthorizationHandler: policy.AuthorizationHandler{
			OnChallenge: func(req *policy.Request, _ *http.Response, authNZ func(policy.TokenRequestOptions) error) error {
				return authNZ(policy.TokenRequestOptions{Scopes: []string{scope}})
			},
		},
	})
}

// retryStatuses are retried by azcore's retry policy, using up attempts; a 429
// is retried below it, by throttleRetry, and reaches it only once the
// throttle budget is spent.
var retryStatuses = []int{
	http.StatusRequestTimeout,
	http.StatusInternalServerError,
	http.StatusBadGateway,
	http.StatusServiceUnavailable,
	http.StatusGatewayTimeout,
}

// userAgentID is the User-Agent's application part: "phonereg/VERSION", cut to
// azcore's 24 characters.
func userAgentID(version string) string {
	id := "phonereg/" + strings.ReplaceAll(version, " ", "-")
	if len(id) > 24 {
		id = id[:24]
	}
	return id
}

// parseRoot checks a Graph root: an absolute https URL (http only for a
// loopback host), no user name or password, no version, no query. A URL with
// a password is named in its error without it.
func parseRoot(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("Graph URL %q is not an absolute URL like https://graph.microsoft.com", s)
	}
	if u.User != nil {
		// Credentials in the URL would go along with every request (and into
		// errors and logs): the token is the only credential Graph gets.
		return nil, fmt.Errorf("Graph URL %q must not hold a user name or password", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("Graph URL %q must not have a query or fragment", s)
	}
	last := u.Path[strings.LastIndexByte(u.Path, '/')+1:]
	if last == "v1.0" || last == "beta" {
		return nil, fmt.Errorf("Graph URL %q must be the service root without a version (the API version is set separately)", s)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil, fmt.Errorf("Graph URL %q must use https (http only for a loopback address)", s)
	}
	return u, nil
}

// hostGuard refuses to send a request (and so its token) to any host but the
// Graph root's.
type hostGuard string

func (h hostGuard) Do(req *policy.Request) (*http.Response, error) {
	if !strings.EqualFold(req.Raw().URL.Host, string(h)) {
		return nil, nonRetriable{fmt.Errorf("refusing to send the Graph token to %s (Graph is %s)", req.Raw().URL.Host, string(h))}
	}
	return req.Next()
}

// countTries counts the tries that reach the transport.
type countTries struct{ n *atomic.Int64 }

func (c countTries) Do(req *policy.Request) (*http.Response, error) {
	c.n.Add(1)
	return req.Next()
}

// nonRetriable marks an error azcore's retry policy must not retry.
type nonRetriable struct{ error }

func (nonRetriable) NonRetriable()   {}
func (e nonRetriable) Unwrap() error { return e.error }

// AuthError is a failure to get a token: a wrong secret, an unknown tenant, a
// credential that is not available here. No request reached Graph.
type AuthError struct {
	Err error
}

func (e *AuthError) Error() string { return "authentication failed: " + e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// authCredential marks its credential's errors as *AuthError, and makes the
// bearer policy stop using a token a little before Graph would refuse it.
type authCredential struct {
	cred azcore.TokenCredential
}

func (a authCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tk, err := a.cred.GetToken(ctx, o)
	if err != nil {
		if ctx.Err() == nil {
			return tk, &AuthError{Err: err}
		}
		return tk, err
	}
	tk.ExpiresOn = usableUntil(tk, time.Now())
	return tk, nil
}

// maxExpiryMargin bounds how long before its expiry a token is replaced.
const maxExpiryMargin = 10 * time.Second

// usableUntil is when the client stops sending tk. azcore's bearer policy
// tries to refresh from five minutes before ExpiresOn, but only every 30 s,
// and keeps sending the old token until ExpiresOn; MSAL computes ExpiresOn
// from expires_in when the answer arrives, up to a second or so after the
// whole-second exp the token carries. Without a margin a request sent in the
// token's last moments is refused with a 401 (answered by a challenge and a
// retry, but a wasted try). So: the earlier of ExpiresOn and the token's exp
// claim, less a tenth of the remaining lifetime, at most maxExpiryMargin.
func usableUntil(tk azcore.AccessToken, now time.Time) time.Time {
	until := tk.ExpiresOn
	if c, err := parseClaims(tk.Token); err == nil {
		if exp, ok := c.expiry(); ok && exp.Before(until) {
			until = exp
		}
	}
	if margin := min(maxExpiryMargin, until.Sub(now)/10); margin > 0 {
		until = until.Add(-margin)
	}
	return until
}

// Stats are counters of a client's traffic.
type Stats struct {
	Requests  int64 // operations (ListPhoneMethods, CreatePhoneMethod, …)
	Tries     int64 // HTTP requests sent, retries included
	Throttled int64 // 429 answers
}

// Stats returns the client's counters so far.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.ops.Load(), Tries: c.tries.Load(), Throttled: c.flow.throttled.Load()}
}

// Flow returns the flow controller's state: the current pace, the ceiling,
// the latency of an exchange.
func (c *Client) Flow() FlowStats { return c.flow.stats() }

// Concurrency is how many requests should be in flight to keep the current
// pace (Little's law: rate × latency, with headroom), at least 1 and at most
// limit. Before any answer came it assumes 1 s, the slow end of what Graph
// shows: too many workers only wait for their turn, too few leave the pace
// unused.
func (c *Client) Concurrency(limit int) int {
	st := c.flow.stats()
	lat := st.Latency.Seconds()
	if lat <= 0 {
		lat = 1
	}
	if math.IsInf(st.Rate, 1) {
		return max(1, limit)
	}
	n := int(math.Ceil(st.Rate*lat*1.5)) + 2
	return max(1, min(n, limit))
}

// ThrottleLimitPercentage is the last x-ms-throttle-limit-percentage Graph
// sent (0.8 and up as the application nears its limit), or 0 once a success
// came without it. A caller can slow down before it is throttled.
func (c *Client) ThrottleLimitPercentage() float64 {
	return c.flow.limitPercentage()
}

// ThrottledUntil is when the flow controller's gate opens; a past time means open.
func (c *Client) ThrottledUntil() time.Time { return c.flow.Until() }

// userPath is the path of a user's phone methods; the user (object id or
// userPrincipalName) is escaped as one path segment, with ' escaped too.
func (c *Client) userPath(user string) string {
	return c.base + "/users/" + strings.ReplaceAll(url.PathEscape(user), "'", "%27") + "/authentication/phoneMethods"
}

// do sends one operation and decodes a success into out (when not nil). ok are
// the success statuses.
func (c *Client) do(ctx context.Context, op, method, endpoint string, body, out any, ok ...int) error {
	c.ops.Add(1)
	write := method != http.MethodGet
	if write {
		ctx = policy.WithRetryOptions(ctx, c.writeRetry)
	}
	req, err := runtime.NewRequest(ctx, method, endpoint)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	st := &opStats{}
	req.SetOperationValue(st)
	req.Raw().Header.Set("Accept", "application/json")
	if body != nil {
		if err := runtime.MarshalAsJSON(req, body); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	resp, err := c.pl.Do(req)
	if err != nil {
		var ae *AuthError
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("%s: %w", op, ctx.Err())
		case errors.As(err, &ae):
			return ae
		case !st.sent:
			return fmt.Errorf("%s: %w", op, err)
		}
		return &TransportError{Method: method, Operation: op, Write: write, ClientRequestID: st.crid, Err: c.pii.err(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		return &TransportError{Method: method, Operation: op, Write: write, ClientRequestID: st.crid, Err: c.pii.err(err)}
	}
	for _, s := range ok {
		if resp.StatusCode != s {
			continue
		}
		if out != nil && len(strings.TrimSpace(string(data))) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("%s: reading Graph's answer (%d): %w [request-id %s]", op, resp.StatusCode, err, resp.Header.Get("request-id"))
			}
		}
		return nil
	}
	if len(data) > maxErrorBody {
		data = data[:maxErrorBody]
	}
	e := newError(op, resp, data)
	e.Message = c.pii.text(e.Message)
	e.Needs = neededPermission(method, endpoint)
	return e
}

// ListPhoneMethods returns the user's phone methods.
func (c *Client) ListPhoneMethods(ctx context.Context, user string) ([]PhoneMethod, error) {
	var out struct {
		Value []PhoneMethod `json:"value"`
	}
	err := c.do(ctx, "list phone methods", http.MethodGet, c.userPath(user), nil, &out, http.StatusOK)
	return out.Value, err
}

// CreatePhoneMethod adds a phone method of type t with number (in Graph's
// format, "+1 2065550100") and returns it as Graph answered: 201 or 200, both
// documented. A 409 phoneNumberNotUnique may come back while the method was
// created: read the state back before deciding.
func (c *Client) CreatePhoneMethod(ctx context.Context, user string, t PhoneType, number string) (PhoneMethod, error) {
	in := PhoneMethod{PhoneNumber: number, PhoneType: t}
	var m PhoneMethod
	err := c.do(ctx, "create "+string(t)+" phone method", http.MethodPost, c.userPath(user), in, &m, http.StatusCreated, http.StatusOK)
	if err == nil && m.PhoneType == "" {
		m = PhoneMethod{ID: t.MethodID(), PhoneNumber: number, PhoneType: t}
	}
	return m, err
}

// UpdatePhoneMethod replaces the number of the user's method with methodID
// (204, or 200 on older beta).
func (c *Client) UpdatePhoneMethod(ctx context.Context, user, methodID, number string) error {
	in := struct {
		PhoneNumber string `json:"phoneNumber"`
	}{number}
	return c.do(ctx, "update phone method", http.MethodPatch, c.userPath(user)+"/"+url.PathEscape(methodID), in, nil, http.StatusNoContent, http.StatusOK)
}

// EnableSmsSignIn enables SMS sign-in on the user's mobile method (204, or 200
// on older beta). A refusal does not reliably say why: read the method's
// smsSignInState, then the error's Code.
func (c *Client) EnableSmsSignIn(ctx context.Context, user string) error {
	return c.do(ctx, "enable SMS sign-in", http.MethodPost, c.userPath(user)+"/"+MobileMethodID+"/enableSmsSignIn", nil, nil, http.StatusNoContent, http.StatusOK)
}

// DeletePhoneMethod deletes the user's method with methodID (204; 200 is
// accepted too). Graph refuses to delete a mobile while an alternateMobile
// exists, and the user's default MFA method; neither refusal's code is
// documented, so a caller reads the methods back before deciding what a
// refusal meant.
func (c *Client) DeletePhoneMethod(ctx context.Context, user, methodID string) error {
	return c.do(ctx, "delete phone method", http.MethodDelete, c.userPath(user)+"/"+url.PathEscape(methodID), nil, nil, http.StatusNoContent, http.StatusOK)
}

// DisableSmsSignIn disables SMS sign-in on the user's mobile method (204; 200
// is accepted too). The mobile stays, for MFA.
func (c *Client) DisableSmsSignIn(ctx context.Context, user string) error {
	return c.do(ctx, "disable SMS sign-in", http.MethodPost, c.userPath(user)+"/"+MobileMethodID+"/disableSmsSignIn", nil, nil, http.StatusNoContent, http.StatusOK)
}
