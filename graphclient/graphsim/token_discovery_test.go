package graphsim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

func TestDiscoveryEndpoints(t *testing.T) {
	s := newServer(t, Options{})
	getJSON := func(t *testing.T, path string) (int, map[string]any) {
		t.Helper()
		resp, err := s.Client().Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatalf("GET %s: body is not JSON: %v", path, err)
		}
		return resp.StatusCode, m
	}

	t.Run("openid-configuration", func(t *testing.T) {
		status, m := getJSON(t, "/"+s.TenantID()+"/v2.0/.well-known/openid-configuration")
		base := s.URL + "/" + s.TenantID()
		if status != http.StatusOK || m["token_endpoint"] != base+"/oauth2/v2.0/token" || m["issuer"] != base+"/v2.0" ||
			m["authorization_endpoint"] != base+"/oauth2/v2.0/authorize" || m["jwks_uri"] != base+"/discovery/v2.0/keys" {
			t.Errorf("got %d %v; want 200 with endpoints under %s", status, m, base)
		}
	})
	t.Run("openid-configuration of unknown tenant", func(t *testing.T) {
		status, m := getJSON(t, "/"+uuid.NewString()+"/v2.0/.well-known/openid-configuration")
		if status != http.StatusBadRequest || m["error"] != "invalid_tenant" {
			t.Errorf("got %d %v; want 400 invalid_tenant", status, m["error"])
		}
	})
	t.Run("keys verify issued tokens", func(t *testing.T) {
		status, m := getJSON(t, "/"+s.TenantID()+"/discovery/v2.0/keys")
		keys, _ := m["keys"].([]any)
		if status != http.StatusOK || len(keys) != 1 {
			t.Fatalf("got %d %v; want one key", status, m)
		}
		k := keys[0].(map[string]any)
		x, _ := base64.RawURLEncoding.DecodeString(k["x"].(string))
		y, _ := base64.RawURLEncoding.DecodeString(k["y"].(string))
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := s.IssueToken(s.ClientID(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := jwt.Parse(tok, func(tk *jwt.Token) (any, error) { return pub, nil }, jwt.WithValidMethods([]string{"ES256"}))
		if err != nil || parsed.Header["kid"] != k["kid"] {
			t.Errorf("token verified by JWKS: err %v, kid %v; want ok, %v", err, parsed.Header["kid"], k["kid"])
		}
	})
	t.Run("instance discovery", func(t *testing.T) {
		q := url.Values{"api-version": {"1.1"}, "authorization_endpoint": {s.URL + "/" + s.TenantID() + "/oauth2/v2.0/authorize"}}
		status, m := getJSON(t, "/common/discovery/instance?"+q.Encode())
		if want := s.URL + "/" + s.TenantID() + "/v2.0/.well-known/openid-configuration"; status != http.StatusOK || m["tenant_discovery_endpoint"] != want {
			t.Errorf("got %d %v; want tenant_discovery_endpoint %s", status, m, want)
		}
		q.Set("authorization_endpoint", "https://login.example.com/x/oauth2/v2.0/authorize")
		if status, m := getJSON(t, "/common/discovery/instance?"+q.Encode()); status != http.StatusBadRequest || m["error"] != "invalid_instance" {
			t.Errorf("foreign host: got %d %v; want 400 invalid_instance", status, m["error"])
		}
	})
	t.Run("routes logged", func(t *testing.T) {
		if got := s.Count(RouteOpenIDConfig, -1); got != 3 {
			t.Errorf("Count(openid-configuration) = %d; want 3", got)
		}
		if got := s.Count(RouteDiscovery, -1); got != 2 {
			t.Errorf("Count(instance-discovery) = %d; want 2", got)
		}
	})
	t.Run("unknown paths are 404", func(t *testing.T) {
		for _, p := range []string{"/nothing", "/" + s.TenantID() + "/oauth2/v2.0/authorize", "/a/b/c/d/e"} {
			resp, err := s.Client().Get(s.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d; want 404", p, resp.StatusCode)
			}
		}
	})
}
