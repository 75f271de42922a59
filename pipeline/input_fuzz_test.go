package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	fuzzKeyRE   = regexp.MustCompile(`^[0-9a-f]{16}$`)
	fuzzGraphRE = regexp.MustCompile(`^\+[1-9][0-9]{0,2} [0-9]{2,17}(x[0-9]{1,9})?$`)
)

// fuzzOptions are the ways FuzzReadRows reads its input: opt&7 picks one.
var fuzzOptions = [8]InputOptions{
	{},
	{Phone: PhoneOptions{DefaultRegion: "US"}},
	{Delimiter: ';', Phone: PhoneOptions{DefaultRegion: "GB"}},
	{Maps: []string{"userPrincipalName=Username", "mobile=+{Country Code} {Phone Number}x{Extension}"}},
	{Delimiter: '\t', Maps: []string{"office=mobile"}},
	{Maps: []string{"userPrincipalName=Email", "mobile=+{Country} {Phone}x{Ext}", "office={Phone}"}, Phone: PhoneOptions{DefaultRegion: "US"}},
	{Maps: []string{"userId={First}.{Last}@contoso.com", "alternateMobile=Phone", "mobile={Country}{Phone}"}},
	{Delimiter: '€', Maps: []string{"mobile=+{Country} {Phone}"}},
}

// fuzzLimits are the limits FuzzReadRows reads with: opt>>3&3 picks one.
// The small ones make short inputs reach them.
var fuzzLimits = [4]inputLimits{
	defaultInputLimits,
	{cell: 16, record: 256},
	{cell: 1, record: 64},
	{cell: 200, record: 1 << 20},
}

// FuzzReadRows feeds arbitrary bytes to ReadRows: it must not panic, must
// fail only with an *InputError, and what it returns must keep the
// contract (rows numbered 1, 2, … in order, lines increasing, a key on
// every row, valid rows with a user and Graph-form phones, messages and
// warnings bounded whatever the input). Its CSV scanner must read the
// records encoding/csv reads (see checkScanner). opt picks the options and
// the limits (fuzzOptions, fuzzLimits). Seeds: testdata/input/*.csv, and
// testdata/fuzz/FuzzReadRows (a huge cell, more cells than the header, a
// 10,000-column header, --map templates).
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
	f.Add([]byte("Email,Country,Phone,Ext\nada@contoso.com,1,2065550100,12\nbob@contoso.com,44,20 7946 0958,\n"), uint8(5))
	f.Add([]byte("userPrincipalName,mobile,Notes\nada@contoso.com,+12065550100,\"5\" screen, long enough\nb,+12065550101\n"), uint8(8))
	f.Fuzz(func(t *testing.T, data []byte, opt uint8) {
		o, lim := fuzzOptions[opt&7], fuzzLimits[opt>>3&3]
		comma := o.Delimiter
		if comma == 0 {
			comma = ','
		}
		checkScanner(t, data, comma, lim, 16)
		var prev Row
		h, err := readRows(context.Background(), bytes.NewReader(data), o, lim, func(r Row) error {
			checkFuzzRow(t, prev, r, lim)
			prev = r
			return nil
		})
		var ie *InputError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("got error %v (%T); want nil or *InputError", err, err)
		}
		if err != nil && len(err.Error()) > 4<<10 {
			t.Fatalf("got an error of %d bytes; want at most 4 KiB", len(err.Error()))
		}
		if s := h.IgnoredSummary(); len(s) > 5000 || (s == "") != (len(h.Ignored) == 0) {
			t.Fatalf("got IgnoredSummary of %d bytes for %d ignored columns; want at most 5000, empty only for none", len(s), len(h.Ignored))
		}
	})
}

// checkFuzzRow checks row r of FuzzReadRows, which came after prev.
func checkFuzzRow(t *testing.T, prev, r Row, lim inputLimits) {
	t.Helper()
	if r.Num != prev.Num+1 {
		t.Fatalf("got row number %d; want %d", r.Num, prev.Num+1)
	}
	if r.Line <= prev.Line {
		t.Fatalf("row %d: got line %d after line %d; want increasing", r.Num, r.Line, prev.Line)
	}
	if !fuzzKeyRE.MatchString(r.Key) {
		t.Fatalf("row %d: got key %q; want 16 hex digits", r.Num, r.Key)
	}
	// A user is one cell, or a template of a few cells and some text.
	if int64(len(r.User)) > 3*lim.cell+64 {
		t.Fatalf("row %d: got a user of %d bytes; want no more than its cells hold", r.Num, len(r.User))
	}
	if max := 12*lim.cell + 4096; int64(len(r.Invalid)) > max {
		t.Fatalf("row %d: got Invalid of %d bytes; want at most %d", r.Num, len(r.Invalid), max)
	}
	if r.Invalid != "" {
		return
	}
	if r.User == "" || r.Phones == (Phones[string]{}) {
		t.Fatalf("row %d: valid without user or phone: %+v", r.Num, r)
	}
	for _, p := range []string{r.Phones.Mobile, r.Phones.AlternateMobile, r.Phones.Office} {
		if p != "" && !fuzzGraphRE.MatchString(p) {
			t.Fatalf("row %d: got phone %q; want Graph's form", r.Num, p)
		}
	}
	// A valid row's user can exist: an object id in its canonical form, or
	// a userPrincipalName within Entra's username policy.
	if id, ok := canonicalObjectID(r.UserID); r.UserID != "" && (!ok || r.User != id) {
		t.Fatalf("row %d: got user %q for userId %q; want the id's canonical form", r.Num, r.User, r.UserID)
	}
	if p := upnProblem(r.User); r.UserID == "" && p != "" {
		t.Fatalf("row %d: valid with user %q: %s", r.Num, r.User, p)
	}
}

// checkScanner reads data with a csvScanner (comma, lim, a bufio.Reader of
// bufSize bytes, so that small sizes cut cells, quotes and delimiters at
// every place) and with encoding/csv's Reader (LazyQuotes, FieldsPerRecord
// -1), and fails t unless they read the same records: the same cells, each
// record starting on the same line; a cell the scanner found too long is
// longer than lim.cell and as long as csv's; the scanner stops with an
// *InputError at the first record longer than lim.record, and only there.
func checkScanner(t *testing.T, data []byte, comma rune, lim inputLimits, bufSize int) {
	t.Helper()
	if !validInputDelimiter(comma) {
		return
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma, cr.LazyQuotes, cr.FieldsPerRecord = comma, true, -1
	s := newCSVScanner(bufio.NewReaderSize(bytes.NewReader(data), bufSize), comma, lim)
	for n := 1; ; n++ {
		start := int(cr.InputOffset())
		want, werr := cr.Read()
		got, gerr := s.next()
		if werr == io.EOF || gerr == io.EOF {
			if werr != gerr {
				t.Fatalf("record %d: got error %v; encoding/csv %v", n, gerr, werr)
			}
			return
		}
		if werr != nil {
			t.Fatalf("record %d: encoding/csv: %v", n, werr)
		}
		size := recordSize(data, start, int(cr.InputOffset()))
		var ie *InputError
		if gerr != nil && errors.As(gerr, &ie) && strings.Contains(ie.Msg, "a record starting here is longer than") {
			if int64(size) <= lim.record {
				t.Fatalf("record %d: got %v for a record of %d bytes; want it read (limit %d)", n, gerr, size, lim.record)
			}
			return
		}
		if gerr != nil {
			t.Fatalf("record %d: got error %v; want %q", n, gerr, want)
		}
		if int64(size) > lim.record {
			t.Fatalf("record %d: got a record of %d bytes read; want an error (limit %d)", n, size, lim.record)
		}
		checkScannedRecord(t, n, got, want, cr, lim)
	}
}

// recordSize is the bytes of data[start:end] after the empty lines that
// encoding/csv skips before a record.
func recordSize(data []byte, start, end int) int {
	for start < end {
		switch {
		case data[start] == '\n':
			start++
		case data[start] == '\r' && start+1 < len(data) && data[start+1] == '\n':
			start += 2
		default:
			return end - start
		}
	}
	return 0
}

func checkScannedRecord(t *testing.T, n int, got *csvRecord, want []string, cr *csv.Reader, lim inputLimits) {
	t.Helper()
	if line, _ := cr.FieldPos(0); got.line != line {
		t.Fatalf("record %d: got line %d; want %d", n, got.line, line)
	}
	if got.count() != len(want) {
		t.Fatalf("record %d: got %d cells; want %d: %q", n, got.count(), len(want), want)
	}
	longs := got.long // in order: walked along, not searched for each cell
	for i, c := range want {
		var lc longCell
		long := len(longs) > 0 && longs[0].col == i
		if long {
			lc, longs = longs[0], longs[1:]
		}
		switch {
		case long && (int64(len(c)) <= lim.cell || lc.size != int64(len(c))):
			t.Fatalf("record %d cell %d: got too long (%d bytes); want %q (%d bytes, limit %d)", n, i, lc.size, c, len(c), lim.cell)
		case !long && int64(len(c)) > lim.cell:
			t.Fatalf("record %d cell %d: got %d bytes held; want it too long (limit %d)", n, i, len(c), lim.cell)
		case !long && got.cell(i) != c:
			t.Fatalf("record %d cell %d: got %q; want %q", n, i, got.cell(i), c)
		}
	}
	if len(longs) > 0 {
		t.Fatalf("record %d: got too long cell %d of %d cells", n, longs[0].col, len(want))
	}
}
