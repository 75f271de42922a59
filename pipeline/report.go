package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/phonereg/phonereg/graphclient"
)

// What `phonereg report` knows of a result file (run's or undo's: they have
// the same columns) is gathered here: ReadReport reads the file once, keeps
// a small entry per row (the last line of a row counts, as for resume), and
// builds a Report; report_errors.go groups its errors. The formats it is
// written in are report_text.go (text, markdown), report_html.go and
// report_csv.go (csv, json).

// Report summarizes a result file (phonereg report). Its JSON form
// (Write with ReportJSON) is documented in the README and kept stable:
// fields may be added, none renamed or removed.
type Report struct {
	// File is the result file's path as given; the retry commands name it.
	File string `json:"file"`
	// Kind is the command that wrote the file, "run" or "undo", read from
	// its outcomes (undo's removed, restored, …) and, when they do not
	// tell, from its name (undo's default ends in .undo.csv).
	Kind string `json:"kind"`
	// DryRun is set for a plan: planned rows or would-… outcomes.
	DryRun   bool           `json:"dryRun"`
	Rows     int            `json:"rows"`
	ByStatus map[Status]int `json:"byStatus"`
	Outcomes Outcomes       `json:"outcomes"`
	// Retryable counts failed and partial rows a rerun with the same --out
	// retries (retryable=true); NeedAdmin those it does not (an admin acts,
	// then a rerun with --retry-failed).
	Retryable int `json:"retryable"`
	NeedAdmin int `json:"needAdmin"`
	// Torn counts lines that are not whole result lines (a crash's torn
	// tail), skipped.
	Torn int `json:"torn"`
	// FirstFinishedAt and LastFinishedAt are the earliest and latest
	// finishedAt of the file's lines; absent when no line has one.
	FirstFinishedAt time.Time `json:"firstFinishedAt,omitzero"`
	LastFinishedAt  time.Time `json:"lastFinishedAt,omitzero"`
	// ErrorKinds counts the distinct errors (after normalizing); TopErrors
	// lists the most frequent, most frequent first.
	ErrorKinds int          `json:"errorKinds"`
	TopErrors  []ErrorCount `json:"topErrors"`
	// RetryRows are the rows Retryable counts, AdminRows those NeedAdmin
	// counts, in row order (both perhaps cut by Limit).
	RetryRows []ReportRow `json:"retryRows"`
	AdminRows []ReportRow `json:"adminRows"`
	// RetryCommand reruns the rows to retry; RetryFailedCommand, after an
	// admin acted, the others too. INPUT (and for undo RUN_RESULTS) stand
	// for the files the job was given, with its other flags.
	RetryCommand       string `json:"retryCommand"`
	RetryFailedCommand string `json:"retryFailedCommand"`
}

// ErrorCount is one kind of error: an error text normalized (numbers, ids
// and quoted values masked as …, so that rows differing only in those group
// together), Graph's answer it quotes, how many rows have it, and the first
// such row as an example.
type ErrorCount struct {
	Error string `json:"error"`
	// HTTPStatus and Code are Graph's answer the error quotes
	// (graphclient.FindAnswer): 0 and "" when it quotes none, Code "" when
	// the answer had no code.
	HTTPStatus int    `json:"httpStatus"`
	Code       string `json:"code"`
	Rows       int    `json:"rows"`
	FirstRow   int    `json:"firstRow"`
	FirstUser  string `json:"firstUser"`
	// Example is the first row's error as written; RequestID its request-id.
	Example   string `json:"example"`
	RequestID string `json:"requestId"`
}

// Answer is Graph's answer the error quotes, as "403
// Authorization_RequestDenied", "404" or "" for none.
func (e ErrorCount) Answer() string {
	switch {
	case e.HTTPStatus == 0:
		return ""
	case e.Code == "":
		return fmt.Sprint(e.HTTPStatus)
	}
	return fmt.Sprintf("%d %s", e.HTTPStatus, e.Code)
}

// ReportRow is a failed or partial row the report lists.
type ReportRow struct {
	Row    int    `json:"row"`
	User   string `json:"user"`
	Status Status `json:"status"`
	// Steps are the steps whose outcome failed the row (conflict, failed,
	// not-allowed-by-policy, changed-since, …), in the file's column order;
	// empty when it failed before any step (the user could not be read).
	Steps     []StepOutcome `json:"steps"`
	Error     string        `json:"error"`
	RequestID string        `json:"requestId"`
}

// StepOutcome is one step's outcome in a row.
type StepOutcome struct {
	Step    string `json:"step"`
	Outcome string `json:"outcome"`
}

// ReadReport reads a result file of run or undo, journal or compacted, and
// summarizes the last line of each row; name is its path as given, for the
// retry commands. A line that is not a whole result line (a crash's torn
// tail) is counted in Torn and skipped. It keeps a small entry per row and
// the error cells of the rows that have one, not the file. An export
// snapshot is refused with an error wrapping ErrNotResultFile that says so.
func ReadReport(ctx context.Context, r io.Reader, name string) (*Report, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(br.Size())
	rr, err := NewResultReader(br)
	if errors.Is(err, ErrNotResultFile) && isSnapshotHeader(head) {
		return nil, fmt.Errorf("%w: it is an export snapshot; report reads the result files of run and undo "+
			"(export prints the snapshot's summary as it ends, and writes it with --summary-json)", ErrNotResultFile)
	}
	if err != nil {
		return nil, err
	}
	b := newReportBuilder()
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		res, err := rr.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, ErrDamagedLine) {
			b.torn++
			continue
		}
		if err != nil {
			return nil, err
		}
		b.add(res)
	}
	return b.report(name), nil
}

// isSnapshotHeader reports whether the start of a file is headed the way
// export heads a snapshot, with either user column or both.
func isSnapshotHeader(head []byte) bool {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i+1]
	}
	for _, c := range []*snapshotCodec{newSnapshotCodec(true, false), newSnapshotCodec(false, true), newSnapshotCodec(true, true)} {
		if c.checkHeader(head) == nil {
			return true
		}
	}
	return false
}

// reportEntry is what the report keeps of a row's last line.
type reportEntry struct {
	status    Status
	retryable bool
	phones    Phones[Outcome]
	sms       SmsOutcome
	// detail indexes reportBuilder.details; -1 when the line had no user
	// cell, error or request-id worth keeping (a row that succeeded).
	detail int32
}

// rowDetail are the cells of a line the report lists rows and errors with.
type rowDetail struct{ user, err, requestID string }

// reportBuilder gathers the rows of one result file.
type reportBuilder struct {
	rows    map[int]reportEntry
	details []rowDetail
	// words interns the status and outcome cells: a million rows share a
	// few dozen strings.
	words       map[string]string
	first, last time.Time
	torn        int
}

// newReportBuilder is an empty reportBuilder.
func newReportBuilder() *reportBuilder {
	return &reportBuilder{rows: map[int]reportEntry{}, words: map[string]string{}}
}

// word is s interned.
func (b *reportBuilder) word(s string) string {
	if w, ok := b.words[s]; ok {
		return w
	}
	if len(b.words) < 1024 { // a damaged file cannot grow it without bound
		b.words[s] = s
	}
	return s
}

// add records a line; a later line of the same row replaces it.
func (b *reportBuilder) add(res Result) {
	e := reportEntry{
		status: Status(b.word(string(res.Status))), retryable: res.Retryable, sms: SmsOutcome(b.word(string(res.SmsSignIn))),
		phones: Phones[Outcome]{
			Mobile: Outcome(b.word(string(res.Phones.Mobile))), AlternateMobile: Outcome(b.word(string(res.Phones.AlternateMobile))),
			Office: Outcome(b.word(string(res.Phones.Office))),
		},
		detail: -1,
	}
	old, seen := b.rows[res.Row]
	if res.Error != "" || res.RequestID != "" || !res.Status.ok() {
		d := rowDetail{user: res.User, err: res.Error, requestID: res.RequestID}
		if seen && old.detail >= 0 {
			e.detail = old.detail
			b.details[e.detail] = d
		} else {
			e.detail = int32(len(b.details))
			b.details = append(b.details, d)
		}
	}
	b.rows[res.Row] = e
	if t := res.FinishedAt; !t.IsZero() {
		if b.first.IsZero() || t.Before(b.first) {
			b.first = t
		}
		if t.After(b.last) {
			b.last = t
		}
	}
}

// report builds the Report of the rows gathered, in row order.
func (b *reportBuilder) report(name string) *Report {
	// Lists are empty, not nil: JSON has [] for them, never null.
	rep := &Report{File: name, ByStatus: map[Status]int{}, Outcomes: Outcomes{}, Torn: b.torn,
		FirstFinishedAt: b.first.UTC(), LastFinishedAt: b.last.UTC(), RetryRows: []ReportRow{}, AdminRows: []ReportRow{}}
	groups := newErrorGroups()
	for _, n := range slices.Sorted(maps.Keys(b.rows)) {
		e := b.rows[n]
		rep.Rows++
		rep.ByStatus[e.status]++
		rep.Outcomes.add(e.phones, e.sms)
		var d rowDetail
		if e.detail >= 0 {
			d = b.details[e.detail]
		}
		if d.err != "" {
			groups.add(n, d)
		}
		if e.status != StatusFailed && e.status != StatusPartial {
			continue
		}
		row := ReportRow{Row: n, User: d.user, Status: e.status, Steps: problemSteps(e), Error: d.err, RequestID: d.requestID}
		if e.retryable {
			rep.RetryRows = append(rep.RetryRows, row)
		} else {
			rep.AdminRows = append(rep.AdminRows, row)
		}
	}
	rep.Retryable, rep.NeedAdmin = len(rep.RetryRows), len(rep.AdminRows)
	rep.TopErrors = groups.sorted()
	rep.ErrorKinds = len(rep.TopErrors)
	rep.Kind, rep.DryRun = fileKind(name, rep)
	rep.RetryCommand, rep.RetryFailedCommand = retryCommands(rep)
	return rep
}

// problemOutcomes are the step outcomes that fail a row or leave it for an
// admin, of run and undo.
var problemOutcomes = outcomeSet([]Outcome{OutcomeConflict, OutcomeFailed, OutcomeChangedSince, OutcomeNotRemovable},
	SmsNotAllowedByPolicy, SmsNumberNotUnique, SmsFailed)

// okOutcomes are the outcomes of a step done as asked.
var okOutcomes = outcomeSet([]Outcome{OutcomeAdded, OutcomeExists, OutcomeUpdated, OutcomeRemoved, OutcomeRestored, OutcomeAlreadyUndone},
	SmsEnabled, SmsAlreadyEnabled, SmsDisabled)

// problemSteps are the steps of the failed or partial row e whose outcome
// is a problem, phones first; when none is (an undo left SMS sign-in on
// where the cloud cannot disable it: unavailable-in-cloud), the steps not
// done as asked.
func problemSteps(e reportEntry) []StepOutcome {
	all := make([]StepOutcome, 0, 4)
	for _, t := range graphclient.PhoneTypes {
		all = append(all, StepOutcome{Step: string(t), Outcome: string(e.phones.Get(t))})
	}
	all = append(all, StepOutcome{Step: "smsSignIn", Outcome: string(e.sms)})
	out := []StepOutcome{}
	for _, so := range all {
		if problemOutcomes[so.Outcome] {
			out = append(out, so)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, so := range all {
		if so.Outcome != "" && !okOutcomes[so.Outcome] {
			out = append(out, so)
		}
	}
	return out
}

// undoOutcomes are the outcomes only undo writes; runOutcomes those only
// run writes. failed is both's.
var (
	undoOutcomes = outcomeSet([]Outcome{OutcomeRemoved, OutcomeRestored, OutcomeAlreadyUndone, OutcomeChangedSince, OutcomeNotRemovable,
		OutcomeWouldRemove, OutcomeWouldRestore}, SmsDisabled, SmsWouldDisable)
	runOutcomes = outcomeSet([]Outcome{OutcomeAdded, OutcomeExists, OutcomeUpdated, OutcomeKept, OutcomeConflict, OutcomeWouldAdd, OutcomeWouldUpdate},
		SmsEnabled, SmsAlreadyEnabled, SmsNotAllowedByPolicy, SmsNumberNotUnique, SmsWouldEnable, SmsDisabledByFlag)
)

// outcomeSet is a set of step outcome cells: phone steps' and SMS
// sign-in's.
func outcomeSet(phones []Outcome, sms ...SmsOutcome) map[string]bool {
	m := map[string]bool{}
	for _, o := range phones {
		m[string(o)] = true
	}
	for _, o := range sms {
		m[string(o)] = true
	}
	return m
}

// fileKind reads which command wrote the file rep summarizes, "run" or
// "undo", from its outcomes, or when they do not tell (failed ones only, or
// none) from its name; and whether it is a plan (a dry run's).
func fileKind(name string, rep *Report) (kind string, dryRun bool) {
	undo, run := false, false
	dryRun = rep.ByStatus[StatusPlanned] > 0
	for _, m := range rep.Outcomes {
		for o := range m {
			undo = undo || undoOutcomes[o]
			run = run || runOutcomes[o]
			dryRun = dryRun || strings.HasPrefix(o, "would-")
		}
	}
	switch {
	case undo:
		return "undo", dryRun
	case !run && strings.HasSuffix(strings.ToLower(name), ".undo.csv"):
		return "undo", dryRun
	}
	return "run", dryRun
}

// retryCommands are the commands that rerun rep's rows: the same job on the
// same result file, which retries the retryable rows, and with
// --retry-failed the rest too.
func retryCommands(rep *Report) (retry, retryFailed string) {
	cmd := "phonereg run --in INPUT --out " + shellQuote(rep.File)
	if rep.Kind == "undo" {
		cmd = "phonereg undo --in INPUT --results RUN_RESULTS --out " + shellQuote(rep.File)
	}
	if rep.DryRun {
		cmd += " --dry-run"
	}
	return cmd, cmd + " --retry-failed"
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe
// characters.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-+=:@,%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Limit returns a copy of r whose lists (TopErrors, RetryRows, AdminRows)
// hold at most n entries each; n 0 keeps them whole. The counts stay those
// of the whole file.
func (r *Report) Limit(n int) *Report {
	c := *r
	if n > 0 {
		c.TopErrors = c.TopErrors[:min(n, len(c.TopErrors))]
		c.RetryRows = c.RetryRows[:min(n, len(c.RetryRows))]
		c.AdminRows = c.AdminRows[:min(n, len(c.AdminRows))]
	}
	return &c
}

// ReportFormat is a format a Report is written in.
type ReportFormat string

// Report formats (phonereg report --format).
const (
	ReportText     ReportFormat = "text"
	ReportJSON     ReportFormat = "json"
	ReportMarkdown ReportFormat = "markdown"
	ReportHTML     ReportFormat = "html"
	ReportCSV      ReportFormat = "csv"
)

// ReportFormats are the formats, the default first.
var ReportFormats = []ReportFormat{ReportText, ReportJSON, ReportMarkdown, ReportHTML, ReportCSV}

// Write writes r to w in format f. top bounds the lists (errors, rows to
// retry, rows that need an admin) of every format but csv, which is the
// helpdesk's worklist: every row that needs an admin; top 0 lists all.
func (r *Report) Write(w io.Writer, f ReportFormat, top int) error {
	switch f {
	case ReportText:
		_, err := io.WriteString(w, r.Limit(top).String())
		return err
	case ReportJSON:
		return r.Limit(top).writeJSON(w)
	case ReportMarkdown:
		_, err := io.WriteString(w, r.Limit(top).markdown())
		return err
	case ReportHTML:
		return r.Limit(top).writeHTML(w)
	case ReportCSV:
		return r.writeCSV(w)
	}
	return fmt.Errorf("unknown report format %q", f)
}
