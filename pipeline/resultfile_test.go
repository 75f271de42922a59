package pipeline

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResultReader(t *testing.T) {
	header := strings.TrimSuffix(headerLine, "\n")
	line := `1,ada@contoso.com,succeeded,added,,,enabled,false,,r1,00000000000000aa,,2026-12-01T10:00:00Z`
	tests := []struct {
		name    string
		text    string
		rows    []int
		damaged int
		wantErr error
	}{
		{name: "compacted", text: header + "\n" + line + "\n", rows: []int{1}},
		{name: "CRLF", text: header + "\r\n" + line + "\r\n", rows: []int{1}},
		{name: "a column a later version adds", text: header + ",extra\n" + line + ",x\n", rows: []int{1}},
		{name: "re-saved by a spreadsheet: BOM and CRLF", text: "\ufeff" + header + "\r\n" + line + "\r\n", rows: []int{1}},
		{name: "extra cell on a line", text: header + "\n" + line + ",x\n", rows: []int{1}},
		{name: "torn last line", text: header + "\n" + line + "\n2,bob@contoso.com,succ", rows: []int{1}, damaged: 1},
		{name: "damaged line in the middle", text: header + "\n" + "x,y\n" + line + "\n", rows: []int{1}, damaged: 1},
		{name: "unknown status", text: header + "\n" + strings.Replace(line, "succeeded", "done", 1) + "\n", damaged: 1},
		{name: "quote never closed", text: header + "\n" + strings.Replace(line, "ada", `"ada`, 1) + "\n", damaged: 1},
		{name: "not a result file", text: "userPrincipalName,mobile\n", wantErr: ErrNotResultFile},
		{name: "empty", text: "", wantErr: ErrNotResultFile},
		{name: "long line", text: header + "\n" + strings.Replace(line, ",r1,", ","+strings.Repeat("r", 600<<10)+",", 1) + "\n", rows: []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr, err := NewResultReader(strings.NewReader(tt.text))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v; want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var rows []int
			damaged := 0
			for {
				r, err := rr.Next()
				if err == io.EOF {
					break
				}
				if errors.Is(err, ErrDamagedLine) {
					damaged++
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				rows = append(rows, r.Row)
			}
			if !equalInts(rows, tt.rows) || damaged != tt.damaged {
				t.Errorf("got rows %v, %d damaged; want %v, %d", rows, damaged, tt.rows, tt.damaged)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestResultRoundTrip: what the encoder writes, the decoder and the scan read
// back.
func TestResultRoundTrip(t *testing.T) {
	r := Result{
		Row: 7, User: "=cmd|' /C calc'!A0", Status: StatusPartial,
		Phones:    Phones[Outcome]{Mobile: OutcomeUpdated, Office: OutcomeAdded},
		SmsSignIn: SmsNotAllowedByPolicy, Retryable: true,
		Error: "smsSignIn: \"quoted\", with a comma\nand a newline", RequestID: "-r", Key: "00000000000000ff",
		Previous: "mobile=+1 2065550100", FinishedAt: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
	}
	var b bytes.Buffer
	if err := newResultEncoder(&b).encode(r); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "\n"); n != 1 {
		t.Fatalf("got %d newlines in %q; want one physical line", n, b.String())
	}
	got, ok := decodeLine(b.Bytes())
	want := r
	want.Error = strings.ReplaceAll(r.Error, "\n", " ")
	if !ok || got != want {
		t.Fatalf("decodeLine: got %+v, %v;\nwant %+v", got, ok, want)
	}
	row, st, key, ok := scanLine(b.Bytes())
	if !ok || row != 7 || st.status() != StatusPartial || st&stRetryable == 0 || key != 0xff {
		t.Errorf("scanLine: got row %d status %s state %b key %x, %v", row, st.status(), st, key, ok)
	}
}

// FuzzResultLine: no line makes the reader panic; scan and decode agree on
// what is a whole line and on its row, status and key; a decoded line
// encodes to one that decodes the same.
func FuzzResultLine(f *testing.F) {
	f.Add([]byte(`1,ada@contoso.com,succeeded,added,,,enabled,false,,r1,00000000000000aa,,2026-12-01T10:00:00Z` + "\n"))
	f.Add([]byte(`2,"b,""o""b",failed,failed,,,,true,"'=x",,,,` + "\r\n"))
	f.Add([]byte(`3,x,invalid,,,,,false,no phone,,k,,,extra` + "\n"))
	f.Add([]byte(`4,"unterminated,planned` + "\n"))
	f.Fuzz(func(t *testing.T, line []byte) {
		r, ok := decodeLine(line)
		row, st, key, sok := scanLine(line)
		if ok != sok {
			t.Fatalf("decodeLine ok %v, scanLine ok %v for %q", ok, sok, line)
		}
		if !ok {
			return
		}
		if row != r.Row || st.status() != r.Status || key != keyHash(r.Key) {
			t.Fatalf("scan (%d %s %x) and decode (%d %s %x) disagree on %q", row, st.status(), key, r.Row, r.Status, keyHash(r.Key), line)
		}
		var b bytes.Buffer
		if err := newResultEncoder(&b).encode(r); err != nil {
			return // text the CSV writer refuses (invalid UTF-8 in a quoted cell is fine; nothing else is)
		}
		again, ok := decodeLine(b.Bytes())
		if !ok {
			t.Fatalf("re-encoded line %q does not decode (from %q)", b.Bytes(), line)
		}
		r.FinishedAt, again.FinishedAt = time.Time{}, time.Time{}
		norm := func(r Result) Result {
			// encode guards formulas and joins lines; decode undoes the guard.
			for _, s := range []*string{&r.User, &r.Error, &r.RequestID, &r.Key, &r.Previous} {
				*s = uncell(cell(*s))
			}
			return r
		}
		if norm(r) != norm(again) {
			t.Fatalf("round trip changed the result:\n got %+v\nwant %+v\nline %q", again, r, line)
		}
	})
}

// FuzzResultFile: whatever a result file holds (torn, garbled, another
// input's, re-saved by a spreadsheet), opening it to resume either refuses it
// as not a result file or reads it, and compacting it leaves a file of whole
// phonereg lines that opens again.
func FuzzResultFile(f *testing.F) {
	header := strings.TrimSuffix(headerLine, "\n")
	line := `1,ada@contoso.com,succeeded,added,,,enabled,false,,r1,00000000000000aa,,2026-12-01T10:00:00Z`
	for _, seed := range []string{
		header + "\n" + line + "\n",
		header + "\n" + line + "\n2,bob@contoso.com,succ",
		header + "\n" + "garbage\n" + line + "\n",
		"\ufeff" + header + ",note\r\n" + line + ",x\r\n",
		header + "\n" + strings.Replace(line, "1,", "7,", 1) + "\n" + line + "\n",
		header[:20],
		"userPrincipalName,mobile\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "r.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := openJournal(path, false)
		if err != nil {
			if !errors.Is(err, ErrNotResultFile) {
				t.Fatalf("openJournal: %v; want it read or refused as not a result file", err)
			}
			return
		}
		if j.prior != nil {
			for i := range j.prior.lines {
				j.skip(i+1, i)
			}
		}
		if _, err := j.compact(true); err != nil {
			t.Fatalf("compact: %v", err)
		}
		out, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rr, err := NewResultReader(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("the compacted file does not open: %v\n%q", err, out)
		}
		for {
			_, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("the compacted file has a line that does not read: %v\n%q", err, out)
			}
		}
	})
}
