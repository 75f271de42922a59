package pipeline

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The report for a terminal (text, the default) and for a ticket or a pull
// request (markdown, GitHub-flavoured tables).

// String renders the report for a terminal, with the lists as r holds them
// (see Limit); control characters in the file's cells are not sent to the
// terminal.
func (r *Report) String() string {
	var b strings.Builder
	if r.File != "" {
		fmt.Fprintf(&b, "file:      %s (%s)\n", r.File, r.describeKind())
	}
	fmt.Fprintf(&b, "rows:      %d\n", r.Rows)
	if !r.FirstFinishedAt.IsZero() {
		fmt.Fprintf(&b, "finished:  %s to %s\n", r.FirstFinishedAt.Format(time.RFC3339), r.LastFinishedAt.Format(time.RFC3339))
	}
	writeTally(&b, "", r.ByStatus, r.Outcomes)
	if r.Retryable > 0 {
		fmt.Fprintf(&b, "retryable: %s a rerun with the same --out retries\n", quantity(r.Retryable, "row", "rows"))
	}
	if r.NeedAdmin > 0 {
		fmt.Fprintf(&b, "admin:     %s failed or partial that a rerun does not retry: an admin acts first\n", quantity(r.NeedAdmin, "row", "rows"))
	}
	if r.Torn > 0 {
		fmt.Fprintf(&b, "torn:      %s that are not whole result lines (ignored)\n", quantity(r.Torn, "line", "lines"))
	}
	r.writeTextErrors(&b)
	if len(r.RetryRows) > 0 {
		b.WriteString("rows to retry:\n")
		writeTextRows(&b, r.RetryRows, r.Retryable)
		fmt.Fprintf(&b, "  retry them: %s\n", r.RetryCommand)
		fmt.Fprintf(&b, "              (%s)\n", r.placeholders())
	}
	if len(r.AdminRows) > 0 {
		b.WriteString("rows that need an admin:\n")
		writeTextRows(&b, r.AdminRows, r.NeedAdmin)
		fmt.Fprintf(&b, "  after the fix: %s\n", r.RetryFailedCommand)
		fmt.Fprintf(&b, "  for the helpdesk: phonereg report %s --format csv --out FILE\n", shellQuote(r.File))
	}
	return termSafe(b.String())
}

// termSafe is s with control characters but newlines (a terminal's escape
// sequences among them, from a user cell of a hostile input) shown as
// U+FFFD. No cell holds a newline: the result file's are one physical line.
func termSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f) {
			return utf8.RuneError
		}
		return r
	}, s)
}

// writeTextErrors writes the top errors, each with its answer and example.
func (r *Report) writeTextErrors(b *strings.Builder) {
	if len(r.TopErrors) == 0 {
		return
	}
	fmt.Fprintf(b, "top errors: %s\n", countOf(len(r.TopErrors), r.ErrorKinds, "kind"))
	for _, e := range r.TopErrors {
		fmt.Fprintf(b, "  %5d  %s\n", e.Rows, e.Error)
		var parts []string
		if a := e.Answer(); a != "" {
			parts = append(parts, "Graph "+a)
		}
		first := fmt.Sprintf("first: row %d", e.FirstRow)
		if e.FirstUser != "" {
			first += " (" + e.FirstUser + ")"
		}
		parts = append(parts, first)
		if e.RequestID != "" {
			parts = append(parts, "request-id "+e.RequestID)
		}
		fmt.Fprintf(b, "         %s\n", strings.Join(parts, "; "))
	}
}

// writeTextRows writes rows, one line each, and how many more there are of
// total.
func writeTextRows(b *strings.Builder, rows []ReportRow, total int) {
	for _, row := range rows {
		fmt.Fprintf(b, "  row %-5d %s  %s  %s", row.Row, row.User, row.Status, stepsText(row.Steps))
		if row.Error != "" {
			fmt.Fprintf(b, "  %s", row.Error)
		}
		if row.RequestID != "" {
			fmt.Fprintf(b, " [request-id %s]", row.RequestID)
		}
		b.WriteByte('\n')
	}
	if more := total - len(rows); more > 0 {
		fmt.Fprintf(b, "  … and %d more (--top 0 lists all)\n", more)
	}
}

// countOf says how many of total things a list shows: "1 kind", "3
// kinds", "the 10 most frequent of 14 kinds".
func countOf(shown, total int, thing string) string {
	things := thing + "s"
	if total == 1 {
		things = thing
	}
	if shown == total {
		return fmt.Sprintf("%d %s", total, things)
	}
	return fmt.Sprintf("the %d most frequent of %d %s", shown, total, things)
}

// stepsText lists a row's problem steps as "mobile conflict, smsSignIn
// failed", or "-".
func stepsText(s []StepOutcome) string {
	if len(s) == 0 {
		return "-"
	}
	parts := make([]string, len(s))
	for i, so := range s {
		parts[i] = so.Step + " " + so.Outcome
	}
	return strings.Join(parts, ", ")
}

// describeKind says what the file is: run's result file, undo's, a plan.
func (r *Report) describeKind() string {
	switch {
	case r.Kind == "undo" && r.DryRun:
		return "a plan of undo --dry-run"
	case r.Kind == "undo":
		return "undo's result file"
	case r.DryRun:
		return "a plan of run --dry-run"
	}
	return "run's result file"
}

// placeholders says what the retry commands' placeholders stand for.
func (r *Report) placeholders() string {
	if r.Kind == "undo" {
		return "INPUT and RUN_RESULTS: the undo's --in and --results, with its other flags"
	}
	return "INPUT: the run's --in, with its other flags: --map, --default-region, --on-existing, …"
}

// markdown renders the report as GitHub-flavoured markdown: a heading, the
// counts as tables, the errors and the rows as tables, the commands in code
// blocks. Every cell is escaped (mdCell).
func (r *Report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# phonereg report: %s\n\n", mdCell(r.File))
	fmt.Fprintf(&b, "%s; %s", mdCell(r.describeKind()), quantity(r.Rows, "row", "rows"))
	if !r.FirstFinishedAt.IsZero() {
		fmt.Fprintf(&b, ", finished %s to %s", r.FirstFinishedAt.Format(time.RFC3339), r.LastFinishedAt.Format(time.RFC3339))
	}
	fmt.Fprintf(&b, "; %d to retry, %d that need an admin", r.Retryable, r.NeedAdmin)
	if r.Torn > 0 {
		fmt.Fprintf(&b, "; %s ignored", quantity(r.Torn, "torn line", "torn lines"))
	}
	b.WriteString(".\n\n## Rows by status\n\n| status | rows |\n|---|---:|\n")
	for _, st := range reportStatuses(r.ByStatus) {
		fmt.Fprintf(&b, "| %s | %d |\n", mdCell(string(st)), r.ByStatus[st])
	}
	b.WriteString("\n## Outcomes per step\n\n| step | outcome | rows |\n|---|---|---:|\n")
	for _, step := range steps {
		for _, o := range slices.Sorted(maps.Keys(r.Outcomes[step])) {
			fmt.Fprintf(&b, "| %s | %s | %d |\n", step, mdCell(o), r.Outcomes[step][o])
		}
	}
	if len(r.TopErrors) > 0 {
		fmt.Fprintf(&b, "\n## Top errors\n\n%s.\n\n| rows | Graph code | error | first row | user | request-id |\n|---:|---|---|---:|---|---|\n",
			countOf(len(r.TopErrors), r.ErrorKinds, "kind"))
		for _, e := range r.TopErrors {
			fmt.Fprintf(&b, "| %d | %s | %s | %d | %s | %s |\n", e.Rows, mdCell(e.Answer()), mdCell(e.Error), e.FirstRow, mdCell(e.FirstUser), mdCell(e.RequestID))
		}
	}
	if len(r.RetryRows) > 0 {
		fmt.Fprintf(&b, "\n## Rows to retry\n\n%s a rerun with the same --out retries (%s):\n\n", quantity(r.Retryable, "row", "rows"), mdCell(r.placeholders()))
		b.WriteString(mdCode(r.RetryCommand))
		writeMarkdownRows(&b, r.RetryRows, r.Retryable)
	}
	if len(r.AdminRows) > 0 {
		fmt.Fprintf(&b, "\n## Rows that need an admin\n\n%s failed or partial that a rerun does not retry; after the fix:\n\n", quantity(r.NeedAdmin, "row", "rows"))
		b.WriteString(mdCode(r.RetryFailedCommand))
		writeMarkdownRows(&b, r.AdminRows, r.NeedAdmin)
	}
	return b.String()
}

// writeMarkdownRows writes rows as a table, and how many more there are of
// total.
func writeMarkdownRows(b *strings.Builder, rows []ReportRow, total int) {
	b.WriteString("\n| row | user | status | steps | error | request-id |\n|---:|---|---|---|---|---|\n")
	for _, row := range rows {
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s |\n", row.Row, mdCell(row.User), mdCell(string(row.Status)), mdCell(stepsText(row.Steps)), mdCell(row.Error), mdCell(row.RequestID))
	}
	if more := total - len(rows); more > 0 {
		fmt.Fprintf(b, "\n… and %d more (--top 0 lists all).\n", more)
	}
}

// mdEscaper escapes text for a markdown table cell: markdown's own
// punctuation with a backslash (a masked number's asterisks are not
// emphasis, a | does not end the cell), HTML's as entities (a user named
// <script> stays text in every renderer), line breaks as spaces.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`, "#", `\#`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "\r\n", " ", "\n", " ", "\r", " ",
)

// mdCell is s escaped for markdown text.
func mdCell(s string) string { return mdEscaper.Replace(s) }

// mdCode is s as a fenced code block, its fence longer than any run of
// backticks in s.
func mdCode(s string) string {
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + "sh\n" + strings.ReplaceAll(s, "\n", " ") + "\n" + fence + "\n"
}

// reportStatuses are the statuses in byStatus, in the order of the status
// line: succeeded, planned, partial, failed, invalid, then any other.
func reportStatuses(byStatus map[Status]int) []Status {
	order := []Status{StatusSucceeded, StatusPlanned, StatusPartial, StatusFailed, StatusInvalid}
	var out []Status
	for _, st := range order {
		if byStatus[st] > 0 {
			out = append(out, st)
		}
	}
	for _, st := range slices.Sorted(maps.Keys(byStatus)) {
		if !slices.Contains(order, st) && byStatus[st] > 0 {
			out = append(out, st)
		}
	}
	return out
}
