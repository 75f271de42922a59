package pipeline

import (
	"strings"
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

// Phone step outcomes of undo (phonereg undo), in the same cells; a step
// that failed is OutcomeFailed.
const (
	// OutcomeRemoved: the method the run added was deleted.
	OutcomeRemoved Outcome = "removed"
	// OutcomeRestored: the number the run replaced was put back.
	OutcomeRestored Outcome = "restored"
	// OutcomeAlreadyUndone: the user already has the number from before the
	// run, or the method the run added is already gone.
	OutcomeAlreadyUndone Outcome = "already-undone"
	// OutcomeChangedSince: the user's number is no longer the one the run
	// wrote; it is left alone.
	OutcomeChangedSince Outcome = "changed-since"
	// OutcomeNotRemovable: Graph refuses to delete the method (the user's
	// default MFA method, or a mobile an alternateMobile needs) until an
	// admin acts.
	OutcomeNotRemovable Outcome = "not-removable"
	OutcomeWouldRemove  Outcome = "would-remove"
	OutcomeWouldRestore Outcome = "would-restore"
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
	// SmsUnavailableInCloud: the step was wanted but the cloud does not
	// offer it (enableSmsSignIn is not available in China, 21Vianet); the
	// row succeeds without it. In undo's smsSignIn cell: disableSmsSignIn is
	// not available there either, and SMS sign-in was left on.
	SmsUnavailableInCloud SmsOutcome = "unavailable-in-cloud"
)

// SMS sign-in outcomes of undo; a disable that failed is SmsFailed.
const (
	// SmsDisabled: SMS sign-in, which the run enabled, was disabled.
	SmsDisabled SmsOutcome = "sms-disabled"
	// SmsAlreadyUndone: the mobile is not enabled for SMS sign-in any more.
	SmsAlreadyUndone SmsOutcome = "already-undone"
	SmsWouldDisable  SmsOutcome = "would-disable"
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
	return Result{Row: row.Num, User: row.givenUser(), Status: StatusInvalid, Error: row.Invalid, Key: row.Key, FinishedAt: at,
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

// parsePrevious reads the previous column: type=number pairs joined by ';'.
// Pairs of unknown types, without '=' or without a number are skipped; the
// first pair of a type counts.
func parsePrevious(s string) Phones[string] {
	var p Phones[string]
	for _, pair := range strings.Split(s, ";") {
		t, n, ok := strings.Cut(pair, "=")
		t, n = strings.TrimSpace(t), strings.TrimSpace(n)
		pt := graphclient.PhoneType(t)
		if !ok || n == "" || pt.MethodID() == "" || p.Get(pt) != "" {
			continue
		}
		p.Set(pt, n)
	}
	return p
}

// addPrevious records a number the row replaces (or would replace), as the
// previous column's type=number pairs joined by ';'.
func (r *Result) addPrevious(t graphclient.PhoneType, number string) {
	if r.Previous != "" {
		r.Previous += ";"
	}
	r.Previous += string(t) + "=" + number
}
