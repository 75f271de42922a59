package graphsim

// The token service's discovery endpoints: the tenant's v2.0 OpenID
// configuration, its signing keys (JWKS) and instance discovery.

import (
	"net/http"
	"net/url"
	"strings"
)

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
