package pipeline

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzPresetOptions are the ways FuzzReadPresets reads its input: opt%len
// picks one.
var fuzzPresetOptions = []InputOptions{
	{From: "mfa-server"},
	{From: "mfa-server", Phone: PhoneOptions{DefaultRegion: "US"}, Maps: []string{"userPrincipalName={Username}@contoso.com"}},
	{From: "okta"},
	{From: "okta", Maps: []string{"office=profile.phoneNumber"}},
	{From: "duo"},
	{From: "duo", Phone: PhoneOptions{DefaultRegion: "GB"}},
}

// FuzzReadPresets feeds arbitrary bytes to ReadRows with a --from preset: it
// must not panic, must fail only with an *InputError, and its rows must keep
// ReadRows's contract (checkFuzzRow), with no valid mobile or
// alternateMobile carrying an extension. Seeds: the samples.
func FuzzReadPresets(f *testing.F) {
	for i, name := range []string{"mfa-server-export.csv", "okta-factors.csv", "duo-phones.csv"} {
		if data, err := os.ReadFile(filepath.Join("..", "samples", name)); err == nil {
			f.Add(data, uint8(2*i))
		}
	}
	f.Add([]byte(oktaHeader+"a,call,,+1 206 555 0100,1,ACTIVE\na,sms,,+1 206 555 0100,,ACTIVE\n"), uint8(3))
	f.Add([]byte(duoHeader+"a@b,15555550100,,Mobile\na@b,,,\n,x,,\n"), uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, opt uint8) {
		o := fuzzPresetOptions[int(opt)%len(fuzzPresetOptions)]
		var prev Row
		_, err := ReadRows(context.Background(), bytes.NewReader(data), o, func(r Row) error {
			checkFuzzRow(t, prev, r, defaultInputLimits)
			prev = r
			if r.Invalid == "" && (strings.Contains(r.Phones.Mobile, "x") || strings.Contains(r.Phones.AlternateMobile, "x")) {
				t.Fatalf("row %d: got valid phones %q; want no extension on a mobile or alternateMobile", r.Num, r.Phones)
			}
			return nil
		})
		var ie *InputError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("got error %v (%T); want nil or *InputError", err, err)
		}
	})
}
