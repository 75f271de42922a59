package graphclient

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/phonereg/phonereg/graphclient/graphsim"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// tokenRecorder remembers the tokens its credential handed out.
type tokenRecorder struct {
	cred   azcore.TokenCredential
	mu     sync.Mutex
	tokens []string
}

func (r *tokenRecorder) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tk, err := r.cred.GetToken(ctx, o)
	if err == nil {
		r.mu.Lock()
		r.tokens = append(r.tokens, tk.Token)
		r.mu.Unlock()
	}
	return tk, err
}

// TestLogPerTry: one debug line per try with method, route, status,
// requestId, clientRequestId and attempt, matching what graphsim saw; no
// token, secret, Authorization header or phone number in any field.
func TestLogPerTry(t *testing.T) {
	t.Parallel()
	const upn = "logged@contoso.com"
	s := startSim(t, graphsim.Options{Users: []graphsim.User{{UserPrincipalName: upn, Phones: map[string]string{"mobile": number1}}}})
	core, logs := observer.New(zapcore.DebugLevel)
	creds := &tokenRecorder{cred: simCredential(t, s)}
	c := simClient(t, s, func(c *Config) { c.Logger = zap.New(core); c.Credential = creds })
	ctx := testCtx(t)

	// A list answered 503 first, a create, a refused get, a list whose
	// connection is dropped first.
	setKnobs(t, s, graphsim.Knobs{Fault503: 1})
	flipWhen(t, s, func() bool { return s.Count(graphsim.RouteList, http.StatusServiceUnavailable) >= 1 }, graphsim.Knobs{})
	if _, err := c.ListPhoneMethods(ctx, upn); err != nil {
		t.Fatalf("ListPhoneMethods: %v", err)
	}
	if _, err := c.CreatePhoneMethod(ctx, upn, Office, number2); err != nil {
		t.Fatalf("CreatePhoneMethod: %v", err)
	}
	if _, err := c.ListPhoneMethods(ctx, "nobody@contoso.com"); err == nil {
		t.Fatal("ListPhoneMethods of a missing user: got no error")
	}
	setKnobs(t, s, graphsim.Knobs{FaultReset: 1})
	flipWhen(t, s, func() bool { return s.Count(graphsim.RouteList, 0) >= 1 }, graphsim.Knobs{})
	if _, err := c.ListPhoneMethods(ctx, upn); err != nil {
		t.Fatalf("ListPhoneMethods after a reset: %v", err)
	}

	reqs := graphRequests(s)
	entries := logs.All()
	if len(entries) != len(reqs) {
		t.Fatalf("got %d log lines; want one per try graphsim saw (%d)", len(entries), len(reqs))
	}
	// The attempt of each try, from graphsim's log: a new operation starts
	// after a 2xx or a non-retried refusal.
	attempt := 0
	for i, e := range entries {
		r := reqs[i]
		attempt++
		// Tries that will be retried (dropped, 429, 5xx) are warnings.
		wantLevel, wantMsg := zapcore.DebugLevel, "graph try"
		if r.Status == 0 || r.Status == http.StatusTooManyRequests || r.Status >= 500 {
			wantLevel, wantMsg = zapcore.WarnLevel, "graph try failed; retrying if attempts remain"
		}
		if e.Level != wantLevel || e.Message != wantMsg {
			t.Errorf("line %d: got %v %q; want %v %q", i, e.Level, e.Message, wantLevel, wantMsg)
		}
		f := e.ContextMap()
		if f["method"] != r.Method || f["route"] != r.Path || f["clientRequestId"] != r.ClientRequestID {
			t.Errorf("line %d: got method %v route %v clientRequestId %v; want graphsim's %s %s %s",
				i, f["method"], f["route"], f["clientRequestId"], r.Method, r.Path, r.ClientRequestID)
		}
		if got, _ := f["attempt"].(int64); got != int64(attempt) {
			t.Errorf("line %d: attempt %v; want %d", i, f["attempt"], attempt)
		}
		if r.Status == 0 {
			if _, ok := f["status"]; ok || f["error"] == nil {
				t.Errorf("line %d (dropped): got status %v error %v; want no status and an error", i, f["status"], f["error"])
			}
		} else {
			if got, _ := f["status"].(int64); got != int64(r.Status) || f["requestId"] != r.RequestID {
				t.Errorf("line %d: got status %v requestId %v; want graphsim's %d %s", i, f["status"], f["requestId"], r.Status, r.RequestID)
			}
		}
		if r.Status != 0 && r.Status != http.StatusServiceUnavailable {
			attempt = 0
		}

		j, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		line := string(j)
		banned := []string{"authorization", "bearer", strings.ToLower(s.ClientSecret()), number1, number2}
		creds.mu.Lock()
		for _, tok := range creds.tokens {
			banned = append(banned, strings.ToLower(tok[:40]), strings.ToLower(tok[len(tok)-40:]))
		}
		creds.mu.Unlock()
		for _, b := range banned {
			if strings.Contains(strings.ToLower(line), b) {
				t.Errorf("line %d %s contains %q", i, line, b)
			}
		}
	}
	if len(creds.tokens) == 0 {
		t.Error("the credential handed out no token")
	}
}

// TestLogOff: with a logger above debug level, no line is written.
func TestLogOff(t *testing.T) {
	t.Parallel()
	s := startSim(t, graphsim.Options{AutoCreateUsers: true})
	core, logs := observer.New(zapcore.InfoLevel)
	c := simClient(t, s, func(c *Config) { c.Logger = zap.New(core) })
	if _, err := c.ListPhoneMethods(testCtx(t), "u@contoso.com"); err != nil {
		t.Fatalf("ListPhoneMethods: %v", err)
	}
	if n := logs.Len(); n != 0 {
		t.Errorf("got %d lines at info level; want none", n)
	}
}
