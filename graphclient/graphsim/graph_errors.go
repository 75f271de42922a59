package graphsim

// Graph's error responses (the error envelope with innerError) and the JSON
// writer that gives Graph's responses their OData content type.

import (
	"encoding/json"
	"net/http"
	"time"
)

// apiError is a Graph error response waiting to be written.
type apiError struct {
	status  int
	code    string
	message string
	header  http.Header // extra response headers (Retry-After, x-ms-throttle-*)
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func newAPIError(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

// graphErrorBody is Graph's error envelope.
type graphErrorBody struct {
	Error graphErrorDetail `json:"error"`
}

type graphErrorDetail struct {
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	InnerError graphInnerError `json:"innerError"`
}

type graphInnerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// writeGraphError writes e as Graph does: status, JSON body with innerError
// (date, request-id, client-request-id), and e's extra headers. The request-id
// and client-request-id response headers are set by the middleware.
func writeGraphError(w http.ResponseWriter, r *http.Request, e *apiError) {
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := graphErrorBody{Error: graphErrorDetail{
		Code:    e.code,
		Message: e.message,
		InnerError: graphInnerError{
			Date:            time.Now().UTC().Format("2006-01-02T15:04:05"),
			RequestID:       w.Header().Get("request-id"),
			ClientRequestID: w.Header().Get("client-request-id"),
		},
	}}
	writeJSON(w, e.status, body)
}

// writeJSON writes v as the response body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}
