package graphclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseErrorBody(t *testing.T) {
	long := strings.Repeat("x", 1000)
	tests := []struct {
		name string
		body string
		// the Error before parsing (ids from headers)
		before Error
		want   Error
	}{
		{name: "Graph error",
			body: `{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist.","innerError":{"date":"2024-05-01T10:00:00","request-id":"rid","client-request-id":"crid"}}}`,
			want: Error{Code: "Request_ResourceNotFound", Message: "Resource 'x' does not exist.", Date: "2024-05-01T10:00:00", RequestID: "rid", ClientRequestID: "crid"}},
		{name: "headers win over innerError",
			body:   `{"error":{"code":"badRequest","message":"m","innerError":{"request-id":"body-rid","client-request-id":"body-crid"}}}`,
			before: Error{RequestID: "hdr-rid", ClientRequestID: "hdr-crid"},
			want:   Error{Code: "badRequest", Message: "m", RequestID: "hdr-rid", ClientRequestID: "hdr-crid"}},
		{name: "no innerError", body: `{"error":{"code":"TooManyRequests","message":"slow down"}}`,
			want: Error{Code: "TooManyRequests", Message: "slow down"}},
		{name: "message only", body: `{"error":{"message":"only a message"}}`, want: Error{Message: "only a message"}},
		{name: "unknown fields", body: `{"error":{"code":"c","message":"m","details":[{"code":"x"}],"innerError":{"x":1}},"other":true}`,
			want: Error{Code: "c", Message: "m"}},
		{name: "empty body"},
		{name: "whitespace", body: " \n\t "},
		{name: "HTML", body: "  <html><body>Bad Gateway</body></html>\n", want: Error{Message: "<html><body>Bad Gateway</body></html>"}},
		{name: "plain text", body: "upstream connect error", want: Error{Message: "upstream connect error"}},
		{name: "JSON without error", body: `{"value":[]}`, want: Error{Message: `{"value":[]}`}},
		{name: "error is a string", body: `{"error":"invalid_client"}`, want: Error{Message: `{"error":"invalid_client"}`}},
		{name: "long text cut", body: long, want: Error{Message: long[:maxErrorMessage] + "…"}},
		{name: "cut at a rune boundary", body: strings.Repeat("é", 200), want: Error{Message: strings.Repeat("é", 150) + "…"}},
		{name: "cut before a split rune", body: "x" + strings.Repeat("é", 200), want: Error{Message: "x" + strings.Repeat("é", 149) + "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.before
			parseErrorBody(&e, []byte(tt.body))
			if e != tt.want {
				t.Errorf("got %+v; want %+v", e, tt.want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{name: "everything",
			err:  &Error{Operation: "create mobile phone method", StatusCode: 409, Code: "phoneNumberNotUnique", Message: "The number is taken.", RequestID: "rid-1"},
			want: "create mobile phone method: 409 Conflict (phoneNumberNotUnique): The number is taken. [request-id rid-1]"},
		{name: "no code", err: &Error{Operation: "list phone methods", StatusCode: 502, Message: "<html>"},
			want: "list phone methods: 502 Bad Gateway: <html>"},
		{name: "status only", err: &Error{StatusCode: 404}, want: "404 Not Found"},
		{name: "code and id, no message", err: &Error{StatusCode: 429, Code: "TooManyRequests", RequestID: "r"},
			want: "429 Too Many Requests (TooManyRequests) [request-id r]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestErrorIs(t *testing.T) {
	tests := []struct {
		status    int
		want      error
		transient bool
	}{
		{400, ErrBadRequest, false},
		{401, ErrUnauthorized, false},
		{403, ErrForbidden, false},
		{404, ErrNotFound, false},
		{408, nil, true},
		{409, ErrConflict, false},
		{412, nil, false},
		{429, ErrThrottled, true},
		{500, ErrUnavailable, true},
		{503, ErrUnavailable, true},
		{504, ErrUnavailable, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			err := fmt.Errorf("row 3: %w", &Error{StatusCode: tt.status})
			checkSentinels(t, err, tt.want)
			if got := IsTransient(err); got != tt.transient {
				t.Errorf("IsTransient = %v; want %v", got, tt.transient)
			}
		})
	}
}

func TestTransportError(t *testing.T) {
	cause := io.ErrUnexpectedEOF
	tests := []struct {
		name      string
		err       *TransportError
		want      string
		ambiguous bool
	}{
		{name: "read", err: &TransportError{Method: "GET", Operation: "list phone methods", Err: cause},
			want: "list phone methods: unexpected EOF"},
		{name: "write", err: &TransportError{Method: "POST", Operation: "create mobile phone method", Write: true, Err: cause},
			want: "create mobile phone method: unexpected EOF (the change may or may not have been applied)", ambiguous: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q; want %q", got, tt.want)
			}
			if !errors.Is(tt.err, ErrTransport) || !errors.Is(tt.err, cause) {
				t.Errorf("errors.Is(ErrTransport / cause) = false; want true")
			}
			if got := errors.Is(tt.err, ErrAmbiguous); got != tt.ambiguous {
				t.Errorf("errors.Is(ErrAmbiguous) = %v; want %v", got, tt.ambiguous)
			}
			if !IsTransient(tt.err) {
				t.Errorf("IsTransient = false; want true")
			}
		})
	}
	if IsTransient(errors.New("other")) || IsTransient(nil) {
		t.Error("IsTransient of a plain error or nil = true; want false")
	}
}

// TestNewErrorHeaders: newError reads Graph's headers, and works for a
// response that has no request.
func TestNewErrorHeaders(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "https://graph.example/v1.0/x", nil)
	req.Header.Set("client-request-id", "sent-crid")
	resp := fakeResponse(req, http.StatusTooManyRequests, "", "request-id", "rid", "Retry-After", "1.5",
		"x-ms-throttle-scope", "Tenant_Application/ReadWrite/x", "x-ms-throttle-information", "WriteLimitExceeded",
		"x-ms-ags-diagnostic", `{"ServerInfo":{}}`)
	e := newError("create", resp, []byte(`{"error":{"code":"TooManyRequests","message":"m"}}`))
	want := Error{Method: "POST", Operation: "create", StatusCode: 429, Code: "TooManyRequests", Message: "m",
		RequestID: "rid", ClientRequestID: "sent-crid", RetryAfter: 1500 * time.Millisecond,
		ThrottleScope: "Tenant_Application/ReadWrite/x", ThrottleInfo: "WriteLimitExceeded", Diagnostic: `{"ServerInfo":{}}`}
	if *e != want {
		t.Errorf("got %+v; want %+v", *e, want)
	}

	resp = fakeResponse(nil, http.StatusBadGateway, "")
	e = newError("list", resp, []byte("bad gateway"))
	if e.StatusCode != 502 || e.Method != "" || e.Message != "bad gateway" {
		t.Errorf("without a request: got %+v; want 502, no method, the body as message", *e)
	}
}

// TestHugeBodies: error and success bodies are read up to a cap, and a huge
// error body still gives a short message.
func TestHugeBodies(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr string
	}{
		{name: "HTML error page", status: http.StatusBadGateway, body: "<html>" + strings.Repeat("x", 5<<20) + "</html>", wantErr: "502 Bad Gateway: <html>xxx"},
		{name: "long Graph error", status: http.StatusBadRequest,
			body:    `{"error":{"code":"badRequest","message":"` + strings.Repeat("m", 2*maxErrorBody) + `"}}`,
			wantErr: `400 Bad Request: {"error":{"code":"badRequest","message":"mmm`},
		{name: "huge success", status: http.StatusOK, body: `{"value":[` + strings.Repeat(`{"id":"x"},`, 1<<18) + `{}]}`,
			wantErr: "reading Graph's answer (200)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startTLSServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			c := tlsClient(t, ts, func(c *Config) { c.MaxAttempts = 1 })
			_, err := c.ListPhoneMethods(testCtx(t), "u@contoso.com")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %.200v; want an error containing %q", err, tt.wantErr)
			}
			var ge *Error
			if errors.As(err, &ge) {
				if len(ge.Message) > maxErrorMessage+len("…") {
					t.Errorf("message of %d bytes; want at most %d", len(ge.Message), maxErrorMessage+len("…"))
				}
				if ge.StatusCode != tt.status {
					t.Errorf("status %d; want %d", ge.StatusCode, tt.status)
				}
			}
		})
	}
}

// FuzzParseErrorBody: any body gives an Error without panicking; a body that
// is not JSON gives a short message, valid UTF-8 when the body was.
func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{
		`{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist.","innerError":{"date":"2024-05-01T10:00:00","request-id":"rid","client-request-id":"crid"}}}`,
		`{"error":{"message":"m"}}`, `{"error":"x"}`, `{"error":{"code":1}}`, `{"error":null}`, `[]`, `null`, ``,
		`<html>Bad Gateway</html>`, strings.Repeat("é", 200), "\xff\xfe", `{"error":{"code":"c","message":"` + strings.Repeat("z", 400) + `"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var e Error
		parseErrorBody(&e, body)
		if json.Valid(body) {
			return
		}
		if e.Code != "" {
			t.Errorf("code %q from a body that is not JSON", e.Code)
		}
		if len(e.Message) > maxErrorMessage+len("…") {
			t.Errorf("message of %d bytes; want at most %d", len(e.Message), maxErrorMessage+len("…"))
		}
		if utf8.Valid(body) && !utf8.ValidString(e.Message) {
			t.Errorf("message %q is not valid UTF-8; the body was", e.Message)
		}
	})
}

func BenchmarkParseErrorBody(b *testing.B) {
	body := []byte(`{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist.","innerError":{"date":"2024-05-01T10:00:00","request-id":"rid","client-request-id":"crid"}}}`)
	for b.Loop() {
		var e Error
		parseErrorBody(&e, body)
	}
}

func TestErrorMeaning(t *testing.T) {
	notUnique := &Error{StatusCode: 409, Code: CodePhoneNumberNotUnique, Message: "taken", RequestID: "r1"}
	policy := &Error{StatusCode: 400, Code: CodeNotAllowedByPolicy}
	plain := &Error{StatusCode: 404}
	transport := &TransportError{Operation: "create", Write: true, ClientRequestID: "c1", Err: errors.New("reset")}
	tests := []struct {
		name       string
		err        error
		describe   string
		status     string
		requestID  string
		mayWritten bool
		refusal    SmsSignInState
	}{
		{name: "409 not unique", err: fmt.Errorf("wrapped: %w", notUnique), describe: "409 phoneNumberNotUnique: taken", status: "409 phoneNumberNotUnique", requestID: "r1", mayWritten: true, refusal: SmsPhoneNumberNotUnique},
		{name: "policy", err: policy, describe: "400 notAllowedByPolicy", status: "400 notAllowedByPolicy", refusal: SmsNotAllowedByPolicy},
		{name: "plain 404", err: plain, describe: "404", status: "404"},
		{name: "server error", err: &Error{StatusCode: 503}, describe: "503", status: "503", mayWritten: true},
		{name: "transport", err: transport, describe: "no answer from Graph: reset (client-request-id c1)", status: "no answer", mayWritten: true},
		{name: "other", err: errors.New("boom"), describe: "boom", status: "no answer"},
		{name: "nil", err: nil, describe: "failed", status: "no answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Describe(tt.err); got != tt.describe {
				t.Errorf("Describe: got %q; want %q", got, tt.describe)
			}
			if got := StatusOf(tt.err); got != tt.status {
				t.Errorf("StatusOf: got %q; want %q", got, tt.status)
			}
			if got := RequestIDOf(tt.err); got != tt.requestID {
				t.Errorf("RequestIDOf: got %q; want %q", got, tt.requestID)
			}
			if got := MayHaveWritten(tt.err); got != tt.mayWritten {
				t.Errorf("MayHaveWritten: got %v; want %v", got, tt.mayWritten)
			}
			got, ok := SmsRefusal(tt.err)
			if got != tt.refusal || ok != (tt.refusal != "") {
				t.Errorf("SmsRefusal: got %q, %v; want %q", got, ok, tt.refusal)
			}
		})
	}
}
