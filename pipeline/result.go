package pipeline

import (
	"time"

	"github.com/phonereg/phonereg/graphclient"
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

// known reports whether s is one of the statuses above.
func (s Status) known() bool {
	_, ok := statusCodes[s]
	return ok
}

// Outcome is what a phone step did (the mobile, alternateMobile and office
// cells of the result file).
type Outcome string

// Phone step outcomes.
const (
	OutcomeAdded       Outcome = "added"
	OutcomeExists      Outcome = "exists"
	OutcomeUpdated     Outcome = "updated"
	OutcomeKept        Outcome = "kept"
	OutcomeConflict    Outcome = "conflict"
	OutcomeFailed      Outcome = "failed"
	OutcomeWouldAdd    Outcome = "would-add"
	OutcomeWouldUpdate Outcome = "would-update"
)

// SmsOutcome is what the SMS sign-in step did (the smsSignIn cell).
type SmsOutcome string

// SMS sign-in outcomes.
const (
	SmsEnabled            SmsOutcome = "enabled"
	SmsAlreadyEnabled     SmsOutcome = "already-enabled"
	SmsNotAllowedByPolicy SmsOutcome = "not-allowed-by-policy"
	SmsNumberNotUnique    SmsOutcome = "number-not-unique"
	SmsFailed             SmsOutcome = "failed"
	SmsWouldEnable        SmsOutcome = "would-enable"
	SmsDisabledByFlag     SmsOutcome = "disabled-by-flag"
)

// Phones holds one value per phone type: a row's numbers (Phones[string]),
// a result's outcomes (Phones[Outcome]).
type Phones[T ~string] struct {
	Mobile          T
	AlternateMobile T
	Office          T
}

// Get returns the value for phone type t; "" for a type phonereg does not
// know.
func (p *Phones[T]) Get(t graphclient.PhoneType) T {
	if v := p.slot(t); v != nil {
		return *v
	}
	return ""
}

// Set sets the value for phone type t; a type phonereg does not know is
// ignored.
func (p *Phones[T]) Set(t graphclient.PhoneType, v T) {
	if s := p.slot(t); s != nil {
		*s = v
	}
}

func (p *Phones[T]) slot(t graphclient.PhoneType) *T {
	switch t {
	case graphclient.Mobile:
		return &p.Mobile
	case graphclient.AlternateMobile:
		return &p.AlternateMobile
	case graphclient.Office:
		return &p.Office
	}
	return nil
}

// Result is one line of the result file, or of export's snapshot.
type Result struct {
	Row       int
	User      string
	Status    Status
	Phones    Phones[Outcome]
	SmsSignIn SmsOutcome
	Retryable bool
	Error     string
	RequestID string
	Key       string
	Previous  string
	// FinishedAt is when the row finished.
	FinishedAt time.Time
	// snap is what a snapshot line holds besides: export's alone.
	snap snapshotLine
}

// invalidResult is the line of a row that cannot be run: no request is made
// for it.
func invalidResult(row Row, at time.Time) Result {
	return Result{Row: row.Num, User: row.User, Status: StatusInvalid, Error: row.Invalid, Key: row.Key, FinishedAt: at,
		snap: snapshotLine{upn: row.UserPrincipalName, userID: row.UserID}}
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

// addPrevious records a number the row replaces (or would replace), as the
// previous column's type=number pairs joined by ';'.
func (r *Result) addPrevious(t graphclient.PhoneType, number string) {
	if r.Previous != "" {
		r.Previous += ";"
	}
	r.Previous += string(t) + "=" + number
}
