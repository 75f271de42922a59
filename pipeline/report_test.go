package pipeline

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// scriptUser is a user whose name is markup: every format must keep it text.
const scriptUser = "<script>alert(1)</script>@contoso.com"

// reportInput is a run with a mix of outcomes and errors against the
// emulator reportEnv starts: mobiles added whose SMS sign-in Graph refuses
// with 403 Authorization_RequestDenied (partial, an admin grants the role),
// conflicts (failed, an admin decides), users Graph does not know yet (404
// Request_ResourceNotFound, retryable), a bad number (invalid), rows that
// succeed, and users named like markup and like a spreadsheet formula.
const reportInput = "userPrincipalName,mobile,alternateMobile,office\n" +
	"a1@contoso.com,+1 206 555 0100,+1 206 555 0150,\n" + // 1 partial: SMS 403
	"a2@contoso.com,+1 206 555 0101,,\n" + // 2 partial: SMS 403
	"conflict1@contoso.com,+1 206 555 0102,,\n" + // 3 failed: conflict
	scriptUser + ",+1 206 555 0103,,\n" + // 4 failed: conflict
	"=cmd@contoso.com,+1 206 555 0104,,\n" + // 5 failed: conflict
	"ghost1@contoso.com,+1 206 555 0105,,\n" + // 6 failed, retryable: 404
	"ghost2@contoso.com,+1 206 555 0106,,\n" + // 7 failed, retryable: 404
	"ready@contoso.com,+1 206 555 0107,,\n" + // 8 succeeded: exists, already-enabled
	"office@contoso.com,,,+1 425 555 0108\n" + // 9 succeeded: office added
	"bad@contoso.com,+1 555,,\n" // 10 invalid

// reportEnv starts the emulator for reportInput: an application with the
// phone role alone under the older pages' rule (creates pass, enabling SMS
// sign-in is refused), no users created on first use.
func reportEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, graphsim.Options{Roles: []string{graphsim.RolePhoneReadWriteAll}, Knobs: graphsim.Knobs{PhoneRoleLegacy: true}, Users: []graphsim.User{
		{UserPrincipalName: "a1@contoso.com", NoAutoRegister: true},
		{UserPrincipalName: "a2@contoso.com", NoAutoRegister: true},
		{UserPrincipalName: "conflict1@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550190"}},
		{UserPrincipalName: scriptUser, Phones: map[string]string{graphsim.TypeMobile: "+1 2065550191"}},
		{UserPrincipalName: "=cmd@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550192"}},
		{UserPrincipalName: "ready@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550107"}},
		{UserPrincipalName: "office@contoso.com"},
	}})
}

// reportFixture runs reportInput and reads the report of its result file.
func reportFixture(t *testing.T) (path string, rep *Report) {
	t.Helper()
	e := reportEnv(t)
	if _, err, _ := e.run(t, context.Background(), reportInput, nil); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(e.dir, "in.results.csv")
	return path, readReportFile(t, path)
}

// readReportFile reads the report of the result file at path.
func readReportFile(t *testing.T, path string) *Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := ReadReport(context.Background(), f, path)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// render writes rep in format f with top.
func render(t *testing.T, rep *Report, f ReportFormat, top int) string {
	t.Helper()
	var b bytes.Buffer
	if err := rep.Write(&b, f, top); err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	return b.String()
}

// TestReportCounts: the report's counts, groups and lists of a real run's
// result file.
func TestReportCounts(t *testing.T) {
	path, rep := reportFixture(t)
	wantStatus := map[Status]int{StatusSucceeded: 2, StatusPartial: 2, StatusFailed: 5, StatusInvalid: 1}
	if rep.Rows != 10 || !maps.Equal(rep.ByStatus, wantStatus) {
		t.Fatalf("got %d rows %v; want 10 rows %v", rep.Rows, rep.ByStatus, wantStatus)
	}
	if rep.Kind != "run" || rep.DryRun || rep.File != path {
		t.Errorf("got kind %q, dry run %v, file %q; want run, false, %q", rep.Kind, rep.DryRun, rep.File, path)
	}
	if rep.Retryable != 2 || rep.NeedAdmin != 5 {
		t.Errorf("got %d retryable, %d for an admin; want 2 and 5", rep.Retryable, rep.NeedAdmin)
	}
	if got := rep.Outcomes["smsSignIn"]["failed"]; got != 2 {
		t.Errorf("got smsSignIn failed %d; want 2 (outcomes %v)", got, rep.Outcomes)
	}
	// One group per kind of error: numbers masked, Graph's answer read out.
	want := []struct {
		rows, first, status int
		code, has           string
	}{
		{3, 3, 0, "", "the user already has +…, not +…"},
		{2, 1, 403, "Authorization_RequestDenied", "smsSignIn: 403 Authorization_RequestDenied"},
		{2, 6, 404, "Request_ResourceNotFound", "user not found (404 Request_ResourceNotFound)"},
		{1, 10, 0, "", "mobile:"},
	}
	if len(rep.TopErrors) != len(want) || rep.ErrorKinds != len(want) {
		t.Fatalf("got %d error kinds %+v; want %d", rep.ErrorKinds, rep.TopErrors, len(want))
	}
	for i, w := range want {
		e := rep.TopErrors[i]
		if e.Rows != w.rows || e.FirstRow != w.first || e.HTTPStatus != w.status || e.Code != w.code || !strings.Contains(e.Error, w.has) {
			t.Errorf("error %d: got %+v; want %d rows from row %d, %d %q, containing %q", i, e, w.rows, w.first, w.status, w.code, w.has)
		}
	}
	if e := rep.TopErrors[1]; e.FirstUser != "a1@contoso.com" || e.RequestID == "" || !strings.Contains(e.Example, "403 Authorization_RequestDenied") {
		t.Errorf("403 group's example: got %+v; want row 1's user, error and request-id", e)
	}
	if got := rowNumbers(rep.RetryRows); !slices.Equal(got, []int{6, 7}) {
		t.Errorf("got rows to retry %v; want [6 7]", got)
	}
	if got := rowNumbers(rep.AdminRows); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Errorf("got rows for an admin %v; want [1 2 3 4 5]", got)
	}
	if s := rep.AdminRows[0].Steps; !slices.Equal(s, []StepOutcome{{"smsSignIn", "failed"}}) {
		t.Errorf("row 1's steps: got %v; want smsSignIn failed", s)
	}
	if want := "phonereg run --in INPUT --out " + shellQuote(path); rep.RetryCommand != want || rep.RetryFailedCommand != want+" --retry-failed" {
		t.Errorf("got commands %q, %q; want %q and --retry-failed", rep.RetryCommand, rep.RetryFailedCommand, want)
	}
}

// rowNumbers are the rows' numbers.
func rowNumbers(rows []ReportRow) []int {
	var out []int
	for _, r := range rows {
		out = append(out, r.Row)
	}
	return out
}

// TestReportTop: --top bounds every list of every format but csv, the counts
// stay whole, and 0 lists all.
func TestReportTop(t *testing.T) {
	_, rep := reportFixture(t)
	one := rep.Limit(1)
	if len(one.TopErrors) != 1 || len(one.RetryRows) != 1 || len(one.AdminRows) != 1 || one.ErrorKinds != 4 || one.NeedAdmin != 5 {
		t.Errorf("Limit(1): got %d errors, %d retry, %d admin rows, %d kinds, %d need an admin; want 1, 1, 1, 4, 5",
			len(one.TopErrors), len(one.RetryRows), len(one.AdminRows), one.ErrorKinds, one.NeedAdmin)
	}
	all := rep.Limit(0)
	if len(all.TopErrors) != 4 || len(all.AdminRows) != 5 {
		t.Errorf("Limit(0): got %d errors, %d admin rows; want all: 4, 5", len(all.TopErrors), len(all.AdminRows))
	}
	text := render(t, rep, ReportText, 1)
	for _, h := range []string{"top errors: the 1 most frequent of 4 kinds", "… and 4 more (--top 0 lists all)"} {
		if !strings.Contains(text, h) {
			t.Errorf("text --top 1 lacks %q:\n%s", h, text)
		}
	}
	if text := render(t, rep, ReportText, 0); !strings.Contains(text, "top errors: 4 kinds") || strings.Contains(text, "more (--top 0") {
		t.Errorf("text --top 0 does not list all:\n%s", text)
	}
	if lines := strings.Count(render(t, rep, ReportCSV, 1), "\n"); lines != 6 {
		t.Errorf("csv with top 1: got %d lines; want the header and all 5 rows", lines)
	}
}

// TestReportText: the terminal report names what to do with each list.
func TestReportText(t *testing.T) {
	path, rep := reportFixture(t)
	text := render(t, rep, ReportText, 10)
	for _, h := range []string{
		"rows:      10\n",
		"status:    succeeded 2, partial 2, failed 5, invalid 1\n",
		"retryable: 2 rows a rerun with the same --out retries\n",
		"admin:     5 rows failed or partial",
		"top errors: 4 kinds\n",
		"      3  mobile: the user already has +…, not +…",
		"Graph 403 Authorization_RequestDenied; first: row 1 (a1@contoso.com); request-id ",
		"rows to retry:\n  row 6     ghost1@contoso.com  failed  mobile failed  mobile: user not found (404 Request_ResourceNotFound)",
		"retry them: phonereg run --in INPUT --out " + shellQuote(path) + "\n",
		"after the fix: phonereg run --in INPUT --out " + shellQuote(path) + " --retry-failed\n",
	} {
		if !strings.Contains(text, h) {
			t.Errorf("text lacks %q:\n%s", h, text)
		}
	}
}

// TestReportJSON: the documented shape, decoded by field name.
func TestReportJSON(t *testing.T) {
	_, rep := reportFixture(t)
	var doc struct {
		Kind      string         `json:"kind"`
		Rows      int            `json:"rows"`
		ByStatus  map[string]int `json:"byStatus"`
		Retryable int            `json:"retryable"`
		NeedAdmin int            `json:"needAdmin"`
		TopErrors []struct {
			Error      string `json:"error"`
			HTTPStatus int    `json:"httpStatus"`
			Code       string `json:"code"`
			Rows       int    `json:"rows"`
			FirstRow   int    `json:"firstRow"`
			RequestID  string `json:"requestId"`
		} `json:"topErrors"`
		RetryRows []struct {
			Row   int    `json:"row"`
			User  string `json:"user"`
			Steps []struct {
				Step    string `json:"step"`
				Outcome string `json:"outcome"`
			} `json:"steps"`
		} `json:"retryRows"`
		AdminRows          []json.RawMessage `json:"adminRows"`
		RetryCommand       string            `json:"retryCommand"`
		RetryFailedCommand string            `json:"retryFailedCommand"`
		FirstFinishedAt    string            `json:"firstFinishedAt"`
	}
	out := render(t, rep, ReportJSON, 2)
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.Kind != "run" || doc.Rows != 10 || doc.ByStatus["failed"] != 5 || doc.Retryable != 2 || doc.NeedAdmin != 5 {
		t.Errorf("got %+v", doc)
	}
	if len(doc.TopErrors) != 2 || doc.TopErrors[1].HTTPStatus != 403 || doc.TopErrors[1].Code != "Authorization_RequestDenied" || doc.TopErrors[1].RequestID == "" {
		t.Errorf("topErrors (top 2): got %+v", doc.TopErrors)
	}
	if len(doc.RetryRows) != 2 || doc.RetryRows[0].User != "ghost1@contoso.com" || len(doc.RetryRows[0].Steps) != 1 || doc.RetryRows[0].Steps[0].Outcome != "failed" {
		t.Errorf("retryRows: got %+v", doc.RetryRows)
	}
	if len(doc.AdminRows) != 2 || doc.RetryCommand == "" || !strings.HasSuffix(doc.RetryFailedCommand, " --retry-failed") || doc.FirstFinishedAt == "" {
		t.Errorf("got %d adminRows (top 2), commands %q %q, firstFinishedAt %q", len(doc.AdminRows), doc.RetryCommand, doc.RetryFailedCommand, doc.FirstFinishedAt)
	}
	if strings.Contains(out, "<script>") {
		t.Errorf("JSON holds a raw <script>:\n%s", out)
	}
}

// TestReportMarkdown: GitHub-flavoured tables, every cell escaped.
func TestReportMarkdown(t *testing.T) {
	_, rep := reportFixture(t)
	md := render(t, rep, ReportMarkdown, 0)
	for _, h := range []string{
		"## Rows by status\n\n| status | rows |\n|---|---:|\n| succeeded | 2 |\n| partial | 2 |\n| failed | 5 |\n| invalid | 1 |\n",
		"| mobile | conflict | 3 |\n",
		"| rows | Graph code | error | first row | user | request-id |\n|---:|---|---|---:|---|---|\n",
		"| 2 | 403 Authorization\\_RequestDenied | smsSignIn: 403 Authorization\\_RequestDenied: ",
		"## Rows to retry\n",
		"```sh\nphonereg run --in INPUT --out ",
		"| 4 | &lt;script&gt;alert(1)&lt;/script&gt;@contoso.com | failed | mobile conflict | mobile: the user already has +1 \\*\\*\\*\\*\\*\\*0191, not",
	} {
		if !strings.Contains(md, h) {
			t.Errorf("markdown lacks %q:\n%s", h, md)
		}
	}
	if strings.Contains(md, "<script") {
		t.Errorf("markdown holds a raw <script:\n%s", md)
	}
	for i, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") < 3 {
			t.Errorf("line %d: a table row of fewer than two cells: %q", i+1, line)
		}
	}
}

// TestReportHTML: one self-contained page, parsed as a browser would: a
// title, an inline SVG chart with one bar per step and outcome, labelled
// and counted, the status and error tables, no script and nothing loaded
// from elsewhere, the markup user as text.
func TestReportHTML(t *testing.T) {
	_, rep := reportFixture(t)
	page := render(t, rep, ReportHTML, 0)
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var titles, tables, bars []string
	var svgs int
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		for _, a := range n.Attr {
			if (a.Key == "src" || a.Key == "href" || a.Key == "xlink:href") && a.Val != "" {
				t.Errorf("<%s %s=%q>: want nothing loaded", n.Data, a.Key, a.Val)
			}
		}
		switch n.Data {
		case "script", "link", "img", "iframe", "object", "embed":
			t.Errorf("got a <%s> element; want none", n.Data)
		case "title":
			if n.Parent.Data == "head" {
				titles = append(titles, text(n))
			}
		case "svg":
			svgs++
		case "table":
			tables = append(tables, attr(n, "class"))
		case "g":
			if attr(n, "class") == "bar" {
				bars = append(bars, attr(n, "data-step")+" "+attr(n, "data-outcome")+" "+text(n))
			}
		}
	}
	if len(titles) != 1 || !strings.HasPrefix(titles[0], "phonereg report: ") {
		t.Errorf("got titles %q; want one, phonereg report: FILE", titles)
	}
	if svgs != 1 || !slices.Equal(tables, []string{"status", "errors", "rows", "rows"}) {
		t.Errorf("got %d svg, tables %q; want 1 svg and status, errors, rows, rows", svgs, tables)
	}
	var want []string
	for _, step := range steps {
		for _, o := range slices.Sorted(maps.Keys(rep.Outcomes[step])) {
			want = append(want, step+" "+o)
		}
	}
	var got []string
	for _, b := range bars {
		f := strings.Fields(b) // step, outcome, then the label, the <title>, the count
		got = append(got, f[0]+" "+f[1])
		if n := rep.Outcomes[f[0]][f[1]]; !strings.HasPrefix(strings.Join(f[2:], " "), f[1]+" "+f[0]+" "+f[1]+": ") || f[len(f)-1] != strconv.Itoa(n) {
			t.Errorf("bar %q: want its label %s and count %d", b, f[1], n)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("got bars %q; want one per step and outcome %q", got, want)
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;@contoso.com") {
		t.Errorf("the markup user is not there as escaped text")
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Errorf("the page names a URL; want every asset inline")
	}
}

// text is the text content of n and its descendants, joined by spaces.
func text(n *html.Node) string {
	var parts []string
	for c := range n.Descendants() {
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			parts = append(parts, strings.TrimSpace(c.Data))
		}
	}
	return strings.Join(parts, " ")
}

// attr is n's attribute key, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestReportCSV: the rows that need an admin and only those, one line per
// failed step, cells guarded against spreadsheet formulas.
func TestReportCSV(t *testing.T) {
	_, rep := reportFixture(t)
	recs, err := csv.NewReader(strings.NewReader(render(t, rep, ReportCSV, 10))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], []string{"row", "user", "step", "outcome", "error", "requestId"}) {
		t.Fatalf("got header %q", recs[0])
	}
	var rows []string
	for _, r := range recs[1:] {
		rows = append(rows, r[0]+" "+r[2]+" "+r[3])
		for i, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("row %s column %s: %q is a formula to a spreadsheet", r[0], recs[0][i], c)
			}
		}
	}
	want := []string{"1 smsSignIn failed", "2 smsSignIn failed", "3 mobile conflict", "4 mobile conflict", "5 mobile conflict"}
	if !slices.Equal(rows, want) {
		t.Fatalf("got rows %q; want the failed and partial rows that are not retryable %q", rows, want)
	}
	if recs[5][1] != "'=cmd@contoso.com" || recs[4][1] != scriptUser || recs[1][5] == "" || !strings.Contains(recs[1][4], "403 Authorization_RequestDenied") {
		t.Errorf("got %q; want the users as written (=cmd guarded), row 1's error and request-id", recs[1:])
	}
}

// TestReportRefusesSnapshot: an export snapshot is not a result file, and
// report says what it is.
func TestReportRefusesSnapshot(t *testing.T) {
	e := reportEnv(t)
	if _, err, _ := e.export(t, context.Background(), "userPrincipalName\na1@contoso.com\n", nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(e.snapshotPath())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = ReadReport(context.Background(), f, e.snapshotPath())
	if !errors.Is(err, ErrNotResultFile) || !strings.Contains(err.Error(), "export snapshot") {
		t.Errorf("got %v; want ErrNotResultFile saying it is an export snapshot", err)
	}
}

// TestNormalizeError: rows that differ only in numbers, ids and quoted
// values group together; Graph's status and codes with digits stay.
func TestNormalizeError(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"mobile: the user already has +1 ******0100, not +1 ******0105", "mobile: the user already has +1 ******0101, not +1 ******0199",
			"mobile: the user already has +…, not +…"},
		{"mobile: 503: busy, retried 5 times [request-id 6f1c6e3e-6c2f-4b9a-9d2b-0a7e9f1b2c3d]", "mobile: 503: busy, retried 6 times [request-id 0a7e9f1b-6c2f-4b9a-9d2b-6f1c6e3e2c3d]",
			"mobile: 503: busy, retried … times [request-id …]"},
		{"office: 400 invalidRequest: number 'x123' is bad", "office: 400 invalidRequest: number 'x124' is bad",
			`office: 400 invalidRequest: number "…" is bad`},
		{"reading the user's phone methods: AADSTS50020 for row 3's user", "reading the user's phone methods: AADSTS50020 for row 4's user",
			"reading the user's phone methods: AADSTS50020 for row …'s user"},
	}
	for _, tc := range tests {
		if a, b := normalizeError(tc.a), normalizeError(tc.b); a != tc.want || b != tc.want {
			t.Errorf("normalizeError:\n  %q → %q\n  %q → %q\nwant %q", tc.a, a, tc.b, b, tc.want)
		}
	}
}

// TestReportTextNoControlCharacters: a cell with a terminal's escape
// sequence does not reach the terminal.
func TestReportTextNoControlCharacters(t *testing.T) {
	rep := &Report{Rows: 1, ByStatus: map[Status]int{StatusFailed: 1}, NeedAdmin: 1,
		AdminRows: []ReportRow{{Row: 1, User: "\x1b[2J\x1b]0;owned\x07eve@contoso.com", Status: StatusFailed, Error: "mobile: \x9b31m"}}}
	text := rep.String()
	if strings.ContainsAny(text, "\x1b\x07\u009b") || !strings.Contains(text, "eve@contoso.com") {
		t.Errorf("got %q; want the user without control characters", text)
	}
}

// TestSummaryRetryableRowsAndTimes: the summary counts the result file's
// rows a rerun retries, and says when the job started and finished.
func TestSummaryRetryableRowsAndTimes(t *testing.T) {
	e := reportEnv(t)
	before := time.Now()
	sum, err, _ := e.run(t, context.Background(), reportInput, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.RetryableRows != 2 || !strings.Contains(sum.String(), "retryable: 2 rows") {
		t.Errorf("got %d retryable rows; want 2 (ghost1, ghost2)\n%s", sum.RetryableRows, sum)
	}
	if sum.StartedAt.Before(before.Add(-time.Second)) || sum.FinishedAt.Before(sum.StartedAt) || sum.FinishedAt.After(time.Now()) {
		t.Errorf("got startedAt %v, finishedAt %v; want the run's times, in order", sum.StartedAt, sum.FinishedAt)
	}
	// A rerun retries the two rows (still not found) and counts them again.
	sum, err, _ = e.run(t, context.Background(), reportInput, nil)
	if err != nil || sum.RetryableRows != 2 || sum.Processed != 2 {
		t.Errorf("rerun: got %v, %d retryable of %d processed; want 2 of 2", err, sum.RetryableRows, sum.Processed)
	}
}

// TestReportJSONEmptyLists: a file without errors has empty lists in JSON,
// not null, and no times when no line has one.
func TestReportJSONEmptyLists(t *testing.T) {
	in := strings.NewReader(headerLine + "1,a@contoso.com,succeeded,added,,,enabled,false,,,k,,\n")
	rep, err := ReadReport(context.Background(), in, "a.results.csv")
	if err != nil {
		t.Fatal(err)
	}
	out := render(t, rep, ReportJSON, 10)
	for _, h := range []string{`"topErrors": []`, `"retryRows": []`, `"adminRows": []`} {
		if !strings.Contains(out, h) {
			t.Errorf("JSON lacks %s:\n%s", h, out)
		}
	}
	if strings.Contains(out, "null") || strings.Contains(out, "FinishedAt") {
		t.Errorf("JSON has a null or a time:\n%s", out)
	}
}

// TestReportUndoLeftForAnAdmin: an undo row left partial by a step that is
// not a failure as such (SMS sign-in the cloud cannot disable) lists that
// step; the file reads as undo's.
func TestReportUndoLeftForAnAdmin(t *testing.T) {
	in := strings.NewReader(headerLine +
		"1,a@contoso.com,partial,removed,,,unavailable-in-cloud,false,smsSignIn: left on,,k1,,\n" +
		"2,b@contoso.com,partial,changed-since,,,,false,mobile: changed since,,k2,,\n")
	rep, err := ReadReport(context.Background(), in, "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != "undo" || len(rep.AdminRows) != 2 {
		t.Fatalf("got kind %q, %d rows for an admin; want undo, 2", rep.Kind, len(rep.AdminRows))
	}
	if s := rep.AdminRows[0].Steps; !slices.Equal(s, []StepOutcome{{"smsSignIn", "unavailable-in-cloud"}}) {
		t.Errorf("row 1: got steps %v; want smsSignIn unavailable-in-cloud", s)
	}
	if s := rep.AdminRows[1].Steps; !slices.Equal(s, []StepOutcome{{"mobile", "changed-since"}}) {
		t.Errorf("row 2: got steps %v; want mobile changed-since", s)
	}
	if !strings.HasPrefix(rep.RetryFailedCommand, "phonereg undo --in INPUT --results RUN_RESULTS --out x.csv") {
		t.Errorf("got %q; want the undo that retries", rep.RetryFailedCommand)
	}
}
