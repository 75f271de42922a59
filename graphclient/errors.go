package graphclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinels for errors.Is. The status ones match a *Error; ErrTransport
// matches a *TransportError, and ErrAmbiguous one of a write.
var (
	ErrBadRequest   = errors.New("graph: bad request")      // 400
	ErrUnauthorized = errors.New("graph: unauthorized")     // 401
	ErrForbidden    = errors.New("graph: forbidden")        // 403
	ErrNotFound     = errors.New("graph: not found")        // 404
	ErrConflict     = errors.New("graph: conflict")         // 409
	ErrThrottled    = errors.New("graph: throttled")        // 429
	ErrUnavailable  = errors.New("graph: server error")     // 5xx
	ErrAmbiguous    = errors.New("graph: outcome unknown")  // a write's transport failed
	ErrTransport    = errors.New("graph: transport failed") // any transport failure
)

// Error is a non-2xx answer from Graph.
type Error struct {
	Method     string // HTTP method
	Operation  string // e.g. "create mobile phone method"
	StatusCode int
	// Code and Message are Graph's error code and message; Code is empty when
	// the body was not Graph's error JSON.
	Code    string
	Message string
	// RequestID is Graph's request-id, for support tickets; ClientRequestID the
	// client-request-id that was sent; Date the innerError date.
	RequestID       string
	ClientRequestID string
	Date            string
	// RetryAfter is the server's Retry-After, 0 when absent.
	RetryAfter time.Duration
	// ThrottleScope and ThrottleInfo are x-ms-throttle-scope and
	// x-ms-throttle-information, sent with 429s.
	ThrottleScope string
	ThrottleInfo  string
	// Diagnostic is x-ms-ags-diagnostic, which Microsoft support asks for.
	Diagnostic string
	// Needs is the application permission the operation needs, in words
	// ("UserAuthMethod-Phone.ReadWrite.All or …"), set by the Client: a 403's
	// Error and Summary name it.
	Needs string
}

// Error reads, for an admin: what failed, the status, Graph's code and message,
// and the request-id.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	b.WriteString(e.grantHint(b.String()))
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request-id %s]", e.RequestID)
	}
	return b.String()
}

// grantHint is what a 403 tells the admin to grant, to follow before
// ("… operation. This step needs the application permission …"), or "" for
// any other answer or when the operation's permission is not known.
func (e *Error) grantHint(before string) string {
	if e.StatusCode != http.StatusForbidden || e.Needs == "" {
		return ""
	}
	sep := "; this"
	if strings.HasSuffix(before, ".") {
		sep = " This"
	}
	return sep + " step needs the application permission " + e.Needs + ", granted with admin consent."
}

// Is makes errors.Is(err, ErrNotFound) and the other sentinels work.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrThrottled:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.StatusCode >= 500
	}
	return false
}

// Transient reports whether the same request may pass later without anyone
// acting: throttling, timeouts and server errors. 501 Not Implemented is not
// transient: the service says it does not do this (what a retired operation,
// such as enableSmsSignIn after February 2027, may answer).
func (e *Error) Transient() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout ||
		(e.StatusCode >= 500 && e.StatusCode != http.StatusNotImplemented)
}

// maxErrorBody caps how much of an error body is read.
const maxErrorBody = 64 << 10

// maxErrorMessage caps the message kept from an error body that is not
// Graph's error JSON (an HTML page from a proxy, say), in bytes.
const maxErrorMessage = 300

// newError builds an *Error from a response whose body holds at most
// maxErrorBody bytes of Graph's error JSON (or anything else).
func newError(op string, resp *http.Response, body []byte) *Error {
	e := &Error{
		Operation:       op,
		StatusCode:      resp.StatusCode,
		RequestID:       resp.Header.Get("request-id"),
		ClientRequestID: resp.Header.Get("client-request-id"),
		RetryAfter:      retryAfter(resp.Header),
		ThrottleScope:   resp.Header.Get("x-ms-throttle-scope"),
		ThrottleInfo:    resp.Header.Get("x-ms-throttle-information"),
		Diagnostic:      resp.Header.Get("x-ms-ags-diagnostic"),
	}
	if resp.Request != nil {
		e.Method = resp.Request.Method
		if e.ClientRequestID == "" {
			e.ClientRequestID = resp.Request.Header.Get("client-request-id")
		}
	}
	parseErrorBody(e, body)
	return e
}

// parseErrorBody fills e's code, message and ids from Graph's error JSON; any
// other body becomes the message, trimmed.
func parseErrorBody(e *Error, body []byte) {
	var env struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				Date            string `json:"date"`
				RequestID       string `json:"request-id"`
				ClientRequestID string `json:"client-request-id"`
			} `json:"innerError"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err == nil && (env.Error.Code != "" || env.Error.Message != "") {
		e.Code, e.Message = env.Error.Code, env.Error.Message
		e.Date = env.Error.InnerError.Date
		if e.RequestID == "" {
			e.RequestID = env.Error.InnerError.RequestID
		}
		if e.ClientRequestID == "" {
			e.ClientRequestID = env.Error.InnerError.ClientRequestID
		}
		return
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > maxErrorMessage {
		// Cut at a rune boundary, so that the message stays valid UTF-8.
		cut := maxErrorMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	e.Message = msg
}

// TransportError is a request that got no HTTP answer: a dropped connection, a
// timeout, a TLS failure. On a write it matches ErrAmbiguous: the write may
// have been applied.
type TransportError struct {
	Method    string
	Operation string
	Write     bool
	// ClientRequestID of the last try, for correlation with the service's logs.
	ClientRequestID string
	Err             error
}

func (e *TransportError) Error() string {
	s := e.Operation + ": " + e.Err.Error()
	if e.Write {
		s += " (the change may or may not have been applied)"
	}
	return s
}

func (e *TransportError) Unwrap() error { return e.Err }

// Is matches ErrTransport, and ErrAmbiguous for a write.
func (e *TransportError) Is(target error) bool {
	return target == ErrTransport || (target == ErrAmbiguous && e.Write)
}

// IsTransient reports whether err may pass on a later try without anyone
// acting: throttling, server errors, timeouts and dropped connections.
func IsTransient(err error) bool {
	var ge *Error
	if errors.As(err, &ge) {
		return ge.Transient()
	}
	return errors.Is(err, ErrTransport)
}

// IsRefusal reports whether Graph refused the request as such: a 4xx answer
// other than a missing token or permission (401, 403), not found (404), a
// timeout (408) and throttling (429). Sent again unchanged, it gets the same
// answer until someone acts; why, Graph's code says where it is documented,
// and reading the state back where it is not.
func IsRefusal(err error) bool {
	var ge *Error
	if !errors.As(err, &ge) || ge.StatusCode < 400 || ge.StatusCode >= 500 {
		return false
	}
	switch ge.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	return true
}

// Codes in Graph's error bodies that phonereg acts on (GRAPH.md).
const (
	// CodePhoneNumberNotUnique: the number is another user's SMS sign-in
	// number. On a create it comes as a 409 that adds the method anyway.
	CodePhoneNumberNotUnique = "phoneNumberNotUnique"
	// CodeNotAllowedByPolicy: the user is not in the SMS sign-in policy.
	CodeNotAllowedByPolicy = "notAllowedByPolicy"
)

// Summary is the answer in a few words, for a result file's error cell: the
// status, Graph's code and its message ("409 phoneNumberNotUnique: …").
func (e *Error) Summary() string {
	s := strconv.Itoa(e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s + e.grantHint(s)
}

// Describe says what went wrong with a call, for a result file: a Graph
// answer's Summary, or the transport failure with its client-request-id.
func Describe(err error) string {
	if err == nil {
		return "failed"
	}
	var ge *Error
	if errors.As(err, &ge) {
		return ge.Summary()
	}
	var te *TransportError
	if errors.As(err, &te) {
		s := "no answer from Graph: " + te.Err.Error()
		if te.ClientRequestID != "" {
			s += " (client-request-id " + te.ClientRequestID + ")"
		}
		return s
	}
	return err.Error()
}

// StatusOf is the status and code of Graph's answer ("409
// phoneNumberNotUnique", "404"), or "no answer" when there was none.
func StatusOf(err error) string {
	var ge *Error
	if !errors.As(err, &ge) {
		return "no answer"
	}
	if ge.Code != "" {
		return strconv.Itoa(ge.StatusCode) + " " + ge.Code
	}
	return strconv.Itoa(ge.StatusCode)
}

// RequestIDOf is Graph's request-id for err, or "" when Graph did not answer.
func RequestIDOf(err error) string {
	var ge *Error
	if errors.As(err, &ge) {
		return ge.RequestID
	}
	return ""
}

// MayHaveWritten reports whether a failed create may have been applied all
// the same: its outcome is unknown (no answer, a server error or throttling
// past the retries), or it is the documented 409 phoneNumberNotUnique, which
// adds the method anyway. A plain refusal means nothing was written.
func MayHaveWritten(err error) bool {
	if errors.Is(err, ErrAmbiguous) || IsTransient(err) {
		return true
	}
	var ge *Error
	return errors.As(err, &ge) && ge.StatusCode == http.StatusConflict && ge.Code == CodePhoneNumberNotUnique
}

// SmsRefusal reads why Graph refused to enable SMS sign-in from the error's
// code, as the smsSignInState it stands for. ok is false when the code does
// not say (GRAPH.md: Graph does not document how it says why).
func SmsRefusal(err error) (state SmsSignInState, ok bool) {
	var ge *Error
	if !errors.As(err, &ge) {
		return "", false
	}
	switch ge.Code {
	case CodePhoneNumberNotUnique:
		return SmsPhoneNumberNotUnique, true
	case CodeNotAllowedByPolicy:
		return SmsNotAllowedByPolicy, true
	}
	return "", false
}
