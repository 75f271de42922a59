package graphclient

import (
	"errors"
	"testing"
)

// TestFindAnswer: the status and code come back out of every way this
// package writes an answer into a result file's error cell (Describe,
// StatusOf in brackets and parentheses), and nothing is found where no
// answer is quoted.
func TestFindAnswer(t *testing.T) {
	denied := &Error{StatusCode: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."}
	notFound := &Error{StatusCode: 404, Code: "Request_ResourceNotFound", Message: "Resource 'x' does not exist."}
	bare := &Error{StatusCode: 503, Message: "upstream timed out after 300 s"}
	tests := []struct {
		name, text string
		status     int
		code       string
	}{
		{"Describe", "mobile: " + Describe(denied), 403, "Authorization_RequestDenied"},
		{"StatusOf in brackets", "smsSignIn: the user is not enabled [" + StatusOf(&Error{StatusCode: 403, Code: "notAllowedByPolicy"}) + "]", 403, "notAllowedByPolicy"},
		{"StatusOf in parentheses", "mobile: user not found (" + StatusOf(notFound) + "); directory sync may lag", 404, "Request_ResourceNotFound"},
		{"no code", "office: " + Describe(bare), 503, ""},
		{"status alone", "user not found (404)", 404, ""},
		{"at the start", Describe(denied), 403, "Authorization_RequestDenied"},
		{"no answer", "mobile: no answer from Graph: connection reset (client-request-id 5e1f)", 0, ""},
		{"a number is not an answer", "alternateMobile: needs a mobile; 4000 rows left", 0, ""},
		{"a 2xx is not an answer", "got 201: created", 0, ""},
		{"a word after the status is not a code", "waited 400 seconds in all", 0, ""},
		{"transport error", "office: " + Describe(&TransportError{Operation: "create", Err: errors.New("EOF")}), 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, code, ok := FindAnswer(tc.text)
			if status != tc.status || code != tc.code || ok != (tc.status != 0) {
				t.Errorf("FindAnswer(%q) = %d, %q, %v; want %d, %q", tc.text, status, code, ok, tc.status, tc.code)
			}
		})
	}
}
