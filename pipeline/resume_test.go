package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// exportOf is an input of n users, user i with mobile +1 206 555 (1000+i).
func exportOf(from, n int) string {
	var b strings.Builder
	b.WriteString("userPrincipalName,mobile\n")
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&b, "u%d@contoso.com,+1 206 555 %04d\n", i, 1000+i)
	}
	return b.String()
}

// TestResumeByContent: a fresh export whose rows moved (one inserted at the
// top) redoes only the new row; the compacted file holds this input's rows in
// its order, each skipped row with its earlier outcome under its new number.
func TestResumeByContent(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
	first := exportOf(1, 50)
	if _, err, _ := e.run(t, context.Background(), first, nil); err != nil {
		t.Fatal(err)
	}
	before := e.srv.Writes()
	shifted := "userPrincipalName,mobile\nnew@contoso.com,+1 206 555 0999\n" + strings.TrimPrefix(first, "userPrincipalName,mobile\n")
	sum, err, rows := e.run(t, context.Background(), shifted, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.srv.Writes() - before; got < 1 || got > 2 { // the new row: a create, perhaps an enable
		t.Errorf("got %d writes; want only the inserted row's", got)
	}
	if sum.Processed != 1 || sum.Skipped != 50 || sum.Rows != 51 || sum.ForeignLines != 0 {
		t.Errorf("got processed=%d skipped=%d rows=%d foreign=%d; want 1, 50, 51, 0", sum.Processed, sum.Skipped, sum.Rows, sum.ForeignLines)
	}
	for n := 2; n <= 51; n++ {
		if want := fmt.Sprintf("u%d@contoso.com", n-1); rows[n].User != want || rows[n].Status != StatusSucceeded {
			t.Fatalf("row %d: got %s %s; want %s succeeded", n, rows[n].User, rows[n].Status, want)
		}
	}
	if rows[1].User != "new@contoso.com" {
		t.Errorf("row 1: got %s; want new@contoso.com", rows[1].User)
	}
}

// TestResumeDropsAnotherInputsRows: a result file of another input is not
// merged: its rows are dropped from the compacted file, counted, and kept in
// the .bak; they are not counted as this run's.
func TestResumeDropsAnotherInputsRows(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
	if _, err, _ := e.run(t, context.Background(), exportOf(1, 40), nil); err != nil {
		t.Fatal(err)
	}
	sum, err, rows := e.run(t, context.Background(), exportOf(1000, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(e.dir, "in.results.csv")
	if sum.Rows != 2 || len(rows) != 2 || sum.ForeignLines != 40 || sum.Backup != out+".bak" || sum.ByStatus[StatusSucceeded] != 2 {
		t.Fatalf("got rows=%d (%d in the file) foreign=%d backup=%q byStatus=%v; want 2, 40 foreign kept in %s.bak",
			sum.Rows, len(rows), sum.ForeignLines, sum.Backup, sum.ByStatus, out)
	}
	if !strings.Contains(sum.String(), "40 lines of rows not in this input; kept in "+out+".bak") {
		t.Errorf("the summary does not say so:\n%s", sum)
	}
	bak, err := os.ReadFile(out + ".bak")
	must(t, err)
	if got := strings.Count(string(bak), "@contoso.com,"); got != 42 {
		t.Errorf("the .bak holds %d lines; want the file as it was before compaction (40 + 2)", got)
	}
}

// TestResumeKeepsUnreadRowsWhenInterrupted: a run stopped before the end of
// its input drops nothing an earlier run left: rows it did not reach keep
// their lines.
func TestResumeKeepsUnreadRowsWhenInterrupted(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
	input := exportOf(1, 30)
	if _, err, _ := e.run(t, context.Background(), input, nil); err != nil {
		t.Fatal(err)
	}
	first := map[string]bool{}
	for _, r := range lastLines(t, filepath.Join(e.dir, "in.results.csv")) {
		first[r.Key] = true
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The run stops at once, but its reader may have read some rows first:
	// those come first, under their new numbers, then the earlier lines no
	// row claimed, under theirs (so row numbers need not rise through the
	// file: a later run renumbers them as it reaches them).
	out := filepath.Join(e.dir, "in.results.csv")
	sum, _ := Run(ctx, e.client, Config{Input: strings.NewReader(exportOf(500, 3) + strings.TrimPrefix(input, "userPrincipalName,mobile\n")),
		Out: out, SmsSignIn: true, Workers: 4, Read: InputOptions{Phone: PhoneOptions{DefaultRegion: "US"}}})
	kept := 0
	f, err := os.Open(out)
	must(t, err)
	defer f.Close()
	rr, err := NewResultReader(f)
	must(t, err)
	for {
		r, err := rr.Next()
		if err == io.EOF {
			break
		}
		must(t, err)
		if first[r.Key] {
			kept++
			delete(first, r.Key)
		}
	}
	if sum == nil || sum.ForeignLines != 0 || kept != 30 {
		t.Fatalf("got summary %+v, %d of the 30 earlier rows' lines in the file; want all 30 kept", sum, kept)
	}
}

// TestResumeHealsOnlyTheTail: a damaged line in the middle of a result file
// is skipped with a warning, and the lines after it still count; only a
// torn last line is cut.
func TestResumeHealsOnlyTheTail(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
	input := exportOf(1, 20)
	if _, err, _ := e.run(t, context.Background(), input, nil); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(e.dir, "in.results.csv")
	b, err := os.ReadFile(out)
	must(t, err)
	lines := strings.SplitAfter(string(b), "\n")
	lines[5] = "garbage, not a result line\n" // row 5
	must(t, os.WriteFile(out, []byte(strings.Join(lines, "")+"21,u21@contoso.com,succ"), 0o600))
	before := e.srv.Writes()
	sum, err, rows := e.run(t, context.Background(), input, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.DamagedLines != 1 || sum.DroppedLines != 1 || sum.Processed != 1 || sum.Skipped != 19 || len(rows) != 20 {
		t.Errorf("got damaged=%d cut=%d processed=%d skipped=%d rows=%d; want 1, 1, 1, 19, 20",
			sum.DamagedLines, sum.DroppedLines, sum.Processed, sum.Skipped, len(rows))
	}
	if got := e.srv.Writes() - before; got > 2 {
		t.Errorf("got %d writes; want at most the damaged row's", got)
	}
}

// TestResumeFromSpreadsheetResave: a result file re-saved by a spreadsheet
// (a byte-order mark, CRLF, a column added at the end) still resumes, and the
// compacted file is phonereg's own again.
func TestResumeFromSpreadsheetResave(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
	input := exportOf(1, 10)
	if _, err, _ := e.run(t, context.Background(), input, nil); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(e.dir, "in.results.csv")
	b, err := os.ReadFile(out)
	must(t, err)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i := range lines {
		lines[i] += ",note"
	}
	must(t, os.WriteFile(out, []byte("\ufeff"+strings.Join(lines, "\r\n")+"\r\n"), 0o600))
	before := e.srv.Writes()
	sum, err, rows := e.run(t, context.Background(), input, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 10 || len(rows) != 10 || e.srv.Writes() != before {
		t.Errorf("got skipped=%d rows=%d writes=%d; want 10, 10, none", sum.Skipped, len(rows), e.srv.Writes()-before)
	}
	after, err := os.ReadFile(out)
	must(t, err)
	if !strings.HasPrefix(string(after), headerLine) || strings.Contains(string(after), "\r") {
		t.Errorf("the compacted file is not phonereg's own:\n%q", after)
	}
}

// TestResumeRedoesWhatAnOptionDecided: a row whose outcome an option decided
// (a conflict under --on-existing fail) runs again when that option changes.
func TestResumeRedoesWhatAnOptionDecided(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: []graphsim.User{{UserPrincipalName: "u1@contoso.com", Phones: map[string]string{"mobile": "+1 2065550199"}}}})
	input := exportOf(1, 3)
	sum, _, rows := e.run(t, context.Background(), input, nil)
	if rows[1].Phones.Mobile != OutcomeConflict {
		t.Fatalf("row 1: got %+v; want a conflict", rows[1])
	}
	sum, err, rows := e.run(t, context.Background(), input, func(c *Config) { c.OnExisting = ExistingUpdate })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Processed != 1 || rows[1].Phones.Mobile != OutcomeUpdated {
		t.Errorf("got processed=%d row 1 %+v; want the conflict row redone and updated", sum.Processed, rows[1])
	}
}
