package graphsim

// The token endpoint, POST /{tenant}/oauth2/v2.0/token: client_credentials
// with a client secret, a certificate-signed assertion or a federated
// assertion, checked in Entra's order.

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// tokenResponse is Entra's answer to a successful client_credentials request.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	ExtExpiresIn int64  `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
}

// oidcScopes are the scopes MSAL appends to every request; Entra ignores them
// for client_credentials.
var oidcScopes = map[string]bool{"openid": true, "offline_access": true, "profile": true, "email": true}

// handleToken is POST /{tenant}/oauth2/v2.0/token. Only client_credentials is
// supported, with a client secret, a certificate-signed client assertion or a
// federated assertion. Checks run in Entra's order: tenant, request shape,
// client, its credential, then the scope.
func (t *tokenService) handleToken(w http.ResponseWriter, r *http.Request, tenant string) {
	setRoute(r, RouteToken)
	app, acr, e := t.tokenRequest(w, r, tenant)
	if e != nil {
		t.writeError(w, r, e)
		return
	}
	now := time.Now()
	tok, exp, err := t.mint(app, acr, t.tokenLifetime(), now)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	in := exp.Unix() - now.Unix()
	writeEntraJSON(w, http.StatusOK, tokenResponse{TokenType: "Bearer", ExpiresIn: in, ExtExpiresIn: in, AccessToken: tok})
}

// tokenRequest runs the token endpoint's checks in Entra's order and returns
// the authenticated application and the appidacr of its credential, or the
// first refusal.
func (t *tokenService) tokenRequest(w http.ResponseWriter, r *http.Request, tenant string) (application, string, *entraError) {
	form, e := t.tokenForm(w, r, tenant)
	if e != nil {
		return application{}, "", e
	}
	app, e := t.tokenClient(r, form.Get("client_id"))
	if e != nil {
		return application{}, "", e
	}
	acr, e := t.clientCredential(app, form)
	if e != nil {
		return application{}, "", e
	}
	if e := t.checkScope(form.Get("scope")); e != nil {
		return application{}, "", e
	}
	return app, acr, nil
}

// tokenForm checks the tenant, the method and the grant type, and returns the
// request's form.
func (t *tokenService) tokenForm(w http.ResponseWriter, r *http.Request, tenant string) (url.Values, *entraError) {
	if !t.knownTenant(tenant) {
		return nil, tenantError(tenant, "invalid_request")
	}
	if r.Method != http.MethodPost {
		return nil, &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 900561,
			message: fmt.Sprintf("The endpoint only accepts POST, OPTIONS requests. Received a %s request.", r.Method)}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	if err := r.ParseForm(); err != nil {
		return nil, &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 900144,
			message: "The request body must contain the following parameter: 'grant_type'."}
	}
	form := r.PostForm
	switch grant := form.Get("grant_type"); grant {
	case "":
		return nil, missingParam("grant_type")
	case grantClientCredentials:
		return form, nil
	default:
		return nil, &entraError{status: http.StatusBadRequest, err: "unsupported_grant_type", code: 70003,
			message: fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant)}
	}
}

// tokenClient finds the registered application clientID names and records
// the client id in the request log, as sent until it is found, then as
// registered.
func (t *tokenService) tokenClient(r *http.Request, clientID string) (application, *entraError) {
	if clientID == "" {
		return application{}, missingParam("client_id")
	}
	info(r).clientID = clientID
	app, ok := t.app(clientID)
	if !ok {
		return application{}, &entraError{status: http.StatusBadRequest, err: "unauthorized_client", code: 700016,
			message: fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, t.tenantID)}
	}
	info(r).clientID = app.clientID
	return app, nil
}

// clientCredential authenticates app by the form's client assertion or client
// secret and returns the token's appidacr for it.
func (t *tokenService) clientCredential(app application, form url.Values) (string, *entraError) {
	switch {
	case form.Has("client_assertion") || form.Has("client_assertion_type"):
		if form.Get("client_assertion_type") != assertionTypeJWTBearer || form.Get("client_assertion") == "" {
			return "", &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 7000219,
				message: "'client_assertion' and 'client_assertion_type' of 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' are required together."}
		}
		if e := t.checkAssertion(app, form.Get("client_assertion"), time.Now()); e != nil {
			return "", e
		}
		return appidacrCertOrAssertion, nil
	case form.Has("client_secret"):
		got := form.Get("client_secret")
		if app.secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(app.secret)) != 1 {
			return "", &entraError{status: http.StatusUnauthorized, err: "invalid_client", code: 7000215,
				message: fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", app.clientID)}
		}
		return appidacrSecret, nil
	default:
		return "", &entraError{status: http.StatusUnauthorized, err: "invalid_client", code: 7000218,
			message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
	}
}

// checkScope accepts exactly one resource scope, URL+"/.default", besides the
// OIDC scopes MSAL adds. A scope without /.default is AADSTS70011
// (invalid_scope); /.default of another resource is AADSTS500011
// (invalid_resource), as Entra answers for a resource not in the tenant.
func (t *tokenService) checkScope(scope string) *entraError {
	var res []string
	for _, s := range strings.Fields(scope) {
		if !oidcScopes[strings.ToLower(s)] {
			res = append(res, s)
		}
	}
	if len(res) == 0 {
		return missingParam("scope")
	}
	if len(res) > 1 || !strings.HasSuffix(res[0], "/.default") {
		return &entraError{status: http.StatusBadRequest, err: "invalid_scope", code: 70011,
			message: fmt.Sprintf("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", strings.Join(res, " "))}
	}
	resource := strings.TrimSuffix(res[0], "/.default")
	if !strings.EqualFold(strings.TrimSuffix(resource, "/"), t.url) {
		return t.resourceError(resource)
	}
	return nil
}
