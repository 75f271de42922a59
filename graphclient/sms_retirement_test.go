package graphclient

import (
	"strings"
	"testing"
	"time"
)

// TestSmsSignInNotice: in the global cloud the notice announces the
// retirement of 1 February 2027 before it, and says it happened (and that
// Graph's answer is not documented) from then on; the national clouds get
// none. Both name the way out (--sms-sign-in=false) and what still works.
func TestSmsSignInNotice(t *testing.T) {
	before := time.Date(2026, time.December, 1, 9, 0, 0, 0, time.UTC)
	lastSecond := SmsRetirement.Add(-time.Second)
	tests := []struct {
		name  string
		cloud string
		now   time.Time
		want  []string // "" for no notice
		not   []string
	}{
		{"global, before", "global", before, []string{"retires SMS sign-in", "1 February 2027", "customer-managed telephony provider does not support", "--sms-sign-in=false", "passkeys"}, []string{"retired", "not documented"}},
		{"global, the last second before", "global", lastSecond, []string{"retires SMS sign-in"}, []string{"retired"}},
		{"global, at the retirement", "global", SmsRetirement, []string{"retired SMS sign-in", "not documented", "step's outcome", "never retried", "--sms-sign-in=false"}, []string{"retires"}},
		{"global, after, another zone", "global", time.Date(2027, time.March, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600)), []string{"retired"}, nil},
		{"usgov", "usgov", before, nil, nil},
		{"usgovdod, after", "usgovdod", SmsRetirement.Add(time.Hour), nil, nil},
		{"china", "china", before, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LookupCloud(tt.cloud)
			if err != nil {
				t.Fatal(err)
			}
			got := SmsSignInNotice(c, tt.now)
			if len(tt.want) == 0 && got != "" {
				t.Fatalf("got %q; want no notice", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q; want it to contain %q", got, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("got %q; want no %q", got, n)
				}
			}
		})
	}
}

// TestSmsSignInAvailable: every cloud offers enableSmsSignIn but China, also
// with the endpoints overridden (an emulator standing in for it).
func TestSmsSignInAvailable(t *testing.T) {
	for _, name := range CloudNames() {
		c, err := ResolveEndpoints(name, "https://127.0.0.1:8443", "https://127.0.0.1:8443")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.SmsSignInAvailable(), name != "china"; got != want {
			t.Errorf("%s: SmsSignInAvailable = %v; want %v", name, got, want)
		}
	}
}
