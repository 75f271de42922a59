package graphclient

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+1 2065550100", "+1 ******0100"},
		{"+44 2079460958x12", "+44 ******0958x***"},
		{"+1 2065550150x1234567890123", "+1 ******0150x***"},
		{"+1 123", "+1 ***"},
		{"2065550100", "******0100"},
		{"+12065550100", "+*******0100"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q): got %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestMaskPhones: numbers in free text are masked in every way people write
// them, keeping the country code and the last four digits; request-ids,
// GUIDs, dates, times, status codes, IP addresses and counts are not.
func TestMaskPhones(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"graph's message", `Invalid phone number "+1 2065550150x1234567890123": phone numbers use the format "+<country code> <number>x<extension>", with extension optional.`,
			`Invalid phone number "+1 ******0150x***": phone numbers use the format "+<country code> <number>x<extension>", with extension optional.`},
		{"graph's form", "number +1 2065550100 refused", "number +1 ******0100 refused"},
		{"two numbers stay different", "+1 2065550100 and +1 2065550101", "+1 ******0100 and +1 ******0101"},
		{"E.164", "+12065550100.", "+*******0100."},
		{"national, dashes", "call 206-555-0100 now", "call ***-***-0100 now"},
		{"parentheses", "(206) 555-0100", "(***) ***-0100"},
		{"dots", "206.555.0100", "***.***.0100"},
		{"international with groups", "+44 20 7946 0958", "+44 ** **** 0958"},
		{"ext.", "+1 2065550100 ext. 123", "+1 ******0100 ext. ***"},
		{"hash extension", "+1 2065550100#99", "+1 ******0100#***"},
		{"after a colon", "number:+1 2065550100", "number:+1 ******0100"},
		{"before a colon", "+1 2065550100: invalid", "+1 ******0100: invalid"},
		{"quoted in JSON", `{"phoneNumber":"+1 2065550100"}`, `{"phoneNumber":"+1 ******0100"}`},
		{"seven digits", "ring 555 0100", "ring *** 0100"},
		{"six digits", "ring 55 0100", ""},
		{"request-id", "[request-id 3179e48a-750b-4051-897c-87b9720928f7]", ""},
		{"all-digit GUID", "12345678-1234-1234-1234-123456789012", ""},
		{"GUID starting with digits", "1234567a-1234-1234-1234-12345678901a", ""},
		{"GUID with a long digit group", "abcdef01-2345-6789-0123-456789012345", ""},
		{"ISO date and time", "2024-01-02T03:04:05Z", ""},
		{"fractional seconds", "2024-01-02T03:04:05.1234567Z", ""},
		{"after a hash", "ticket #2065550100", "ticket #******0100"},
		{"date then time", "on 2024-01-02 10:30:00 UTC", ""},
		{"date alone", "since 2024-01-02.", ""},
		{"day first", "02.01.2024", ""},
		{"compact date", "build 20240102", ""},
		{"status and code", "400 Bad Request (invalidRequest)", ""},
		{"retry after", "429 TooManyRequests, Retry-After 2.128", ""},
		{"IPv4 with port", "dial tcp 192.168.100.200:8443: connection refused", ""},
		{"count", "1234 rows, 123456 bytes", ""},
		{"version", "phonereg/1.2.3-45-gabcdef0", ""},
		{"too long for a phone", "id 12345678901234567890", ""},
		{"in a word", "user2065550100@contoso.com", ""},
		{"hex", "0x2065550100", ""},
		{"masked already", "+1 ******0100x***", ""},
		{"number then a date", "+1 2065550100 2024-01-02", "+1 ******0100 2024-01-02"},
		{"two numbers in a row", "+1 2065550100 2065550101", "+1 ******0100 ******0101"},
		{"not ASCII around", "né 2065550100 ü", "né ******0100 ü"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == "" {
				want = tt.in
			}
			if got := MaskPhones(tt.in); got != want {
				t.Errorf("MaskPhones(%q):\ngot  %q\nwant %q", tt.in, got, want)
			}
		})
	}
}

// FuzzMaskPhones: any text comes back valid UTF-8 when it was, with no more
// digits than it had, and a number planted in it is masked.
func FuzzMaskPhones(f *testing.F) {
	for _, s := range []string{"", "x", "+1 2065550100x12", "2024-01-02", "((((", "1-2-3-4-5-6-7-8-9", "+ext. 1", "#1 2 3 4 5 6 7", "X0A0", "0A", "2024-01-02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := MaskPhones(s)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("MaskPhones(%q) = %q: not valid UTF-8", s, got)
		}
		if countDigits(got) > countDigits(s) {
			t.Fatalf("MaskPhones(%q) = %q: more digits", s, got)
		}
		planted := MaskPhones(s + " +1 9876543210 " + s)
		if strings.Contains(planted, "987654") {
			t.Fatalf("MaskPhones of %q with a number planted: %q shows it", s, planted)
		}
	})
}

// TestGraphMessageMasked: graphsim refuses a number and quotes it in its
// message, as Graph does; by default the *Error's Message, Error, Summary and
// Describe show it masked, with ShowPII as Graph wrote it.
func TestGraphMessageMasked(t *testing.T) {
	t.Parallel()
	const raw, masked = "+1 2065550150x1234567890123", "+1 ******0150x***"
	s := startSim(t, graphsim.Options{AutoCreateUsers: true})
	for _, show := range []bool{false, true} {
		c := simClient(t, s, func(c *Config) { c.ShowPII = show })
		_, err := c.CreatePhoneMethod(testCtx(t), "pii@contoso.com", Office, raw)
		ge := asError(t, err)
		want, not := masked, "2065550150"
		if show {
			want, not = raw, masked
		}
		for what, text := range map[string]string{"Message": ge.Message, "Error": ge.Error(), "Summary": ge.Summary(), "Describe": Describe(err)} {
			if !strings.Contains(text, want) || strings.Contains(text, not) {
				t.Errorf("ShowPII %v: %s is %q; want it to show %q, not %q", show, what, text, want, not)
			}
		}
		if ge.RequestID == "" || !strings.Contains(ge.Error(), ge.RequestID) {
			t.Errorf("ShowPII %v: request-id %q not kept whole in %q", show, ge.RequestID, ge.Error())
		}
	}
}

// TestMaskedErrorKeepsChain: a transport failure whose text was masked still
// matches what it wrapped.
func TestMaskedErrorKeepsChain(t *testing.T) {
	inner := &wrapped{msg: "dial +1 2065550100", err: io.ErrUnexpectedEOF}
	err := piiMask{}.err(error(inner))
	if err.Error() != "dial +1 ******0100" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("got %q, Is(io.ErrUnexpectedEOF) %v; want masked and matching", err, errors.Is(err, io.ErrUnexpectedEOF))
	}
	var masking, showing piiMask
	showing.show = true
	if plain := errors.New("EOF"); masking.err(plain) != plain {
		t.Error("an error with nothing to mask was wrapped; want it as it was")
	}
	if got := showing.err(inner); got != inner {
		t.Errorf("with ShowPII got %v; want the error as it was", got)
	}
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }
