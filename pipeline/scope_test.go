package pipeline

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// usersSent is the set of users the emulator got phone-method requests for
// since request n of its log, lower-cased and sorted.
func usersSent(srv *graphsim.Server, n int) []string {
	var users []string
	for _, r := range srv.Requests()[n:] {
		parts := strings.Split(r.Path, "/")
		for i := 0; i+1 < len(parts); i++ {
			if parts[i] == "users" {
				u, _ := url.PathUnescape(parts[i+1])
				if u = strings.ToLower(u); !slices.Contains(users, u) {
					users = append(users, u)
				}
			}
		}
	}
	slices.Sort(users)
	return users
}

// TestLimitIsACanary: --limit 3 on 10 rows sends requests for the first 3
// users only, leaves the other 7 for later (not an interruption: no error),
// and a rerun without the limit does those 7 and nothing else; the result
// file is in input order throughout.
func TestLimitIsACanary(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
	input := exportOf(1, 10)
	sum, err, rows := e.run(t, context.Background(), input, func(c *Config) { c.Limit = 3 })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := usersSent(e.srv, 0), []string{"u1@contoso.com", "u2@contoso.com", "u3@contoso.com"}; !slices.Equal(got, want) {
		t.Errorf("--limit 3: got requests for %v; want %v", got, want)
	}
	if !sum.Limited || sum.Left != 7 || sum.Processed != 3 || sum.Rows != 3 || len(rows) != 3 || sum.Interrupted || sum.Failed() != 0 {
		t.Errorf("--limit 3: got limited=%v left=%d processed=%d rows=%d (%d in the file) interrupted=%v failed=%d; want true, 7, 3, 3, false, 0",
			sum.Limited, sum.Left, sum.Processed, sum.Rows, len(rows), sum.Interrupted, sum.Failed())
	}
	if s := sum.String(); !strings.Contains(s, "stopped after 3 rows (--limit); 7 rows left for the next run") || strings.Contains(s, "interrupted") {
		t.Errorf("the summary does not say what was left:\n%s", s)
	}
	n := len(e.srv.Requests())
	sum, err, rows = e.run(t, context.Background(), input, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := usersSent(e.srv, n); len(got) != 7 || slices.Contains(got, "u1@contoso.com") {
		t.Errorf("the rerun: got requests for %v; want the 7 users left", got)
	}
	if sum.Limited || sum.Left != 0 || sum.Processed != 7 || sum.Skipped != 3 || len(rows) != 10 {
		t.Errorf("the rerun: got limited=%v left=%d processed=%d skipped=%d, %d rows; want false, 0, 7, 3, 10", sum.Limited, sum.Left, sum.Processed, sum.Skipped, len(rows))
	}
	for i := 1; i <= 10; i++ {
		if ms, _ := e.srv.Methods(fmt.Sprintf("u%d@contoso.com", i)); len(ms) != 1 {
			t.Errorf("u%d: got methods %+v; want its mobile", i, ms)
		}
	}
}

// TestLimitCountsRowsThatSend: rows finished earlier and invalid rows send
// nothing and do not count toward the limit; rows past it keep their earlier
// lines where they stood, and their failures do not make the exit code.
func TestLimitCountsRowsThatSend(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
	// u1–u4 done earlier, and bad@ invalid (its line is final).
	if _, err, _ := e.run(t, context.Background(), exportOf(1, 4)+"bad@contoso.com,12\n", nil); err != nil {
		t.Fatal(err)
	}
	body := strings.TrimPrefix(exportOf(5, 4), "userPrincipalName,mobile\n")
	input := exportOf(1, 4) + "worse@contoso.com,+1 555\n" + body + "bad@contoso.com,12\n"
	n := len(e.srv.Requests())
	sum, err, rows := e.run(t, context.Background(), input, func(c *Config) { c.Limit = 2 })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := usersSent(e.srv, n), []string{"u5@contoso.com", "u6@contoso.com"}; !slices.Equal(got, want) {
		t.Errorf("got requests for %v; want %v", got, want)
	}
	// Rows 1–4 skipped, 5 invalid, 6–7 run; 8–9 passed over (no line, left
	// for later), 10 passed over with its earlier, finished line.
	if sum.Skipped != 4 || sum.Processed != 3 || sum.Left != 2 || !sum.Limited || sum.Failed() != 1 {
		t.Errorf("got skipped=%d processed=%d left=%d limited=%v failed=%d; want 4, 3, 2, true, 1 (row 5 only)", sum.Skipped, sum.Processed, sum.Left, sum.Limited, sum.Failed())
	}
	if len(rows) != 8 || rows[5].Status != StatusInvalid || rows[7].User != "u6@contoso.com" || rows[10].User != "bad@contoso.com" || rows[10].Status != StatusInvalid {
		t.Errorf("got the file %+v; want rows 1–7 and row 10's earlier line", rows)
	}
	if sum.ByStatus[StatusInvalid] != 2 {
		t.Errorf("got byStatus %v; want both invalid lines in the file", sum.ByStatus)
	}
}

// TestOnlyUser: --only-user runs one user's rows (matched to the UPN or the
// userId, case-insensitively) and leaves every other line as it was, those of
// rows not in this input included.
func TestOnlyUser(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: seeds()})
	out := filepath.Join(e.dir, "in.results.csv")
	input := "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\ntaken@contoso.com,+1 206 555 0101\nb@contoso.com,+1 206 555 0102\nTaken@Contoso.com,+1 206 555 0101\n"
	// An earlier run of another input, then this input's: taken@ conflicts.
	if _, err, _ := e.run(t, context.Background(), "userPrincipalName,mobile\ngone@contoso.com,+1 206 555 0199\n", nil); err != nil {
		t.Fatal(err)
	}
	first := input + "c@contoso.com,+1 206 555 0103\n"
	sum, _, _ := e.run(t, context.Background(), first, nil)
	if sum.ForeignLines != 1 {
		t.Fatalf("setup: got %d foreign lines; want 1", sum.ForeignLines)
	}
	// An earlier line of a row not in the next input: kept by --only-user.
	before, err := os.ReadFile(out)
	must(t, err)
	n := len(e.srv.Requests())
	sum, err, _ = e.run(t, context.Background(), input, func(c *Config) { c.OnlyUser = " TAKEN@contoso.COM "; c.OnExisting = ExistingUpdate })
	if err != nil {
		t.Fatal(err)
	}
	if got := usersSent(e.srv, n); !slices.Equal(got, []string{"taken@contoso.com"}) {
		t.Errorf("got requests for %v; want taken@contoso.com only", got)
	}
	if sum.Processed != 2 || sum.Skipped != 0 || sum.Left != 0 || sum.ForeignLines != 0 || sum.Failed() != 0 || sum.Rows != 5 {
		t.Errorf("got processed=%d skipped=%d left=%d foreign=%d failed=%d rows=%d; want 2, 0, 0, 0, 0, 5", sum.Processed, sum.Skipped, sum.Left, sum.ForeignLines, sum.Failed(), sum.Rows)
	}
	after, err := os.ReadFile(out)
	must(t, err)
	for _, l := range strings.Split(strings.TrimSpace(string(before)), "\n")[1:] {
		if strings.Contains(strings.ToLower(l), "taken@") {
			continue
		}
		if !strings.Contains(string(after), l+"\n") {
			t.Errorf("another user's line changed or went: %s\nfile:\n%s", l, after)
		}
	}
	if !strings.Contains(sum.String(), "only TAKEN@contoso.COM's rows (--only-user); 0 rows left for another run") {
		t.Errorf("the summary does not say its scope:\n%s", sum)
	}
	if ms, _ := e.srv.Methods("taken@contoso.com"); len(ms) != 1 || ms[0].PhoneNumber != "+1 2065550101" {
		t.Errorf("taken@: got %+v; want the mobile updated", ms)
	}
}

// TestOnlyUserMatchesUserID: a row's userId matches too, and a row of
// another user that never ran is left for a later run, without a line.
func TestOnlyUserMatchesUserID(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
	id := "0d3f7a0e-7c2b-4a6e-9d4e-2f1c5b8a9e10"
	input := fmt.Sprintf("userPrincipalName,userId,mobile\na@contoso.com,,+1 206 555 0100\nb@contoso.com,%s,+1 206 555 0101\n", id)
	sum, err, rows := e.run(t, context.Background(), input, func(c *Config) { c.OnlyUser = strings.ToUpper(id) })
	if err != nil {
		t.Fatal(err)
	}
	if got := usersSent(e.srv, 0); !slices.Equal(got, []string{id}) {
		t.Errorf("got requests for %v; want %s only", got, id)
	}
	if len(rows) != 1 || rows[2].User != id || sum.Left != 1 {
		t.Errorf("got %d rows (%+v), left=%d; want row 2 only, 1 left", len(rows), rows, sum.Left)
	}
	// A user the input does not have: nothing runs, and the summary says so.
	sum, err, _ = e.run(t, context.Background(), input, func(c *Config) { c.OnlyUser = "nobody@contoso.com" })
	if err != nil || sum.Processed != 0 || !strings.Contains(sum.String(), "no row of nobody@contoso.com in this input") {
		t.Errorf("an unknown user: got %v, processed=%d:\n%s", err, sum.Processed, sum)
	}
}
