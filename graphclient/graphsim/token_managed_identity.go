package graphsim

// The App Service-style managed identity endpoint (api-version 2019-08-01)
// and the environment that points azidentity at it.

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ManagedIdentityEnv returns the values of IDENTITY_ENDPOINT and
// IDENTITY_HEADER for azidentity's ManagedIdentityCredential, which then uses
// its App Service source (api-version 2019-08-01). The identity is the start
// application (system-assigned) or, with ManagedIdentityCredentialOptions.ID
// set to ClientID or ObjectID of another registered application, that one
// (user-assigned). The endpoint is under the emulator's HTTPS URL, so the
// credential's ClientOptions.Transport must trust its certificate (with a
// Server, Client or Transport); MSAL sends the App Service request through it
// and accepts https. err is
// always nil today; it leaves room for an endpoint that has to be started.
func (em *Emulator) ManagedIdentityEnv() (endpoint, header string, err error) {
	return em.tokens.url + ManagedIdentityPath, em.tokens.miHeader, nil
}

// managedIdentityResponse is the App Service (2019-08-01) token response.
type managedIdentityResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresOn   string `json:"expires_on"`
	Resource    string `json:"resource"`
	TokenType   string `json:"token_type"`
	ClientID    string `json:"client_id"`
}

// managedIdentityError is the App Service identity endpoint's error body.
type managedIdentityError struct {
	StatusCode    int    `json:"statusCode"`
	Message       string `json:"message"`
	CorrelationID string `json:"correlationId"`
}

// handleManagedIdentity is the App Service-style managed identity endpoint:
// GET with X-IDENTITY-HEADER, api-version=2019-08-01, resource, and optionally
// client_id or object_id (principal_id) of a user-assigned identity.
func (t *tokenService) handleManagedIdentity(w http.ResponseWriter, r *http.Request) {
	setRoute(r, RouteManagedID)
	fail := func(status int, msg string) {
		writeEntraJSON(w, status, managedIdentityError{StatusCode: status, Message: msg, CorrelationID: uuid.NewString()})
	}
	if got := r.Header.Get(managedIdentityHeader); got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(t.miHeader)) != 1 {
		fail(http.StatusUnauthorized, "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.")
		return
	}
	q := r.URL.Query()
	if v := q.Get("api-version"); v != managedIdentityVersion {
		fail(http.StatusBadRequest, fmt.Sprintf("The api-version '%s' is not supported; use %s.", v, managedIdentityVersion))
		return
	}
	resource := q.Get("resource")
	if resource == "" {
		fail(http.StatusBadRequest, "The 'resource' query parameter is required.")
		return
	}
	app, ok := t.app(t.startApp)
	switch {
	case q.Get("client_id") != "":
		app, ok = t.app(q.Get("client_id"))
	case q.Get("object_id") != "":
		app, ok = t.appByObjectID(q.Get("object_id"))
	case q.Get("principal_id") != "":
		app, ok = t.appByObjectID(q.Get("principal_id"))
	case q.Get("mi_res_id") != "" || q.Get("msi_res_id") != "":
		ok = false
	}
	if !ok {
		fail(http.StatusBadRequest, "No Managed Identity found for specified ClientId/ResourceId/PrincipalId.")
		return
	}
	info(r).clientID = app.clientID
	if !strings.EqualFold(strings.TrimSuffix(resource, "/"), t.url) {
		e := t.resourceError(resource)
		fail(http.StatusBadRequest, fmt.Sprintf("AADSTS%d: %s", e.code, e.message))
		return
	}
	tok, exp, err := t.mint(app, appidacrCertOrAssertion, t.tokenLifetime(), time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeEntraJSON(w, http.StatusOK, managedIdentityResponse{
		AccessToken: tok,
		ExpiresOn:   fmt.Sprint(exp.Unix()),
		Resource:    resource,
		TokenType:   "Bearer",
		ClientID:    app.clientID,
	})
}
