package pipeline

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"time"
)

// Status is a row's status in the result file.
type Status string

// Statuses, SPEC §4.
const (
	StatusSucceeded Status = "succeeded"
	StatusPartial   Status = "partial"
	StatusFailed    Status = "failed"
	StatusInvalid   Status = "invalid"
	StatusPlanned   Status = "planned"
)

// ok reports whether a row with this status needs nothing more: succeeded,
// or planned by a dry run. Every other status counts as a failure (exit 1).
func (s Status) ok() bool { return s == StatusSucceeded || s == StatusPlanned }

// Phone step outcomes.
const (
	OutcomeAdded       = "added"
	OutcomeExists      = "exists"
	OutcomeUpdated     = "updated"
	OutcomeKept        = "kept"
	OutcomeConflict    = "conflict"
	OutcomeFailed      = "failed"
	OutcomeWouldAdd    = "would-add"
	OutcomeWouldUpdate = "would-update"
)

// SMS sign-in outcomes.
const (
	SmsEnabled            = "enabled"
	SmsAlreadyEnabled     = "already-enabled"
	SmsNotAllowedByPolicy = "not-allowed-by-policy"
	SmsNumberNotUnique    = "number-not-unique"
	SmsFailed             = "failed"
	SmsWouldEnable        = "would-enable"
	SmsDisabledByFlag     = "disabled-by-flag"
)

// Result is one line of the result file.
type Result struct {
	Row       int
	User      string
	Status    Status
	Phones    [3]string // outcome per phone type, indexed like graphclient.PhoneTypes
	SmsSignIn string
	Retryable bool
	Error     string
	RequestID string
	Key       string
	Previous  string
	// FinishedAt is when the row finished.
	FinishedAt time.Time
}

// Terminal reports whether a resumed run skips the row: succeeded or invalid,
// or failed/partial where an admin must act first.
func (r Result) Terminal() bool {
	switch r.Status {
	case StatusSucceeded, StatusInvalid:
		return true
	case StatusFailed, StatusPartial:
		return !r.Retryable
	}
	return false
}

// record is a result line as gocsv reads it (phonereg report); the tags are
// the result file's columns, in order (SPEC §4).
type record struct {
	Row             string `csv:"row"`
	User            string `csv:"user"`
	Status          string `csv:"status"`
	Mobile          string `csv:"mobile"`
	AlternateMobile string `csv:"alternateMobile"`
	Office          string `csv:"office"`
	SmsSignIn       string `csv:"smsSignIn"`
	Retryable       string `csv:"retryable"`
	Error           string `csv:"error"`
	RequestID       string `csv:"requestId"`
	Key             string `csv:"key"`
	Previous        string `csv:"previous"`
	FinishedAt      string `csv:"finishedAt"`
}

// Columns are the result file's columns, in order.
var Columns = []string{"row", "user", "status", "mobile", "alternateMobile", "office", "smsSignIn", "retryable", "error", "requestId", "key", "previous", "finishedAt"}

// Column indexes, for readers of the file.
const (
	colRow = iota
	colUser
	colStatus
	colMobile
	colAlternateMobile
	colOffice
	colSmsSignIn
	colRetryable
	colError
	colRequestID
	colKey
	colPrevious
	colFinishedAt
	numColumns
)

// headerLine is the result file's first line.
var headerLine = strings.Join(Columns, ",") + "\n"

// resultEncoder writes result lines. Every line is one physical line
// (newlines in cells become spaces), so that the file can be indexed by line
// offsets, and cells a spreadsheet would run as a formula are guarded with a
// leading '. Not safe for concurrent use.
type resultEncoder struct {
	w      *csv.Writer
	fields [numColumns]string
}

func newResultEncoder(buf *bytes.Buffer) *resultEncoder {
	return &resultEncoder{w: csv.NewWriter(buf)}
}

// encode appends r's line to the encoder's buffer.
func (e *resultEncoder) encode(r Result) error {
	f := &e.fields
	f[colRow] = strconv.Itoa(r.Row)
	f[colUser] = cell(r.User)
	f[colStatus] = string(r.Status)
	f[colMobile], f[colAlternateMobile], f[colOffice] = r.Phones[0], r.Phones[1], r.Phones[2]
	f[colSmsSignIn] = r.SmsSignIn
	f[colRetryable] = strconv.FormatBool(r.Retryable)
	f[colError] = cell(r.Error)
	f[colRequestID] = cell(r.RequestID)
	f[colKey] = cell(r.Key)
	f[colPrevious] = cell(r.Previous)
	f[colFinishedAt] = ""
	if !r.FinishedAt.IsZero() {
		f[colFinishedAt] = r.FinishedAt.UTC().Format(time.RFC3339)
	}
	if err := e.w.Write(f[:]); err != nil {
		return err
	}
	e.w.Flush()
	return e.w.Error()
}

// cell makes s safe for one physical CSV line and for spreadsheets.
func cell(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	}
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	return s
}

// uncell undoes cell's formula guard.
func uncell(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

// decodeResult reads a result line's fields.
func decodeResult(f []string) (Result, bool) {
	if len(f) < len(Columns) {
		return Result{}, false
	}
	n, err := strconv.Atoi(f[colRow])
	if err != nil || n <= 0 {
		return Result{}, false
	}
	r := Result{
		Row: n, User: uncell(f[colUser]), Status: Status(f[colStatus]),
		Phones:    [3]string{f[colMobile], f[colAlternateMobile], f[colOffice]},
		SmsSignIn: f[colSmsSignIn], Retryable: f[colRetryable] == "true", Error: uncell(f[colError]),
		RequestID: uncell(f[colRequestID]), Key: uncell(f[colKey]), Previous: uncell(f[colPrevious]),
	}
	if t, err := time.Parse(time.RFC3339, f[colFinishedAt]); err == nil {
		r.FinishedAt = t
	}
	return r, true
}
