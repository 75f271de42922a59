package graphsim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

func TestAuthenticate(t *testing.T) {
	s := newServer(t, Options{})
	other := newServer(t, Options{TenantID: s.TenantID(), ClientID: s.ClientID()})
	mustIssue := func(s *Server, lifetime time.Duration) string {
		tok, err := s.IssueToken(s.ClientID(), lifetime)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	a, _ := s.tokens.app(s.ClientID())
	mintWith := func(edit func(*accessClaims)) string {
		now := time.Now()
		c := accessClaims{
			RegisteredClaims: jwt.RegisteredClaims{Audience: jwt.ClaimStrings{s.URL}, IssuedAt: jwt.NewNumericDate(now),
				NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))},
			AppID: a.clientID, Tid: s.TenantID(), Roles: a.roles, Ver: "1.0",
		}
		edit(&c)
		tok, err := jwt.NewWithClaims(jwt.SigningMethodES256, c).SignedString(s.tokens.key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	hsToken, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"aud": s.URL, "tid": s.TenantID(), "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	noneToken, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"aud": s.URL, "tid": s.TenantID(), "exp": time.Now().Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	selfSigned, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"aud": s.URL, "tid": s.TenantID(), "exp": time.Now().Add(time.Hour).Unix()}).SignedString(otherKey)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		header string // Authorization; "-" for none
		want   string // message prefix; "" for success
	}{
		{"valid", "Bearer " + mustIssue(s, time.Minute), ""},
		{"valid, lower-case scheme", "bearer " + mustIssue(s, time.Minute), ""},
		{"missing header", "-", "Access token is empty."},
		{"empty bearer", "Bearer ", "Access token is empty."},
		{"basic auth", "Basic dXNlcjpwYXNz", "Access token is empty."},
		{"garbage", "Bearer garbage", "IDX14100"},
		{"three garbage parts", "Bearer a.b.c", "IDX14102"},
		{"expired", "Bearer " + mustIssue(s, -time.Minute), "Lifetime validation failed, the token is expired."},
		{"expires now", "Bearer " + mintWith(func(c *accessClaims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Second)) }), "Lifetime validation failed, the token is expired."},
		{"no exp", "Bearer " + mintWith(func(c *accessClaims) { c.ExpiresAt = nil }), "Lifetime validation failed"},
		{"not yet valid", "Bearer " + mintWith(func(c *accessClaims) { c.NotBefore = jwt.NewNumericDate(time.Now().Add(time.Minute)) }), "Lifetime validation failed, the token is not yet valid"},
		{"another graphsim server", "Bearer " + mustIssue(other, time.Hour), "IDX10511"},
		{"foreign key", "Bearer " + selfSigned, "IDX10511"},
		{"HS256", "Bearer " + hsToken, "IDX10511"},
		{"alg none", "Bearer " + noneToken, "IDX10511"},
		{"wrong audience", "Bearer " + mintWith(func(c *accessClaims) { c.Audience = jwt.ClaimStrings{"https://graph.microsoft.com"} }), "Access token validation failure. Invalid audience."},
		{"audience with slash", "Bearer " + mintWith(func(c *accessClaims) { c.Audience = jwt.ClaimStrings{s.URL + "/"} }), ""},
		{"wrong tenant", "Bearer " + mintWith(func(c *accessClaims) { c.Tid = uuid.NewString() }), "Access token validation failure. Invalid issuer."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/v1.0/users/x/authentication/phoneMethods", nil)
			if tt.header != "-" {
				r.Header.Set("Authorization", tt.header)
			}
			p, aerr := s.tokens.authenticate(r)
			if tt.want == "" {
				if aerr != nil {
					t.Fatalf("authenticate: %v; want success", aerr)
				}
				if p.clientID != s.ClientID() {
					t.Errorf("clientID = %q; want %q", p.clientID, s.ClientID())
				}
				return
			}
			if aerr == nil {
				t.Fatalf("authenticate succeeded; want %q", tt.want)
			}
			if aerr.status != http.StatusUnauthorized || aerr.code != "InvalidAuthenticationToken" || !strings.HasPrefix(aerr.message, tt.want) {
				t.Errorf("got %d %s %q; want 401 InvalidAuthenticationToken %q", aerr.status, aerr.code, aerr.message, tt.want)
			}
		})
	}
}

// TestAuthenticateConcurrent runs authenticate while tokens are issued and
// settings change, for the race detector.
func TestAuthenticateConcurrent(t *testing.T) {
	s := newServer(t, Options{})
	tok, err := s.IssueToken(s.ClientID(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 8 {
		wg.Go(func() {
			for range 200 {
				r := httptest.NewRequest(http.MethodGet, "/v1.0/users/x/authentication/phoneMethods", nil)
				r.Header.Set("Authorization", "Bearer "+tok)
				if _, aerr := s.tokens.authenticate(r); aerr != nil {
					errs <- aerr
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 200 {
			s.SetTokenLifetime(time.Duration(i+1) * time.Minute)
			if err := s.SetRoles(s.ClientID(), []string{RoleReadAll}); err != nil {
				errs <- err
				return
			}
			if _, err := s.IssueToken(s.ClientID(), 0); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkAuthenticate(b *testing.B) {
	s := newServer(b, Options{})
	tok, err := s.IssueToken(s.ClientID(), time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest(http.MethodGet, "/v1.0/users/x/authentication/phoneMethods", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		for pb.Next() {
			if _, aerr := s.tokens.authenticate(r); aerr != nil {
				b.Fatal(aerr)
			}
		}
	})
}
