package graphsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// postToken sends a raw token request and decodes Entra's answer.
func postToken(t *testing.T, s *Server, tenant string, form url.Values, header http.Header) (int, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/"+tenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("token response %q is not JSON: %v", b, err)
	}
	return resp.StatusCode, m, string(b)
}

func TestTokenEndpointErrors(t *testing.T) {
	s := newServer(t, Options{})
	const secret = "not-the~secret-42"
	base := func(kv ...string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID()}, "scope": {s.Scope() + " openid offline_access profile"}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	tests := []struct {
		name       string
		tenant     string
		form       url.Values
		wantStatus int
		wantError  string
		wantCode   float64
	}{
		{"ok with OIDC scopes", s.TenantID(), base("client_secret", s.ClientSecret()), 200, "", 0},
		{"ok with upper-case tenant", strings.ToUpper(s.TenantID()), base("client_secret", s.ClientSecret()), 200, "", 0},
		{"wrong secret", s.TenantID(), base("client_secret", secret), 401, "invalid_client", 7000215},
		{"no credential", s.TenantID(), base(), 401, "invalid_client", 7000218},
		{"unknown client", s.TenantID(), base("client_id", uuid.NewString(), "client_secret", secret), 400, "unauthorized_client", 700016},
		{"no client id", s.TenantID(), base("client_id", "", "client_secret", secret), 400, "invalid_request", 900144},
		{"no grant type", s.TenantID(), base("grant_type", "", "client_secret", secret), 400, "invalid_request", 900144},
		{"password grant", s.TenantID(), base("grant_type", "password", "client_secret", secret), 400, "unsupported_grant_type", 70003},
		{"unknown tenant", uuid.NewString(), base("client_secret", secret), 400, "invalid_request", 90002},
		{"malformed tenant", "no_such_tenant", base("client_secret", secret), 400, "invalid_request", 900023},
		{"no scope", s.TenantID(), base("client_secret", s.ClientSecret(), "scope", ""), 400, "invalid_request", 900144},
		{"two resources", s.TenantID(), base("client_secret", s.ClientSecret(), "scope", s.Scope()+" https://vault.azure.net/.default"), 400, "invalid_scope", 70011},
		{"malformed assertion", s.TenantID(), base("client_assertion_type", assertionTypeJWTBearer, "client_assertion", "not-a-jwt"), 400, "invalid_request", 50027},
		{"assertion without type", s.TenantID(), base("client_assertion", "a.b.c"), 400, "invalid_request", 7000219},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			corr := uuid.NewString()
			status, m, body := postToken(t, s, tt.tenant, tt.form, http.Header{"Client-Request-Id": {corr}})
			if status != tt.wantStatus {
				t.Fatalf("status = %d (%s); want %d", status, body, tt.wantStatus)
			}
			if strings.Contains(body, secret) || strings.Contains(body, s.ClientSecret()) {
				t.Errorf("body %s; want no secret in it", body)
			}
			if tt.wantStatus == 200 {
				if m["token_type"] != "Bearer" || m["access_token"] == "" || m["expires_in"].(float64) < 3590 || m["ext_expires_in"] == nil {
					t.Errorf("body = %s; want a Bearer token for an hour", body)
				}
				return
			}
			if m["error"] != tt.wantError {
				t.Errorf("error = %v; want %s", m["error"], tt.wantError)
			}
			codes, _ := m["error_codes"].([]any)
			if len(codes) != 1 || codes[0] != tt.wantCode {
				t.Errorf("error_codes = %v; want [%v]", m["error_codes"], tt.wantCode)
			}
			desc, _ := m["error_description"].(string)
			for _, want := range []string{"AADSTS", "\r\nTrace ID: " + m["trace_id"].(string), "\r\nCorrelation ID: " + corr, "\r\nTimestamp: " + m["timestamp"].(string)} {
				if !strings.Contains(desc, want) {
					t.Errorf("error_description = %q; want it to contain %q", desc, want)
				}
			}
			if m["correlation_id"] != corr {
				t.Errorf("correlation_id = %v; want the client-request-id %s", m["correlation_id"], corr)
			}
		})
	}

	t.Run("GET", func(t *testing.T) {
		resp, err := s.Client().Get(s.URL + "/" + s.TenantID() + "/oauth2/v2.0/token")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status = %d; want 400 (AADSTS900561)", resp.StatusCode)
		}
	})
	t.Run("request log", func(t *testing.T) {
		var sawClient bool
		for _, r := range s.Requests() {
			if r.Route == RouteToken && r.Status == http.StatusUnauthorized && r.ClientID == s.ClientID() {
				sawClient = true
			}
		}
		if !sawClient {
			t.Errorf("request log has no 401 token request naming client %s", s.ClientID())
		}
	})
}
