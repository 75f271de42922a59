package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	fuzzKeyRE   = regexp.MustCompile(`^[0-9a-f]{16}$`)
	fuzzGraphRE = regexp.MustCompile(`^\+[1-9][0-9]{0,2} [0-9]{2,17}(x[0-9]{1,20})?$`)
)

// FuzzReadRows feeds arbitrary bytes to ReadRows: it must not panic, must
// fail only with an *InputError, and what it returns must keep the
// contract (rows numbered 1, 2, … in order, lines increasing, a key on
// every row, valid rows with a user and Graph-form phones).
func FuzzReadRows(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "input", "*.csv"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data, uint8(0))
		}
	}
	f.Add([]byte("userPrincipalName,mobile\nada@contoso.com,+12065550100\n"), uint8(1))
	f.Add([]byte("\"userPrincipalName\";\"mobile\"\r\n\"a\";\"+44 20 7946 0958\"\r\n\"b"), uint8(2))
	f.Add([]byte("Username,Country Code,Phone Number,Extension\na,1,2065550100,12\n,,,\n"), uint8(3))
	f.Add([]byte("\xef\xbb\xbfuserId\talternateMobile\n1\t0044 20 7946 0958 x1\n"), uint8(4))
	options := []InputOptions{
		{},
		{Phone: PhoneOptions{DefaultRegion: "US"}},
		{Delimiter: ';', Phone: PhoneOptions{DefaultRegion: "GB"}},
		{Maps: []string{"userPrincipalName=Username", "mobile=+{Country Code} {Phone Number}x{Extension}"}},
		{Delimiter: '\t', Maps: []string{"office=mobile"}},
	}
	f.Fuzz(func(t *testing.T, data []byte, opt uint8) {
		o := options[int(opt)%len(options)]
		num, line := 0, 0
		_, err := ReadRows(context.Background(), strings.NewReader(string(data)), o, func(r Row) error {
			num++
			if r.Num != num {
				t.Fatalf("got row number %d; want %d", r.Num, num)
			}
			if r.Line <= line {
				t.Fatalf("row %d: got line %d after line %d; want increasing", r.Num, r.Line, line)
			}
			line = r.Line
			if !fuzzKeyRE.MatchString(r.Key) {
				t.Fatalf("row %d: got key %q; want 16 hex digits", r.Num, r.Key)
			}
			if r.Invalid != "" {
				return nil
			}
			if r.User == "" || r.Phones == (Phones[string]{}) {
				t.Fatalf("row %d: valid without user or phone: %+v", r.Num, r)
			}
			for _, p := range []string{r.Phones.Mobile, r.Phones.AlternateMobile, r.Phones.Office} {
				if p != "" && !fuzzGraphRE.MatchString(p) {
					t.Fatalf("row %d: got phone %q; want Graph's form", r.Num, p)
				}
			}
			return nil
		})
		var ie *InputError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("got error %v (%T); want nil or *InputError", err, err)
		}
	})
}
