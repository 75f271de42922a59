package pipeline

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/gocarina/gocsv"
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
// last line of each row. Lines are read with gocsv into the result file's
// record type; a line that is not a whole result line (a crash's torn tail) is
// counted in Torn and skipped. It keeps one small entry per row, not the file.
func ReadReport(ctx context.Context, r io.Reader, top int) (*Report, error) {
	wl := &wholeLines{r: bufio.NewReaderSize(r, 256<<10)}
	cr := csv.NewReader(wl)
	cr.FieldsPerRecord = 0 // every line as many fields as the header
	cr.LazyQuotes = true
	um, err := gocsv.NewUnmarshaller(cr, record{})
	if err != nil || !slices.Equal(um.Headers, Columns) {
		return nil, fmt.Errorf("%w: its first line is not %q", ErrNotResultFile, strings.TrimSuffix(headerLine, "\n"))
	}
	type last struct {
		status    Status
		retryable bool
		phones    [3]string
		sms       string
		err       string
	}
	rows := map[int]last{}
	rep := &Report{ByStatus: map[Status]int{}, Outcomes: Outcomes{}}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		v, err := um.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if wl.err != nil {
				return nil, wl.err
			}
			rep.Torn++
			continue
		}
		rec := v.(record)
		res, ok := decodeResult([]string{rec.Row, rec.User, rec.Status, rec.Mobile, rec.AlternateMobile, rec.Office,
			rec.SmsSignIn, rec.Retryable, rec.Error, rec.RequestID, rec.Key, rec.Previous, rec.FinishedAt})
		if _, known := statusCodes[res.Status]; !ok || !known {
			rep.Torn++
			continue
		}
		rows[res.Row] = last{res.Status, res.Retryable, res.Phones, res.SmsSignIn, res.Error}
	}
	rep.Torn += wl.torn
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

// wholeLines passes on only lines that end in a newline: a last line without
// one is a crash's torn tail, counted and dropped.
type wholeLines struct {
	r    *bufio.Reader
	rest []byte // what is left of the current line
	torn int
	err  error // a read error other than EOF
}

func (w *wholeLines) Read(p []byte) (int, error) {
	for len(w.rest) == 0 {
		line, err := w.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: pass it on in pieces.
			w.rest = line
			break
		}
		if err != nil {
			if len(line) > 0 {
				w.torn++
			}
			if err != io.EOF {
				w.err = err
			}
			return 0, err
		}
		w.rest = line
	}
	n := copy(p, w.rest)
	w.rest = w.rest[n:]
	return n, nil
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
