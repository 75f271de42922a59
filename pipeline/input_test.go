package pipeline

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// readAll runs ReadRows over text and collects the rows.
func readAll(t *testing.T, text string, o InputOptions) ([]Row, Header, error) {
	t.Helper()
	var rows []Row
	h, err := ReadRows(context.Background(), strings.NewReader(text), o, func(r Row) error {
		rows = append(rows, r)
		return nil
	})
	return rows, h, err
}

// want is the part of a Row a table test checks.
type want struct {
	num, line int
	user      string
	phones    Phones[string]
	invalid   string // substring; "" for a valid row
}

func checkRows(t *testing.T, got []Row, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		for _, r := range got {
			t.Logf("row %+v", r)
		}
		t.Fatalf("got %d rows; want %d", len(got), len(wants))
	}
	keyRE := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for i, w := range wants {
		r := got[i]
		if r.Num != w.num || r.Line != w.line || r.User != w.user || r.Phones != w.phones {
			t.Errorf("row %d: got num=%d line=%d user=%q phones=%q; want num=%d line=%d user=%q phones=%q",
				i, r.Num, r.Line, r.User, r.Phones, w.num, w.line, w.user, w.phones)
		}
		switch {
		case w.invalid == "" && r.Invalid != "":
			t.Errorf("row %d: got invalid %q; want a valid row", i, r.Invalid)
		case w.invalid != "" && !strings.Contains(r.Invalid, w.invalid):
			t.Errorf("row %d: got invalid %q; want it to contain %q", i, r.Invalid, w.invalid)
		}
		if !keyRE.MatchString(r.Key) {
			t.Errorf("row %d: got key %q; want 16 lowercase hex digits", i, r.Key)
		}
	}
}

func TestReadRows(t *testing.T) {
	us := PhoneOptions{DefaultRegion: "US"}
	tests := []struct {
		name        string
		in          string
		opts        InputOptions
		want        []want
		wantIgnored []string
		wantDelim   rune
	}{
		{
			name: "comma LF",
			in:   "userPrincipalName,mobile\nada@contoso.com,+1 206 555 0100\nbob@contoso.com,+44 20 7946 0958\n",
			want: []want{
				{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
				{num: 2, line: 3, user: "bob@contoso.com", phones: Phones[string]{Mobile: "+44 2079460958"}},
			},
			wantDelim: ',',
		},
		{
			name:      "BOM and CRLF",
			in:        "\ufeffuserPrincipalName,mobile\r\nada@contoso.com,+12065550100\r\nbob@contoso.com,+12065550101\r\n",
			want:      []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}, {num: 2, line: 3, user: "bob@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}}},
			wantDelim: ',',
		},
		{
			name:      "no final newline",
			in:        "userPrincipalName,mobile\nada@contoso.com,+12065550100",
			want:      []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}},
			wantDelim: ',',
		},
		{
			name:      "semicolon detected",
			in:        "userPrincipalName;mobile;office\nada@contoso.com;+33 1 23 45 67 89;\"+33 6 12 34 56 78\"\n",
			want:      []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+33 123456789", Office: "+33 612345678"}}},
			wantDelim: ';',
		},
		{
			name:        "semicolon detected despite commas in quotes",
			in:          "\"Name, full\";userPrincipalName;mobile\n\"Lovelace, Ada\";ada@contoso.com;+33 1 23 45 67 89\n",
			want:        []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+33 123456789"}}},
			wantIgnored: []string{"Name, full"},
			wantDelim:   ';',
		},
		{
			name:        "tab detected",
			in:          "userPrincipalName\tmobile\tDisplay Name\nada@contoso.com\t+49 30 123456\tAda, Countess\n",
			want:        []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+49 30123456"}}},
			wantIgnored: []string{"Display Name"},
			wantDelim:   '\t',
		},
		{
			name:      "detection skips leading blank lines",
			in:        "\n\r\nuserPrincipalName;mobile\nada@contoso.com;+49 30 123456\n",
			want:      []want{{num: 1, line: 4, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+49 30123456"}}},
			wantDelim: ';',
		},
		{
			name:        "forced delimiter",
			in:          "userPrincipalName|mobile|note\nada@contoso.com|+1 206 555 0100|a;b;c,d\n",
			opts:        InputOptions{Delimiter: '|'},
			want:        []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}},
			wantIgnored: []string{"note"},
			wantDelim:   '|',
		},
		{
			name:        "forced comma over detection",
			in:          "userPrincipalName,mobile,note\nada@contoso.com,+1 206 555 0100,a;b;c;d\n",
			opts:        InputOptions{Delimiter: ','},
			want:        []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}},
			wantIgnored: []string{"note"},
			wantDelim:   ',',
		},
		{
			name: "quoted fields with delimiters, quotes and newlines",
			in: "Name,userPrincipalName,mobile,Notes\n" +
				"\"Lovelace, Ada\",ada@contoso.com,\"+1 (206) 555-0100\",\"line one\nline two\nline \"\"three\"\"\"\n" +
				"Bob,bob@contoso.com,+1 206 555 0101,\n",
			want: []want{
				{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
				{num: 2, line: 5, user: "bob@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
			},
			wantIgnored: []string{"Name", "Notes"},
			wantDelim:   ',',
		},
		{
			name: "stray quote inside a field",
			in:   "userPrincipalName,mobile,Notes\nada@contoso.com,+1 206 555 0100,5\" screen\nbob@contoso.com,+1 206 555 0101,x\n",
			want: []want{
				{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
				{num: 2, line: 3, user: "bob@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
			},
			wantIgnored: []string{"Notes"},
			wantDelim:   ',',
		},
		{
			name:      "header variants",
			in:        "User Principal Name,user_id,MOBILE,Alternate-Mobile, office \nada@contoso.com,,+1 206 555 0100,+1 206 555 0101,+1 206 555 0102\n",
			want:      []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100", AlternateMobile: "+1 2065550101", Office: "+1 2065550102"}}},
			wantDelim: ',',
		},
		{
			name: "userId wins when both are set",
			in: "userPrincipalName,userId,mobile\n" +
				"ada@contoso.com,6f1c0c3a-4c1b-4b7e-9d2a-0d6c1b2a3e4f,+1 206 555 0100\n" +
				"bob@contoso.com,,+1 206 555 0101\n" +
				",7a2d1d4b-5d2c-4c8f-8e3b-1e7d2c3b4f5a,+1 206 555 0102\n",
			want: []want{
				{num: 1, line: 2, user: "6f1c0c3a-4c1b-4b7e-9d2a-0d6c1b2a3e4f", phones: Phones[string]{Mobile: "+1 2065550100"}},
				{num: 2, line: 3, user: "bob@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
				{num: 3, line: 4, user: "7a2d1d4b-5d2c-4c8f-8e3b-1e7d2c3b4f5a", phones: Phones[string]{Mobile: "+1 2065550102"}},
			},
			wantDelim: ',',
		},
		{
			name:        "unknown columns ignored",
			in:          "Department,userPrincipalName,Title,mobile,,Manager\nSales,ada@contoso.com,CEO,+12065550100,,bob\n",
			want:        []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}},
			wantIgnored: []string{"Department", "Title", "Manager"},
			wantDelim:   ',',
		},
		{
			name:        "map simple",
			in:          "Email,Phone 1,mobile\nada@contoso.com,+1 206 555 0100,+1 999\n",
			opts:        InputOptions{Maps: []string{"userPrincipalName=Email", "mobile=Phone 1"}},
			want:        []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}},
			wantIgnored: []string{"mobile"},
			wantDelim:   ',',
		},
		{
			name:      "map field and column matched like headers",
			in:        "E-Mail,phone_one\nada@contoso.com,+1 206 555 0100\n",
			opts:      InputOptions{Maps: []string{"User Principal Name=email", "MOBILE = Phone One"}},
			want:      []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}},
			wantDelim: ',',
		},
		{
			name: "map template MFA Server style",
			in: "Username,Country Code,Phone Number,Extension\n" +
				"ada@contoso.com,1,2065550100,123\n" +
				"bob@contoso.com,1,2065550101,\n" +
				"cy@contoso.com,,(206) 555-0102,\n" +
				"dee@contoso.com,,,\n" +
				"eve@contoso.com,44,20 7946 0958,7\n",
			opts: InputOptions{Maps: []string{"userPrincipalName=Username", "mobile=+{Country Code} {Phone Number}x{Extension}"}, Phone: us},
			// A mobile with an extension is invalid (extensions work only on
			// office phones): --from mfa-server sends such numbers to office.
			want: []want{
				{num: 1, line: 2, user: "ada@contoso.com", invalid: "mobile: +1 ******0100x*** has an extension"},
				{num: 2, line: 3, user: "bob@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
				{num: 3, line: 4, user: "cy@contoso.com", phones: Phones[string]{Mobile: "+1 2065550102"}},
				{num: 4, line: 5, user: "dee@contoso.com", invalid: "no phone: mobile is empty"},
				{num: 5, line: 6, user: "eve@contoso.com", invalid: "mobile: +44 ******0958x*** has an extension"},
			},
			wantDelim: ',',
		},
		{
			name:      "map template with trailing text",
			in:        "First,Last,Phone\nada,lovelace,+1 206 555 0100\ngrace,,+1 206 555 0101\n",
			opts:      InputOptions{Maps: []string{"userPrincipalName={First}.{Last}@contoso.com", "mobile=Phone"}},
			want:      []want{{num: 1, line: 2, user: "ada.lovelace@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}, {num: 2, line: 3, user: "grace@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}}},
			wantDelim: ',',
		},
		{
			name: "blank lines and empty records skipped and not numbered",
			in: "userPrincipalName,mobile\n" +
				"\n" +
				"ada@contoso.com,+12065550100\n" +
				",\n" +
				"   ,  \n" +
				"\r\n" +
				"bob@contoso.com,+12065550101\n" +
				"\n",
			want: []want{
				{num: 1, line: 3, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
				{num: 2, line: 7, user: "bob@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
			},
			wantDelim: ',',
		},
		{
			name: "short and long rows",
			in:   "userPrincipalName,mobile,office\nada@contoso.com,+12065550100\nbob@contoso.com,,+12065550101,extra,cells\n",
			want: []want{
				{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
				{num: 2, line: 3, user: "bob@contoso.com", phones: Phones[string]{Office: "+1 2065550101"}, invalid: "has 5 cells; the header has 3"},
			},
			wantDelim: ',',
		},
		{
			name:      "alternateMobile without mobile is fine here",
			in:        "userPrincipalName,mobile,alternateMobile\nada@contoso.com,,+12065550100\n",
			want:      []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{AlternateMobile: "+1 2065550100"}}},
			wantDelim: ',',
		},
		{
			name:      "default region",
			in:        "userPrincipalName,mobile,office\nada@contoso.com,(206) 555-0100,+44 20 7946 0958\n",
			opts:      InputOptions{Phone: PhoneOptions{DefaultRegion: "us"}},
			want:      []want{{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100", Office: "+44 2079460958"}}},
			wantDelim: ',',
		},
		{
			name: "invalid rows with reasons",
			in: "userPrincipalName,mobile,alternateMobile,office\n" +
				"ada@contoso.com,+44 206 555 0100,,\n" +
				"bob@contoso.com,206 555 0100,+1 206 555 CALL,+1 206 555 0100 x1a\n" +
				",+12065550100,,\n" +
				"dee@contoso.com,,,\n" +
				"eve@contoso.com,+1 206 555 0100,+49 1,\n",
			want: []want{
				{num: 1, line: 2, user: "ada@contoso.com", invalid: "mobile: not a valid number for country code +44"},
				{num: 2, line: 3, user: "bob@contoso.com", invalid: "mobile: no country code: write it as +CC… or set --default-region; alternateMobile: letters are not allowed: write the number with digits (and x before an extension); office: extension must be digits"},
				{num: 3, line: 4, user: "", phones: Phones[string]{Mobile: "+1 2065550100"}, invalid: "no user: userPrincipalName is empty"},
				{num: 4, line: 5, user: "dee@contoso.com", invalid: "no phone: mobile, alternateMobile and office are empty"},
				{num: 5, line: 6, user: "eve@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}, invalid: "alternateMobile: too short"},
			},
			wantDelim: ',',
		},
		{
			name:      "user cell not UTF-8",
			in:        "userPrincipalName,mobile\nJos\xe9@contoso.com,+12065550100\n",
			want:      []want{{num: 1, line: 2, user: "Jos\uFFFD@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}, invalid: "userPrincipalName: not valid UTF-8"}},
			wantDelim: ',',
		},
		{
			name:      "user cell with a line break",
			in:        "userPrincipalName,mobile\n\"ada@contoso.com\nbob@contoso.com\",+12065550100\n",
			want:      []want{{num: 1, line: 2, user: "ada@contoso.com\nbob@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}, invalid: "userPrincipalName: contains a line break"}},
			wantDelim: ',',
		},
		{
			name:      "header only",
			in:        "userPrincipalName,mobile\n",
			wantDelim: ',',
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, h, err := readAll(t, tt.in, tt.opts)
			if err != nil {
				t.Fatalf("ReadRows: %v", err)
			}
			checkRows(t, rows, tt.want)
			if !slices.Equal(h.Ignored, tt.wantIgnored) {
				t.Errorf("got ignored %q; want %q", h.Ignored, tt.wantIgnored)
			}
			if h.Delimiter != tt.wantDelim {
				t.Errorf("got delimiter %q; want %q", h.Delimiter, tt.wantDelim)
			}
		})
	}
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadRowsInputErrors(t *testing.T) {
	errDisk := errors.New("disk on fire")
	tests := []struct {
		name     string
		r        io.Reader
		opts     InputOptions
		wantLine int
		wantMsg  string
		wantRows int // rows delivered before the error
	}{
		{name: "empty", r: strings.NewReader(""), wantMsg: "the input is empty: a header row naming the columns is required"},
		{name: "only blank lines", r: strings.NewReader("\n\r\n\n"), wantMsg: "the input is empty"},
		{name: "no user column", r: strings.NewReader("mail,mobile\na@b.c,+12065550100\n"), wantLine: 1,
			wantMsg: `no user column: the header needs userPrincipalName or userId (it has: "mail" and "mobile"); or use --map userPrincipalName=COLUMN`},
		{name: "data instead of header", r: strings.NewReader("ada@contoso.com,+12065550100\n"), wantLine: 1, wantMsg: "no user column"},
		{name: "wrong forced delimiter", r: strings.NewReader("userPrincipalName,mobile\n"), opts: InputOptions{Delimiter: ';'}, wantLine: 1,
			wantMsg: `(it has: "userPrincipalName,mobile", reading cells separated by ';')`},
		{name: "no phone column", r: strings.NewReader("userPrincipalName,phone\n"), wantLine: 1, wantMsg: "no phone column: the header needs mobile, alternateMobile or office"},
		{name: "header on line 3", r: strings.NewReader("\n\nuserPrincipalName\n"), wantLine: 3, wantMsg: "no phone column"},
		{name: "unknown map field", r: strings.NewReader("userPrincipalName,mobile\n"), opts: InputOptions{Maps: []string{"pager=Phone"}},
			wantMsg: `--map "pager=Phone": unknown field "pager" (want userPrincipalName, userId, mobile, alternateMobile or office)`},
		{name: "map without =", r: strings.NewReader("userPrincipalName,mobile\n"), opts: InputOptions{Maps: []string{"mobile"}}, wantMsg: `--map "mobile": want FIELD=COLUMN`},
		{name: "map without column", r: strings.NewReader("userPrincipalName,mobile\n"), opts: InputOptions{Maps: []string{"mobile= "}}, wantMsg: "no column after ="},
		{name: "map twice", r: strings.NewReader("userPrincipalName,mobile\n"), opts: InputOptions{Maps: []string{"mobile=a", "Mobile=b"}}, wantMsg: `mobile is already mapped by --map "mobile=a"`},
		{name: "map missing column", r: strings.NewReader("userPrincipalName,mobile\n"), opts: InputOptions{Maps: []string{"mobile=Phone 1"}}, wantLine: 1,
			wantMsg: `--map "mobile=Phone 1": no column "Phone 1" in the header (it has: "userPrincipalName" and "mobile")`},
		{name: "map template missing column", r: strings.NewReader("userPrincipalName,Country Code,Phone Number\n"), opts: InputOptions{Maps: []string{"mobile=+{Country Code} {Phone Number}x{Extension}"}}, wantLine: 1,
			wantMsg: `no column "Extension" in the header`},
		{name: "map template unclosed", r: strings.NewReader("userPrincipalName,mobile\n"), opts: InputOptions{Maps: []string{"mobile=+{Country Code"}}, wantMsg: "'{' without '}'"},
		{name: "map template stray brace", r: strings.NewReader("userPrincipalName,mobile\n"), opts: InputOptions{Maps: []string{"mobile=a}"}}, wantMsg: "'}' without '{'"},
		{name: "map template empty placeholder", r: strings.NewReader("userPrincipalName,mobile\n"), opts: InputOptions{Maps: []string{"mobile=+{}"}}, wantMsg: "bad placeholder {}"},
		{name: "duplicate columns", r: strings.NewReader("userPrincipalName,Mobile,mobile\n"), wantLine: 1, wantMsg: `mobile: the header has 2 columns named like "mobile" (columns 2 and 3)`},
		{name: "header not UTF-8", r: strings.NewReader("userPrincipalName,T\xe9l\xe9phone,mobile\n"), wantLine: 1, wantMsg: "header column 2 is not valid UTF-8"},
		{name: "UTF-16", r: bytes.NewReader([]byte{0xFF, 0xFE, 'u', 0, 's', 0}), wantLine: 1, wantMsg: "the input is UTF-16 text"},
		{name: "bad delimiter", r: strings.NewReader("userPrincipalName,mobile\n"), opts: InputOptions{Delimiter: '"'}, wantMsg: "--delimiter '\"' cannot separate cells"},
		{name: "unknown default region", r: strings.NewReader("userPrincipalName,mobile\n"), opts: InputOptions{Phone: PhoneOptions{DefaultRegion: "Atlantis"}}, wantMsg: `--default-region: unknown default region "ATLANTIS"`},
		{name: "I/O error in header", r: &failingReader{data: []byte("userPrinc"), err: errDisk}, wantLine: 1, wantMsg: "cannot read the input: disk on fire"},
		{name: "I/O error in data", r: &failingReader{data: []byte("userPrincipalName,mobile\nada@contoso.com,+12065550100\nbob@con"), err: errDisk}, wantLine: 3, wantMsg: "cannot read the input: disk on fire", wantRows: 1},
		// A record longer than 64 MiB stops the file (a shorter one is a row:
		// TestReadRowsLongCells); the message asks about a quote only when
		// the record has one open.
		{name: "unclosed quote", r: hugeInput("userPrincipalName,mobile\nada@contoso.com,+12065550100\n\"bob@contoso.com,+1\n", "filler line, more filler\n", 65<<20, ""),
			wantLine: 3, wantMsg: `line 3: a record starting here is longer than 64 MiB: is the quote (") that opens its cell 1 on line 3 never closed?`, wantRows: 1},
		{name: "unclosed quote in a later cell", r: hugeInput("userPrincipalName,mobile,Notes\n\n\nada@contoso.com,+12065550100,\"\"\"Ada\"\" is\n", "filler line, more filler\n", 65<<20, ""),
			wantLine: 4, wantMsg: `line 4: a record starting here is longer than 64 MiB: is the quote (") that opens its cell 3 on line 4 never closed?`},
		{name: "huge line without quotes", r: hugeInput("userPrincipalName,mobile\nada@contoso.com,+12065550100\nbob@contoso.com,", "1234567890", 65<<20, "\n"),
			wantLine: 3, wantMsg: `line 3: a record starting here is longer than 64 MiB, with no quote (") open in it: is the input a CSV file?`, wantRows: 1},
		{name: "huge record after a closed quote and a stray one", r: hugeInput("userPrincipalName,mobile,Notes\n\"bob@contoso.com\",+1,5\" screen ", "1234567890", 65<<20, "\n"),
			wantLine: 2, wantMsg: `line 2: a record starting here is longer than 64 MiB, with no quote (") open in it`},
		{name: "header cell too long", r: strings.NewReader("userPrincipalName,mobile," + strings.Repeat("x", 5000) + "\nada@contoso.com,+12065550100\n"),
			wantLine: 1, wantMsg: "line 1: header column 3 holds 5000 bytes, more than a cell may (4 KiB)"},
		{name: "header cell too long, quoted", r: strings.NewReader("userPrincipalName,mobile,\"Notes\n" + strings.Repeat("ada@contoso.com,+12065550100\n", 200) + "\""),
			wantLine: 1, wantMsg: `header column 3 holds 5806 bytes, more than a cell may (4 KiB): is the quote (") that opens it on line 1 never closed?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows int
			_, err := ReadRows(context.Background(), tt.r, tt.opts, func(Row) error { rows++; return nil })
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("got error %v (%T); want an *InputError", err, err)
			}
			if !strings.Contains(ie.Error(), tt.wantMsg) {
				t.Errorf("got %q; want it to contain %q", ie.Error(), tt.wantMsg)
			}
			if ie.Line != tt.wantLine {
				t.Errorf("got line %d; want %d", ie.Line, tt.wantLine)
			}
			if rows != tt.wantRows {
				t.Errorf("got %d rows before the error; want %d", rows, tt.wantRows)
			}
			if tt.name == "I/O error in data" && !errors.Is(err, errDisk) {
				t.Errorf("errors.Is(%v, errDisk) = false; want true", err)
			}
		})
	}
}

func TestReadRowsKey(t *testing.T) {
	key := func(t *testing.T, text string, o InputOptions) string {
		t.Helper()
		rows, _, err := readAll(t, text, o)
		if err != nil || len(rows) != 1 {
			t.Fatalf("ReadRows: %d rows, %v; want 1 row", len(rows), err)
		}
		return rows[0].Key
	}
	base := key(t, "userPrincipalName,mobile\nada@contoso.com,+12065550100\n", InputOptions{})
	tests := []struct {
		name string
		text string
		opts InputOptions
		same bool
	}{
		{name: "same number written differently", text: "userPrincipalName,mobile,Notes\nada@contoso.com,+1 (206) 555-0100,whatever\n", same: true},
		{name: "same number, national", text: "userPrincipalName;mobile\nada@contoso.com;206 555 0100\n", opts: InputOptions{Phone: PhoneOptions{DefaultRegion: "US"}}, same: true},
		{name: "other number", text: "userPrincipalName,mobile\nada@contoso.com,+12065550101\n"},
		{name: "other user", text: "userPrincipalName,mobile\nbob@contoso.com,+12065550100\n"},
		{name: "same number as office", text: "userPrincipalName,office\nada@contoso.com,+12065550100\n"},
		{name: "extension added", text: "userPrincipalName,mobile\nada@contoso.com,+12065550100 x1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := key(t, tt.text, tt.opts); (got == base) != tt.same {
				t.Errorf("got key %s, base %s; want same=%v", got, base, tt.same)
			}
		})
	}

	t.Run("fields cannot run into each other", func(t *testing.T) {
		var k rowKey
		a := k.valid("ab", &Phones[string]{Mobile: "c"})
		b := k.valid("a", &Phones[string]{Mobile: "bc"})
		c := k.valid("a", &Phones[string]{AlternateMobile: "bc"})
		if a == b || b == c || a == c {
			t.Errorf("got keys %s %s %s; want all different", a, b, c)
		}
	})

	t.Run("invalid rows", func(t *testing.T) {
		text := "userPrincipalName,mobile\nada@contoso.com,206 555 0100\n"
		k1 := key(t, text, InputOptions{})
		if k1 == "" {
			t.Fatal("got no key for an invalid row")
		}
		if k2 := key(t, text, InputOptions{}); k2 != k1 {
			t.Errorf("got keys %s and %s for the same invalid row; want the same", k1, k2)
		}
		if k3 := key(t, "userPrincipalName,mobile\nada@contoso.com,206 555 0101\n", InputOptions{}); k3 == k1 {
			t.Errorf("got key %s for a changed invalid row; want a different one", k3)
		}
		// The admin sets --default-region after seeing "no country code":
		// the row must be redone, so its key changes even while invalid.
		if k4 := key(t, text, InputOptions{Phone: PhoneOptions{DefaultRegion: "GB"}}); k4 == k1 {
			t.Errorf("got key %s with another default region; want a different one", k4)
		}
	})
}

func TestReadRowsStops(t *testing.T) {
	var b strings.Builder
	b.WriteString("userPrincipalName,mobile\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "user%d@contoso.com,+1206555%04d\n", i, i%10000)
	}
	text := b.String()

	t.Run("fn error", func(t *testing.T) {
		errStop := errors.New("stop")
		calls := 0
		_, err := ReadRows(context.Background(), strings.NewReader(text), InputOptions{}, func(r Row) error {
			calls++
			if r.Num == 10 {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) {
			t.Errorf("got error %v; want errStop", err)
		}
		if calls != 10 {
			t.Errorf("got %d calls; want 10", calls)
		}
	})

	t.Run("ctx cancelled by fn", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		calls := 0
		_, err := ReadRows(ctx, strings.NewReader(text), InputOptions{}, func(r Row) error {
			calls++
			if r.Num == 10 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got error %v; want context.Canceled", err)
		}
		if calls != 10 {
			t.Errorf("got %d calls; want 10", calls)
		}
	})

	t.Run("ctx cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		calls := 0
		_, err := ReadRows(ctx, strings.NewReader(text), InputOptions{}, func(Row) error { calls++; return nil })
		if !errors.Is(err, context.Canceled) || calls != 0 {
			t.Errorf("got %d calls, error %v; want none and context.Canceled", calls, err)
		}
	})

	t.Run("blocked in the header's Read when cancelled", func(t *testing.T) {
		// A FIFO whose writer opened it and sent nothing yet.
		pr, pw := io.Pipe()
		defer pw.Close()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := ReadRows(ctx, pr, InputOptions{}, func(Row) error { return nil })
			done <- err
		}()
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("got error %v; want context.Canceled", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("ReadRows did not return after ctx was cancelled while it waited for the header")
		}
	})

	t.Run("blocked reader", func(t *testing.T) {
		// A reader that never returns (a terminal on standard input): ReadRows
		// still returns when ctx is cancelled.
		pr, pw := io.Pipe()
		defer pw.Close()
		go func() { _, _ = io.WriteString(pw, "userPrincipalName,mobile\nada@contoso.com,+12065550100\n") }()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, err := ReadRows(ctx, pr, InputOptions{}, func(r Row) error {
			cancel() // the first row arrived although the writer never closed
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got error %v; want context.Canceled", err)
		}
	})
	t.Run("blocked in Read when cancelled", func(t *testing.T) {
		// The writer is idle (a pipe, a terminal): ctx is cancelled while
		// ReadRows waits in Read for the next row. It returns all the same.
		pr, pw := io.Pipe()
		defer pw.Close()
		go func() { _, _ = io.WriteString(pw, "userPrincipalName,mobile\nada@contoso.com,+12065550100\n") }()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		first := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			_, err := ReadRows(ctx, pr, InputOptions{}, func(r Row) error {
				close(first)
				return nil
			})
			done <- err
		}()
		<-first
		cancel()
		select {
		case err := <-done:
			var ie *InputError
			if !errors.Is(err, context.Canceled) || errors.As(err, &ie) {
				t.Errorf("got error %v; want context.Canceled, not an input error", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("ReadRows did not return after ctx was cancelled while it waited in Read")
		}
	})
}

// TestReadRowsOrder checks that rows come in input order, with their line
// numbers, and that nothing is lost or repeated.
func TestReadRowsOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString("userPrincipalName,mobile,office\n")
	const n = 20000
	for i := range n {
		if i%7 == 0 {
			b.WriteString("\n") // blank lines shift Line but not Num
		}
		fmt.Fprintf(&b, "user%d@contoso.com,+1 206 555 %04d,", i, i%10000)
		if i%3 == 0 {
			b.WriteString("+44 20 7946 0958")
		}
		b.WriteString("\n")
	}
	rows, _, err := readAll(t, b.String(), InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("got %d rows; want %d", len(rows), n)
	}
	line := 1
	for i, r := range rows {
		line++
		if i%7 == 0 {
			line++
		}
		wantUser := fmt.Sprintf("user%d@contoso.com", i)
		if r.Num != i+1 || r.User != wantUser || r.Line != line || r.Invalid != "" {
			t.Fatalf("row %d: got num=%d user=%q line=%d invalid=%q; want num=%d user=%q line=%d", i, r.Num, r.User, r.Line, r.Invalid, i+1, wantUser, line)
		}
	}
}

// goldenCases are whole files in testdata/input, read with the options
// given; NAME.golden holds what ReadRows makes of NAME.csv (go test -update
// rewrites them).
var goldenCases = []struct {
	file string
	opts InputOptions
}{
	{file: "basic.csv"},
	{file: "bom_crlf.csv"},
	{file: "semicolon.csv", opts: InputOptions{Phone: PhoneOptions{DefaultRegion: "FR"}}},
	{file: "tab.csv", opts: InputOptions{Phone: PhoneOptions{DefaultRegion: "DE"}}},
	{file: "quoted.csv"},
	{file: "mfa_server.csv", opts: InputOptions{Maps: []string{"userPrincipalName=Username", "mobile=+{Country Code} {Phone Number}x{Extension}", "office=+{Office Country Code} {Office Phone}"}}},
	{file: "messy.csv", opts: InputOptions{Phone: PhoneOptions{DefaultRegion: "GB"}}},
	{file: "countries.csv"},
}

func TestReadRowsGolden(t *testing.T) {
	for _, gc := range goldenCases {
		t.Run(gc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "input", gc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := renderRead(data, gc.opts)
			golden := strings.TrimSuffix(path, filepath.Ext(path)) + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("ReadRows(%s) changed; got:\n%s\nwant:\n%s", gc.file, got, want)
			}
		})
	}
}

// renderRead shows all ReadRows says about data, one line per row.
func renderRead(data []byte, o InputOptions) string {
	var b strings.Builder
	h, err := ReadRows(context.Background(), bytes.NewReader(data), o, func(r Row) error {
		fmt.Fprintf(&b, "row %d line %d user %q phones %q key %s", r.Num, r.Line, r.User, []string{r.Phones.Mobile, r.Phones.AlternateMobile, r.Phones.Office}, r.Key)
		if r.Invalid != "" {
			fmt.Fprintf(&b, " invalid %q", r.Invalid)
		}
		b.WriteString("\n")
		return nil
	})
	head := fmt.Sprintf("columns %q\nignored %q\ndelimiter %q\n", h.Columns, h.Ignored, h.Delimiter)
	if err != nil {
		b.WriteString("error " + err.Error() + "\n")
	}
	return head + b.String()
}

// hugeInput is prefix, then fill repeated to n bytes, then suffix, made as
// it is read: a test of a huge input does not hold it.
func hugeInput(prefix, fill string, n int64, suffix string) io.Reader {
	block := strings.Repeat(fill, max(1, 16<<10/len(fill)))
	return io.MultiReader(strings.NewReader(prefix), io.LimitReader(&repeatReader{block: block, period: len(fill)}, n), strings.NewReader(suffix))
}

// repeatReader reads block over and over; block is a fill string repeated,
// period the fill's length.
type repeatReader struct {
	block  string
	period int
	off    int // in block, less than period
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := copy(p, r.block[r.off:])
	r.off = (r.off + n) % r.period
	return n, nil
}

func TestReadRowsLongCells(t *testing.T) {
	const header = "userPrincipalName,mobile,Notes\n"
	const next = "bob@contoso.com,+12065550101,ok\n"
	bob := []want{{num: 2, line: 3, user: "bob@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}}}
	ada := want{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}
	tests := []struct {
		name        string
		r           io.Reader
		first       want   // the first row, but for its Invalid
		wantInvalid string // the first row's Invalid, exactly
		rest        []want
	}{
		{name: "10 MB cell in a column not read", r: hugeInput(header+"ada@contoso.com,+12065550100,", "lorem ipsum ", 10<<20, "\n"+next),
			first: ada, rest: bob, wantInvalid: `column 3 ("Notes") holds 10485760 bytes, more than a cell may (4 KiB)`},
		{name: "10 MB quoted cell", r: hugeInput(header+"ada@contoso.com,+12065550100,\"", "lorem, ipsum\r\n", 10<<20, "\"\n"+next),
			first: ada, rest: []want{{num: 2, line: 748985, user: "bob@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}}},
			wantInvalid: `column 3 ("Notes") holds 9736778 bytes, more than a cell may (4 KiB): is the quote (") that opens it on line 2 never closed?`},
		{name: "10 MB mobile cell", r: hugeInput(header+"ada@contoso.com,", "0", 10<<20, ",note\n"+next),
			first: want{num: 1, line: 2, user: "ada@contoso.com"}, rest: bob, wantInvalid: `column 2 ("mobile") holds 10485760 bytes, more than a cell may (4 KiB)`},
		{name: "10 MB user cell", r: hugeInput(header, "a", 10<<20, ",+12065550100\n"+next),
			first: want{num: 1, line: 2, phones: ada.phones}, rest: bob, wantInvalid: `column 1 ("userPrincipalName") holds 10485760 bytes, more than a cell may (4 KiB)`},
		{name: "cell of 4 KiB", r: strings.NewReader(header + "ada@contoso.com,+12065550100," + strings.Repeat("n", 4096) + "\n" + next),
			first: ada, rest: bob},
		{name: "cell of 4 KiB and a byte", r: strings.NewReader(header + "ada@contoso.com,+12065550100," + strings.Repeat("n", 4097) + "\n" + next),
			first: ada, rest: bob, wantInvalid: `column 3 ("Notes") holds 4097 bytes, more than a cell may (4 KiB)`},
		{name: "quote never closed swallows the rows after it", r: strings.NewReader(header + "ada@contoso.com,+12065550100,\"5\" screen\n" + strings.Repeat(next, 500)),
			first: ada, wantInvalid: `column 3 ("Notes") holds 16010 bytes, more than a cell may (4 KiB): is the quote (") that opens it on line 2 never closed?`},
		{name: "long cells past the header", r: strings.NewReader(header + "ada@contoso.com,+12065550100,ok," + strings.Repeat("n", 5000) + ",," + strings.Repeat("n", 6000) + "\n" + next),
			first: ada, rest: bob,
			wantInvalid: `has 6 cells; the header has 3: is a comma in a cell not quoted?; cell 4 (past the header's 3 columns) holds 5000 bytes, more than a cell may (4 KiB) (and 1 more in this row)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows []Row
			_, err := ReadRows(context.Background(), tt.r, InputOptions{}, func(r Row) error {
				rows = append(rows, r)
				return nil
			})
			if err != nil {
				t.Fatalf("ReadRows: %v", err)
			}
			tt.first.invalid = tt.wantInvalid
			checkRows(t, rows, append([]want{tt.first}, tt.rest...))
			if rows[0].Invalid != tt.wantInvalid {
				t.Errorf("got invalid %q; want %q", rows[0].Invalid, tt.wantInvalid)
			}
		})
	}
}

// TestReadRowsLongCellMemory reads a row with a 20 MiB cell: the reader
// holds none of it (it used to hold such a record three times over).
func TestReadRowsLongCellMemory(t *testing.T) {
	in := hugeInput("userPrincipalName,mobile,Notes\nada@contoso.com,+12065550100,", "lorem ipsum ", 20<<20, "\nbob@contoso.com,+12065550101,ok\n")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rows := 0
	_, err := ReadRows(context.Background(), in, InputOptions{}, func(Row) error { rows++; return nil })
	runtime.ReadMemStats(&after)
	if err != nil || rows != 2 {
		t.Fatalf("ReadRows: %d rows, %v; want 2 rows", rows, err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("got %d bytes allocated reading a 20 MiB cell; want at most 4 MiB", got)
	}
}

func TestReadRowsCellCount(t *testing.T) {
	ada := func(invalid string) want {
		return want{num: 1, line: 2, user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}, invalid: invalid}
	}
	tests := []struct {
		name string
		in   string
		want want
	}{
		{name: "comma in a cell not quoted", in: "userPrincipalName,mobile,Name\nada@contoso.com,+12065550100,Lovelace, Ada\n",
			want: ada("has 4 cells; the header has 3: is a comma in a cell not quoted?")},
		{name: "semicolon in a cell not quoted", in: "userPrincipalName;mobile;Name\nada@contoso.com;+12065550100;Lovelace; Ada\n",
			want: ada("has 4 cells; the header has 3: is a semicolon in a cell not quoted?")},
		{name: "text after empty cells past the header", in: "userPrincipalName,mobile,Name\nada@contoso.com,+12065550100,Ada,,x\n",
			want: ada("has 5 cells; the header has 3")},
		// Spreadsheets write empty cells past the last named column: they
		// hold nothing, and the row stays valid.
		{name: "empty cells past the header", in: "userPrincipalName,mobile,Name\nada@contoso.com,+12065550100,Ada,,\n", want: ada("")},
		{name: "blank cells past the header", in: "userPrincipalName,mobile,Name\nada@contoso.com,+12065550100,Ada, ,\"\", \t\n", want: ada("")},
		{name: "fewer cells than the header", in: "userPrincipalName,mobile,Name,Title\nada@contoso.com,+12065550100\n", want: ada("")},
		{name: "as many cells as the header", in: "userPrincipalName,mobile,Name\nada@contoso.com,+12065550100,\"Lovelace, Ada\"\n", want: ada("")},
	}
	base, _, err := readAll(t, "userPrincipalName,mobile\nada@contoso.com,+12065550100\n", InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, _, err := readAll(t, tt.in, InputOptions{})
			if err != nil {
				t.Fatalf("ReadRows: %v", err)
			}
			checkRows(t, rows, []want{tt.want})
			if tt.want.invalid == "" && rows[0].Key != base[0].Key {
				t.Errorf("got key %s; want %s, the key of the same row without cells past the header", rows[0].Key, base[0].Key)
			}
		})
	}
}

// TestCSVScanner holds the scanner to encoding/csv's Reader (checkScanner)
// on inputs that are hard to read right, each read with buffers that cut it
// everywhere and with limits that are and are not reached.
func TestCSVScanner(t *testing.T) {
	long := strings.Repeat("\"a\"\"b\",c\r\n", 12000) // longer than the 64 KiB buffer
	tests := []struct {
		name  string
		in    string
		comma rune
	}{
		{name: "empty", in: ""},
		{name: "empty lines", in: "\n\r\n\n"},
		{name: "CR alone at the end", in: "\r"},
		{name: "CR at the end", in: "a,b\r"},
		{name: "two CRs at the end", in: "a\r\r"},
		{name: "CR inside a line", in: "a\rb,c\r\r\nd\n"},
		{name: "CR CR LF inside quotes", in: "\"a\r\r\nb\"\r\n"},
		{name: "delimiter at the end", in: "a,\n,\n,,"},
		{name: "quotes", in: "\"a\",\"b\"\"c\",\"\"\n\"\"\"\",\"d\"e\",x\"y\n"},
		{name: "quote at the end", in: "\""},
		{name: "quote then CR", in: "\"a\"\r"},
		{name: "quote then CR and text", in: "\"a\"\rb\nc\n"},
		{name: "quote not closed", in: "a,\"b\nc\nd"},
		{name: "empty lines inside quotes", in: "\"a\n\n\r\n\"\n\nb\n"},
		{name: "bare quotes", in: "5\" screen,\"a\"b,c\n"},
		{name: "long lines", in: long + "x\n" + long},
		{name: "multi-byte delimiter", in: "a€b€\"c€\"€\"d\"\"\"€\n€\xe2\x82€\xe2\x82", comma: '€'},
		{name: "four-byte delimiter", in: "a😀b\"😀\"😀\"c\"\n😀\xf0\x9f\x98", comma: '😀'},
		{name: "tab", in: "a\tb\t\"c\td\"\n", comma: '\t'},
		{name: "not UTF-8", in: "\xff,\xc3\n\"\xe2\x82\",x\n"},
	}
	limits := []inputLimits{{cell: 1 << 40, record: 1 << 40}, {cell: 2, record: 30}, defaultInputLimits}
	for _, tt := range tests {
		for _, size := range []int{16, 17, 64 << 10} {
			for _, lim := range limits {
				t.Run(fmt.Sprintf("%s/%d/%d", tt.name, size, lim.cell), func(t *testing.T) {
					comma := tt.comma
					if comma == 0 {
						comma = ','
					}
					checkScanner(t, []byte(tt.in), comma, lim, size)
				})
			}
		}
	}
}

// columnNames are n column names: c1, c2, …
func columnNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("c%d", i+1)
	}
	return names
}

func TestHeaderIgnoredSummary(t *testing.T) {
	tests := []struct {
		name    string
		ignored []string
		want    string
	}{
		{name: "none", want: ""},
		{name: "one", ignored: []string{"Department"}, want: "Department"},
		{name: "two", ignored: []string{"Department", "Title"}, want: "Department and Title"},
		{name: "three", ignored: []string{"Department", "Title", "Manager"}, want: "Department, Title and Manager"},
		{name: "quoted where needed", ignored: []string{"Name, full", `5" screen`, "tab\there", "Notes"}, want: `"Name, full", "5\" screen", "tab\there" and Notes`},
		{name: "ten", ignored: columnNames(10), want: "c1, c2, c3, c4, c5, c6, c7, c8, c9 and c10"},
		{name: "eleven", ignored: columnNames(11), want: "c1, c2, c3, c4, c5, c6, c7, c8, c9, c10 and 1 more"},
		{name: "100,000", ignored: columnNames(100_000), want: "c1, c2, c3, c4, c5, c6, c7, c8, c9, c10 and 99990 more"},
		{name: "long name cut", ignored: []string{strings.Repeat("é", 100)}, want: strings.Repeat("é", 39) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Header{Ignored: tt.ignored}).IgnoredSummary(); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// TestReadRowsWideHeader reads headers of 100,000 columns: what ReadRows
// says of them stays short.
func TestReadRowsWideHeader(t *testing.T) {
	wide := strings.Join(columnNames(100_000), ",")
	longNames := strings.Repeat(strings.Repeat("n", 4000)+",", 20)
	tests := []struct {
		name    string
		in      string
		opts    InputOptions
		wantMsg string // "" for no error
	}{
		{name: "columns ignored", in: wide + ",userPrincipalName,mobile\nada@contoso.com,+12065550100\n"},
		{name: "no user column", in: wide + ",mobile\n", wantMsg: `line 1: no user column: the header needs userPrincipalName or userId (it has: "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10" and 99991 more); or use --map userPrincipalName=COLUMN`},
		{name: "no column for --map", in: wide + ",userPrincipalName\n", opts: InputOptions{Maps: []string{"mobile=Phone"}},
			wantMsg: `line 1: --map "mobile=Phone": no column "Phone" in the header (it has: "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10" and 99991 more)`},
		{name: "long names", in: longNames + "mobile\n", wantMsg: `(it has: "` + strings.Repeat("n", 39) + `…", "`},
		{name: "many columns named alike", in: "userPrincipalName," + strings.Repeat("mobile,", 100_000) + "\n",
			wantMsg: `line 1: mobile: the header has 100000 columns named like "mobile" (columns 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 99990 more)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, h, err := readAll(t, tt.in, tt.opts)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("ReadRows: %v", err)
				}
				if len(h.Ignored) != 100_000 {
					t.Errorf("got %d ignored columns; want 100000", len(h.Ignored))
				}
				if got, want := h.IgnoredSummary(), "c1, c2, c3, c4, c5, c6, c7, c8, c9, c10 and 99990 more"; got != want {
					t.Errorf("got summary %q; want %q", got, want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("got error %.300v; want it to contain %q", err, tt.wantMsg)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("got an error of %d bytes; want at most 1000", len(err.Error()))
			}
		})
	}
}

// noGraph is a Graph that fails the test when it is called.
type noGraph struct{ t *testing.T }

func (g noGraph) ListPhoneMethods(context.Context, string) ([]graphclient.PhoneMethod, error) {
	g.t.Error("Graph called")
	return nil, errors.New("no Graph")
}

func (g noGraph) CreatePhoneMethod(context.Context, string, graphclient.PhoneType, string) (graphclient.PhoneMethod, error) {
	g.t.Error("Graph called")
	return graphclient.PhoneMethod{}, errors.New("no Graph")
}

func (g noGraph) UpdatePhoneMethod(context.Context, string, string, string) error {
	g.t.Error("Graph called")
	return errors.New("no Graph")
}

func (g noGraph) EnableSmsSignIn(context.Context, string) error {
	g.t.Error("Graph called")
	return errors.New("no Graph")
}

// TestRunWarnsOfIgnoredColumnsBriefly runs an input whose header has
// 100,000 columns phonereg does not read: the one warning about them names
// a few, not all (it was 800 KB).
func TestRunWarnsOfIgnoredColumnsBriefly(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	in := strings.Join(columnNames(100_000), ",") + ",userPrincipalName,mobile\nada@contoso.com,not a number\n"
	cfg := Config{Input: strings.NewReader(in), Out: filepath.Join(t.TempDir(), "in.results.csv"), Logger: zap.New(core)}
	if _, err := Run(context.Background(), noGraph{t}, cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	warnings := logs.FilterMessageSnippet("ignoring columns").All()
	if len(warnings) != 1 {
		t.Fatalf("got %d warnings about ignored columns; want 1", len(warnings))
	}
	got := fmt.Sprint(warnings[0].ContextMap()["columns"])
	if want := "c1, c2, c3, c4, c5, c6, c7, c8, c9, c10 and 99990 more"; got != want {
		t.Errorf("got columns %.200q (%d bytes); want %q", got, len(got), want)
	}
}
