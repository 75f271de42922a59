package graphsim

// Entra's error answers: the OAuth error body with its AADSTS code, trace and
// correlation ids, and the errors for an unknown tenant, a missing parameter
// and an unknown resource.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// tenantError is Entra's answer for a tenant it does not know, with the error
// name it uses on the endpoint (invalid_tenant for discovery, invalid_request
// for the token endpoint).
func tenantError(tenant, errName string) *entraError {
	if _, err := uuid.Parse(tenant); err != nil && !strings.Contains(tenant, ".") {
		return &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 900023,
			message: fmt.Sprintf("Specified tenant identifier '%s' is neither a valid DNS name, nor a valid external domain.", tenant)}
	}
	return &entraError{status: http.StatusBadRequest, err: errName, code: 90002,
		message: fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant)}
}

func missingParam(name string) *entraError {
	return &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 900144,
		message: fmt.Sprintf("The request body must contain the following parameter: '%s'.", name)}
}

func (t *tokenService) resourceError(resource string) *entraError {
	return &entraError{status: http.StatusBadRequest, err: "invalid_resource", code: 500011,
		message: fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", resource, t.tenantID)}
}

// entraError is an error of the token endpoint, written as Entra's OAuth error
// body. message is without the "AADSTSnnn: " prefix.
type entraError struct {
	status  int
	err     string // OAuth error: invalid_client, invalid_request, ...
	code    int    // AADSTS number
	message string
}

type entraErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
}

// writeError writes e as Entra does: the description carries the AADSTS code
// and ends with trace id, correlation id (the request's client-request-id)
// and timestamp, lines separated by CRLF. It never echoes credentials.
func (t *tokenService) writeError(w http.ResponseWriter, r *http.Request, e *entraError) {
	traceID := uuid.NewString()
	corrID := r.Header.Get("client-request-id")
	if _, err := uuid.Parse(corrID); err != nil {
		corrID = uuid.NewString()
	}
	ts := time.Now().UTC().Format("2006-01-02 15:04:05Z")
	w.Header().Set("x-ms-request-id", traceID)
	writeEntraJSON(w, e.status, entraErrorBody{
		Error:            e.err,
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", e.code, e.message, traceID, corrID, ts),
		ErrorCodes:       []int{e.code},
		Timestamp:        ts,
		TraceID:          traceID,
		CorrelationID:    corrID,
		ErrorURI:         fmt.Sprintf("%s/error?code=%d", t.url, e.code),
	})
}

// writeEntraJSON writes v with the token service's headers (no OData, no
// caching).
func writeEntraJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("x-ms-ests-server", "graphsim")
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}
