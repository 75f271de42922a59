package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Report summarizes a result file (phonereg report).
type Report struct {
	Rows     int            `json:"rows"`
	ByStatus map[Status]int `json:"byStatus"`
	Outcomes Outcomes       `json:"outcomes"`
	// Retryable counts failed and partial rows a resumed run would redo.
	Retryable int `json:"retryable"`
	// TopErrors are the most frequent errors, most frequent first.
	TopErrors []ErrorCount `json:"topErrors"`
	// Torn counts lines that are not whole result lines (a crash's torn tail).
	Torn int `json:"torn"`
}

// ErrorCount is an error text (row-specific details such as numbers and ids
// folded) and how many rows have it, with the first such row.
type ErrorCount struct {
	Error    string `json:"error"`
	Rows     int    `json:"rows"`
	FirstRow int    `json:"firstRow"`
}

// ReadReport reads a result file, journal or compacted, and summarizes the
// last line of each row. A line that is not a whole result line (a crash's
// torn tail) is counted in Torn and skipped. It keeps one small entry per row,
// not the file.
func ReadReport(ctx context.Context, r io.Reader, top int) (*Report, error) {
	rr, err := NewResultReader(r)
	if err != nil {
		return nil, err
	}
	type last struct {
		status    Status
		retryable bool
		phones    Phones[Outcome]
		sms       SmsOutcome
		err       string
	}
	rows := map[int]last{}
	rep := &Report{ByStatus: map[Status]int{}, Outcomes: Outcomes{}}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		res, err := rr.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, ErrDamagedLine) {
			rep.Torn++
			continue
		}
		if err != nil {
			return nil, err
		}
		rows[res.Row] = last{res.Status, res.Retryable, res.Phones, res.SmsSignIn, res.Error}
	}
	errs := map[string]*ErrorCount{}
	nums := slices.Sorted(maps.Keys(rows))
	for _, n := range nums {
		l := rows[n]
		rep.Rows++
		rep.ByStatus[l.status]++
		if (l.status == StatusFailed || l.status == StatusPartial) && l.retryable {
			rep.Retryable++
		}
		rep.Outcomes.add(l.phones, l.sms)
		if l.err != "" {
			k := foldError(l.err)
			if e, ok := errs[k]; ok {
				e.Rows++
			} else {
				errs[k] = &ErrorCount{Error: k, Rows: 1, FirstRow: n}
			}
		}
	}
	for _, e := range errs {
		rep.TopErrors = append(rep.TopErrors, *e)
	}
	slices.SortFunc(rep.TopErrors, func(a, b ErrorCount) int {
		if a.Rows != b.Rows {
			return b.Rows - a.Rows
		}
		return a.FirstRow - b.FirstRow
	})
	if top > 0 && len(rep.TopErrors) > top {
		rep.TopErrors = rep.TopErrors[:top]
	}
	return rep, nil
}

var (
	foldUUID   = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	foldNumber = regexp.MustCompile(`\+\d+ [\d*]+(x[\d*]+)?`)
	foldQuoted = regexp.MustCompile(`"[^"]*"|'[^']*'`)
)

// foldError groups errors that differ only in row details: ids, numbers,
// quoted values.
func foldError(s string) string {
	s = foldUUID.ReplaceAllString(s, "…")
	s = foldNumber.ReplaceAllString(s, "+…")
	return foldQuoted.ReplaceAllString(s, `"…"`)
}

// String renders the report for a terminal.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rows:      %d\n", r.Rows)
	writeTally(&b, "", r.ByStatus, r.Outcomes)
	if r.Retryable > 0 {
		fmt.Fprintf(&b, "retryable: %d rows a rerun with the same --out retries\n", r.Retryable)
	}
	if r.Torn > 0 {
		fmt.Fprintf(&b, "torn:      %d line(s) that are not whole result lines (ignored)\n", r.Torn)
	}
	if len(r.TopErrors) > 0 {
		b.WriteString("top errors:\n")
		for _, e := range r.TopErrors {
			fmt.Fprintf(&b, "  %5d  %s (first: row %d)\n", e.Rows, e.Error, e.FirstRow)
		}
	}
	return b.String()
}
