package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func res(n int, st Status, key string, retryable bool) Result {
	return Result{Row: n, User: fmt.Sprintf("u%d@contoso.com", n), Status: st, Key: key, Retryable: retryable,
		Phones: Phones[Outcome]{Mobile: OutcomeAdded}, FinishedAt: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestJournalCompactsToOneLinePerRowInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	j, err := openJournal(path, false)
	if err != nil {
		t.Fatal(err)
	}
	must(t, j.append([]Result{res(3, StatusFailed, "0000000000000003", true), res(1, StatusSucceeded, "0000000000000001", false)}))
	must(t, j.sync())
	must(t, j.append([]Result{res(3, StatusSucceeded, "0000000000000003", false), res(2, StatusInvalid, "0000000000000002", false)}))
	c, err := j.compact(true)
	if err != nil {
		t.Fatal(err)
	}
	counts := c.counts
	lines := readLines(t, path)
	if got, want := len(lines), 4; got != want {
		t.Fatalf("got %d lines; want %d:\n%s", got, want, strings.Join(lines, "\n"))
	}
	if lines[0] != strings.TrimSuffix(headerLine, "\n") {
		t.Errorf("got header %q; want %q", lines[0], headerLine)
	}
	for i, want := range []string{"1,", "2,", "3,"} {
		if !strings.HasPrefix(lines[i+1], want) {
			t.Errorf("line %d: got %q; want it to start with %q", i+2, lines[i+1], want)
		}
	}
	if !strings.Contains(lines[3], ",succeeded,") {
		t.Errorf("row 3: got %q; want the last line (succeeded) to win", lines[3])
	}
	if got, want := counts[StatusSucceeded], 2; got != want {
		t.Errorf("got %d succeeded; want %d", got, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("got mode %v; want 0600", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestJournalResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	j, err := openJournal(path, false)
	must(t, err)
	must(t, j.append([]Result{
		res(1, StatusSucceeded, "00000000000000a1", false),
		res(2, StatusFailed, "00000000000000a2", true),
		res(3, StatusFailed, "00000000000000a3", false),
		res(4, StatusPartial, "00000000000000a4", false),
		res(5, StatusInvalid, "00000000000000a5", false),
		res(6, StatusPlanned, "00000000000000a6", false),
	}))
	must(t, j.close())

	j, err = openJournal(path, false)
	must(t, err)
	defer j.close()
	tests := []struct {
		name        string
		key         string
		retryFailed bool
		want        bool
	}{
		{"succeeded same key", "00000000000000a1", false, true},
		{"changed key", "00000000000000ff", false, false},
		{"failed retryable", "00000000000000a2", false, false},
		{"failed not retryable", "00000000000000a3", false, true},
		{"partial not retryable", "00000000000000a4", false, true},
		{"invalid", "00000000000000a5", false, true},
		{"planned is not done", "00000000000000a6", false, false},
		{"unknown key", "00000000000000a7", false, false},
		{"retry-failed redoes failed", "00000000000000a3", true, false},
		{"retry-failed redoes invalid", "00000000000000a5", true, false},
		{"retry-failed skips succeeded", "00000000000000a1", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			i, found := j.prior.find(tc.key)
			got := found && resumeRule{retryFailed: tc.retryFailed}.done(j.prior.lines[i].state())
			if got != tc.want {
				t.Errorf("got done=%v; want %v", got, tc.want)
			}
		})
	}
}

func TestJournalTornTail(t *testing.T) {
	tests := []struct {
		name    string
		tail    string
		dropped int
	}{
		{"cut inside a line", "2,u2@contoso.com,succ", 1},
		{"garbage line", "\x00\x00\x00\n", 1},
		{"clean", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.csv")
			j, err := openJournal(path, false)
			must(t, err)
			must(t, j.append([]Result{res(1, StatusSucceeded, "0000000000000001", false)}))
			must(t, j.close())
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			must(t, err)
			f.WriteString(tc.tail)
			f.Close()

			j, err = openJournal(path, false)
			must(t, err)
			if got := j.prior.cut; got != tc.dropped {
				t.Errorf("got %d cut; want %d", got, tc.dropped)
			}
			i, ok := j.prior.find("0000000000000001")
			if !ok || !(resumeRule{}).done(j.prior.lines[i].state()) {
				t.Fatalf("row 1 should still be done")
			}
			j.skip(1, i)
			must(t, j.append([]Result{res(2, StatusSucceeded, "0000000000000002", false)}))
			_, err = j.compact(true)
			must(t, err)
			lines := readLines(t, path)
			if got, want := len(lines), 3; got != want {
				t.Fatalf("got %d lines; want %d:\n%q", got, want, lines)
			}
			if !strings.HasPrefix(lines[2], "2,u2@contoso.com,succeeded,") {
				t.Errorf("got %q; want row 2 written cleanly after the cut", lines[2])
			}
		})
	}
}

func TestJournalRefusesOtherFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.csv")
	must(t, os.WriteFile(path, []byte("userPrincipalName,mobile\na@b.c,+1 2065550100\n"), 0o644))
	_, err := openJournal(path, false)
	if !errors.Is(err, ErrNotResultFile) {
		t.Fatalf("got %v; want ErrNotResultFile", err)
	}
	b, _ := os.ReadFile(path)
	if !bytes.HasPrefix(b, []byte("userPrincipalName")) {
		t.Errorf("the file was changed: %q", b)
	}
}

func TestJournalRestartKeepsBackup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	j, err := openJournal(path, false)
	must(t, err)
	must(t, j.append([]Result{res(1, StatusSucceeded, "0000000000000001", false)}))
	must(t, j.close())
	j, err = openJournal(path, true)
	must(t, err)
	if j.prior != nil {
		t.Errorf("got a prior run after --restart")
	}
	must(t, j.close())
	if got := len(readLines(t, path+".bak")); got != 2 {
		t.Errorf("got %d lines in .bak; want 2", got)
	}
	if got := len(readLines(t, path)); got != 1 {
		t.Errorf("got %d lines in the new file; want the header only", got)
	}
}

func TestJournalWriteFailure(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	_, err := openJournal("/dev/full", false)
	if err == nil {
		t.Fatal("got no error writing to /dev/full")
	}
}

func TestCellGuardsFormulas(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=SUM(A1)", "'=SUM(A1)"},
		{"+1 2065550100", "'+1 2065550100"},
		{"-x", "'-x"},
		{"@cmd", "'@cmd"},
		{"\tx", "'\tx"},
		{"a\nb", "a b"},
		{"plain", "plain"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := cell(tc.in); got != tc.want {
			t.Errorf("cell(%q): got %q; want %q", tc.in, got, tc.want)
		}
		if tc.in != "a\nb" {
			if got := uncell(cell(tc.in)); got != tc.in {
				t.Errorf("uncell(cell(%q)): got %q", tc.in, got)
			}
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+1 2065550100", "+1 ******0100"},
		{"+44 2079460958x12", "+44 ******0958x***"},
		{"+1 123", "+1 ***"},
	}
	for _, tc := range tests {
		if got := MaskPhone(tc.in); got != tc.want {
			t.Errorf("MaskPhone(%q): got %q; want %q", tc.in, got, tc.want)
		}
	}
}

// writeJournal writes a result file of n rows for benchmarks.
func writeJournal(tb testing.TB, path string, n int) {
	tb.Helper()
	j, err := openJournal(path, true)
	if err != nil {
		tb.Fatal(err)
	}
	batch := make([]Result, 0, 1024)
	for i := 1; i <= n; i++ {
		r := res(i, StatusSucceeded, fmt.Sprintf("%016x", i), false)
		r.Phones = Phones[Outcome]{Mobile: OutcomeAdded, AlternateMobile: OutcomeAdded}
		r.SmsSignIn = SmsEnabled
		batch = append(batch, r)
		if len(batch) == cap(batch) {
			if err := j.append(batch); err != nil {
				tb.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := j.append(batch); err != nil {
		tb.Fatal(err)
	}
	if err := j.close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkResumeOpen1M measures a resume's start: reading and indexing a
// 1,000,000-row result file (goal ≤ 2 s).
func BenchmarkResumeOpen1M(b *testing.B) {
	path := filepath.Join(b.TempDir(), "r.csv")
	writeJournal(b, path, 1_000_000)
	b.ResetTimer()
	for range b.N {
		j, err := openJournal(path, false)
		if err != nil {
			b.Fatal(err)
		}
		if got := len(j.prior.lines); got != 1_000_000 {
			b.Fatalf("got %d lines", got)
		}
		j.close()
	}
}

// BenchmarkCompact1M measures the final rewrite of a 1,000,000-row result file
// by a rerun that skips every row but one, which it writes again (so the
// rewrite cannot be skipped).
func BenchmarkCompact1M(b *testing.B) {
	path := filepath.Join(b.TempDir(), "r.csv")
	const n = 1_000_000
	writeJournal(b, path, n)
	b.ResetTimer()
	for it := range b.N {
		j, err := openJournal(path, false)
		if err != nil {
			b.Fatal(err)
		}
		again := 1 + it%1000
		for row := 1; row <= n; row++ {
			key := fmt.Sprintf("%016x", row)
			i, ok := j.prior.find(key)
			if !ok {
				b.Fatalf("row %d: no line", row)
			}
			if row == again {
				j.markUsed(i)
				if err := j.append([]Result{res(row, StatusSucceeded, key, false)}); err != nil {
					b.Fatal(err)
				}
				continue
			}
			j.skip(row, i)
		}
		c, err := j.compact(true)
		if err != nil {
			b.Fatal(err)
		}
		if c.counts[StatusSucceeded] != n || c.foreign != 0 {
			b.Fatalf("got %v, %d foreign; want %d succeeded", c.counts, c.foreign, n)
		}
	}
}

func TestJournalLeavesACompactFileAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	j, err := openJournal(path, false)
	must(t, err)
	must(t, j.append([]Result{res(2, StatusSucceeded, "0000000000000002", false), res(1, StatusFailed, "0000000000000001", false)}))
	_, err = j.compact(true)
	must(t, err)
	before, err := os.Stat(path)
	must(t, err)

	j, err = openJournal(path, false)
	must(t, err)
	if !j.prior.ordered {
		t.Fatalf("a compacted file reads as not ordered")
	}
	for row, key := range []string{"0000000000000001", "0000000000000002"} {
		i, ok := j.prior.find(key)
		if !ok {
			t.Fatalf("no line for %s", key)
		}
		j.skip(row+1, i)
	}
	c, err := j.compact(true)
	must(t, err)
	counts := c.counts
	after, err := os.Stat(path)
	must(t, err)
	if !os.SameFile(before, after) {
		t.Errorf("a rerun that wrote nothing rewrote the compact file")
	}
	if counts[StatusSucceeded] != 1 || counts[StatusFailed] != 1 {
		t.Errorf("got counts %v; want 1 succeeded, 1 failed", counts)
	}
}

// close syncs and closes the journal without compacting it.
func (j *journal) close() error {
	err := j.sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.lock.release()
	return err
}
