package pipeline

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/phonereg/phonereg/graphclient"
)

// One row of undo. The run's line says what the run did: a phone it added,
// a number it replaced (the previous column), SMS sign-in it enabled. The
// user's methods, read once, say what Graph holds now; a step is reverted
// only where that is still what the run wrote, and every step decides from
// Graph's state, never from having been sent before. So a row redone after a
// kill finds its steps done (already-undone) and sends nothing twice.

// undoOrder is the order phone steps are undone in: a mobile cannot be
// deleted while an alternateMobile exists.
var undoOrder = []graphclient.PhoneType{graphclient.Office, graphclient.AlternateMobile, graphclient.Mobile}

// undoer is undo's rowWorker. Safe for concurrent use: it holds settings and
// the read-only runLines.
type undoer struct {
	g      UndoGraph
	runs   *runLines
	dryRun bool
	// smsUnavailable: the cloud offers no disableSmsSignIn (China).
	smsUnavailable bool
	showPII        bool
	now            func() time.Time
}

// undoStep is what undo reverts for one phone type of a row.
type undoStep struct {
	t      graphclient.PhoneType
	number string // what the run wrote: the row's number, normalized
	// previous is the number to put back; "" when the step deletes the
	// method the run added.
	previous string
}

// undoPlan is what a row's run line asks undo to revert.
type undoPlan struct {
	steps []undoStep // in undoOrder
	// sms: the run enabled SMS sign-in on the row's mobile.
	sms bool
	// lost are types the run updated whose old number the line lacks.
	lost []graphclient.PhoneType
}

// planUndo reads the run's line of row: a type with a previous number is
// restored, whatever its outcome (a run killed mid-update leaves failed);
// a type the run added is removed; anything else has nothing to undo.
func planUndo(row Row, line Result) undoPlan {
	prev := parsePrevious(line.Previous)
	var p undoPlan
	for _, t := range undoOrder {
		n := row.Phones.Get(t)
		if n == "" {
			continue
		}
		switch out := line.Phones.Get(t); {
		case prev.Get(t) != "":
			p.steps = append(p.steps, undoStep{t: t, number: n, previous: prev.Get(t)})
		case out == OutcomeAdded:
			p.steps = append(p.steps, undoStep{t: t, number: n})
		case out == OutcomeUpdated:
			p.lost = append(p.lost, t)
		}
	}
	p.sms = line.SmsSignIn == SmsEnabled && row.Phones.Mobile != ""
	return p
}

// undoAttempt is one row's undo while it runs.
type undoAttempt struct {
	row Row
	res Result
	// methods is what Graph holds, as last read and as this undo changed it
	// since (or, in a dry run, would have); nil when unknown.
	methods []graphclient.PhoneMethod
	notes   []string // the error cell's parts
	// What the row's status is made of: a step failed that a rerun may
	// pass (transient) or that an admin must fix (broken); a step is left
	// for an admin (changed-since, not-removable: held); the user's methods
	// could not be read at all (unread). After a step failed (stopped),
	// what Graph holds is not known: the row's other steps wait for a rerun.
	transient, broken, held, unread, stopped bool
}

// process undoes one valid row and returns its result line. The error is
// non-nil only when the row must not be recorded: the context ended, the
// credential stopped working, or the run's result file cannot be read.
func (u *undoer) process(ctx context.Context, row Row) (Result, error) {
	a := &undoAttempt{row: row, res: Result{Row: row.Num, User: row.givenUser(), Key: row.Key}}
	line, found, err := u.runs.line(row.Key)
	if err != nil {
		return Result{}, &fatalError{err}
	}
	if err := u.undo(ctx, a, line, found); err != nil {
		return Result{}, err
	}
	a.finish(u.dryRun)
	a.res.FinishedAt = u.now()
	return a.res, nil
}

// undo reverts what line records for a's row.
func (u *undoer) undo(ctx context.Context, a *undoAttempt, line Result, found bool) error {
	switch {
	case !found:
		a.note("nothing to undo: the run's result file has no line for this row (the run did not reach it, or the row was changed since)")
		return nil
	case line.Status == StatusPlanned:
		a.note("nothing to undo: the run's line for this row is a dry run's plan, which changed nothing")
		return nil
	}
	plan := planUndo(a.row, line)
	for _, t := range plan.lost {
		a.res.Phones.Set(t, OutcomeFailed)
		a.broken = true
		a.note(string(t) + ": the run's line says it was updated but names no previous number; nothing to restore it to (set it by hand)")
	}
	if len(plan.steps) == 0 && !plan.sms {
		return nil
	}
	if _, err := u.list(ctx, a); err != nil {
		return u.readFailed(ctx, a, err)
	}
	for _, s := range plan.steps {
		if err := u.step(ctx, a, s); err != nil || a.stopped {
			return err
		}
	}
	if plan.sms {
		return u.disableSms(ctx, a)
	}
	return nil
}

// step undoes one phone step, from what Graph holds now.
func (u *undoer) step(ctx context.Context, a *undoAttempt, s undoStep) error {
	cur, has := graphclient.Find(a.methods, s.t)
	wrote := has && sameNumber(cur.PhoneNumber, s.number)
	switch {
	case s.previous != "" && wrote:
		if u.dryRun {
			a.planned(s.t, OutcomeWouldRestore, s.previous)
			return nil
		}
		return u.restore(ctx, a, s, cur)
	case s.previous != "" && has && sameNumber(cur.PhoneNumber, s.previous), s.previous == "" && !has:
		a.res.Phones.Set(s.t, OutcomeAlreadyUndone)
	case s.previous == "" && wrote:
		if u.heldByAlternate(a, s.t) {
			return nil
		}
		if u.dryRun {
			a.planned(s.t, OutcomeWouldRemove, "")
			return nil
		}
		return u.remove(ctx, a, s, cur)
	default:
		u.changedSince(a, s, cur, has)
	}
	return nil
}

// heldByAlternate records a mobile that cannot be removed because the user
// keeps an alternateMobile (one the run did not add, or one changed since),
// which needs a mobile: Graph would refuse the delete.
func (u *undoer) heldByAlternate(a *undoAttempt, t graphclient.PhoneType) bool {
	if t != graphclient.Mobile {
		return false
	}
	alt, ok := graphclient.Find(a.methods, graphclient.AlternateMobile)
	if !ok {
		return false
	}
	a.held = true
	a.res.Phones.Set(t, OutcomeNotRemovable)
	a.note("mobile: cannot be removed while the user has an alternateMobile (" + u.mask(alt.PhoneNumber) + "), which needs a mobile: remove the alternateMobile, then run undo again with --retry-failed")
	return true
}

// remove deletes the method the run added. A refusal is decided by what
// Graph holds after it: gone is removed (an earlier try was applied), still
// the run's number after a plain refusal is not-removable.
func (u *undoer) remove(ctx context.Context, a *undoAttempt, s undoStep, cur graphclient.PhoneMethod) error {
	for round := 1; ; round++ {
		derr := u.g.DeletePhoneMethod(ctx, a.row.User, methodID(cur, s.t))
		if derr == nil {
			a.res.Phones.Set(s.t, OutcomeRemoved)
			a.change(s.t, "")
			return nil
		}
		now, has, ok, err := u.readBack(ctx, a, s.t, derr, func(retryable bool) { a.fail(s.t, derr, retryable) })
		if !ok {
			return err
		}
		switch {
		case !has:
			a.res.Phones.Set(s.t, OutcomeRemoved)
			return nil
		case !sameNumber(now.PhoneNumber, s.number):
			u.changedSince(a, s, now, true)
			return nil
		case graphclient.IsRefusal(derr):
			a.held = true
			a.res.Phones.Set(s.t, OutcomeNotRemovable)
			a.res.RequestID = firstNonEmpty(a.res.RequestID, graphclient.RequestIDOf(derr))
			a.note(string(s.t) + ": Graph refuses to delete it (" + graphclient.Describe(derr) + "); it is most likely the user's default sign-in method, which cannot be deleted: change the user's default sign-in method (Entra admin center: the user's Authentication methods), then run undo again with --retry-failed")
			return nil
		case !graphclient.IsTransient(derr) || round == writeRounds:
			a.fail(s.t, derr, graphclient.IsTransient(derr))
			return nil
		}
	}
}

// restore puts back the number the run replaced.
func (u *undoer) restore(ctx context.Context, a *undoAttempt, s undoStep, cur graphclient.PhoneMethod) error {
	for round := 1; ; round++ {
		uerr := u.g.UpdatePhoneMethod(ctx, a.row.User, methodID(cur, s.t), s.previous)
		if uerr == nil {
			a.res.Phones.Set(s.t, OutcomeRestored)
			a.change(s.t, s.previous)
			return nil
		}
		now, has, ok, err := u.readBack(ctx, a, s.t, uerr, func(retryable bool) { a.fail(s.t, uerr, retryable) })
		if !ok {
			return err
		}
		switch {
		case has && sameNumber(now.PhoneNumber, s.previous):
			a.res.Phones.Set(s.t, OutcomeRestored) // applied, though answered with an error
			return nil
		case !has || !sameNumber(now.PhoneNumber, s.number):
			u.changedSince(a, s, now, has)
			return nil
		case !graphclient.IsTransient(uerr) || round == writeRounds:
			a.fail(s.t, uerr, graphclient.IsTransient(uerr))
			return nil
		}
	}
}

// readBack reads the user's methods after a step's write failed with werr,
// and returns the method of type t Graph now holds. ok is false when the
// state cannot decide: with err, the row must stop unrecorded; else fail
// has recorded the step failed (werr is a missing permission, or the
// methods could not be read), retryable when either failure may pass on a
// rerun.
func (u *undoer) readBack(ctx context.Context, a *undoAttempt, t graphclient.PhoneType, werr error, fail func(retryable bool)) (m graphclient.PhoneMethod, has, ok bool, err error) {
	if err := mustStop(ctx, werr); err != nil {
		return m, false, false, err
	}
	if errors.Is(werr, graphclient.ErrForbidden) {
		fail(false)
		return m, false, false, nil
	}
	a.methods = nil
	ms, lerr := u.list(ctx, a)
	if lerr != nil {
		if err := mustStop(ctx, lerr); err != nil {
			return m, false, false, err
		}
		fail(graphclient.IsTransient(werr) || graphclient.IsTransient(lerr))
		return m, false, false, nil
	}
	m, has = graphclient.Find(ms, t)
	return m, has, true, nil
}

// disableSms disables SMS sign-in, which the run enabled, when the user's
// mobile is still the number the run wrote. When undo removed or restored
// the mobile, or it changed since, the run's SMS sign-in went with the
// number it was on: nothing is sent, and the cell stays empty. Where the
// cloud offers no disableSmsSignIn, the step is left, for an admin, with a
// note: unavailable-in-cloud, and the row is partial.
func (u *undoer) disableSms(ctx context.Context, a *undoAttempt) error {
	m, has := graphclient.Find(a.methods, graphclient.Mobile)
	if !has || !sameNumber(m.PhoneNumber, a.row.Phones.Mobile) {
		return nil
	}
	if !smsMayBeOn(m.SmsSignInState) {
		a.res.SmsSignIn = SmsAlreadyUndone
		return nil
	}
	if u.smsUnavailable {
		a.res.SmsSignIn = SmsUnavailableInCloud
		a.held = true
		a.note("smsSignIn: left as the run set it: disableSmsSignIn is not available in this cloud (China, 21Vianet)")
		return nil
	}
	if u.dryRun {
		a.res.SmsSignIn = SmsWouldDisable
		return nil
	}
	for round := 1; ; round++ {
		derr := u.g.DisableSmsSignIn(ctx, a.row.User)
		if derr == nil {
			a.res.SmsSignIn = SmsDisabled
			return nil
		}
		now, has, ok, err := u.readBack(ctx, a, graphclient.Mobile, derr, func(retryable bool) { a.failSms(derr, retryable) })
		if !ok {
			return err
		}
		switch {
		case !has || !sameNumber(now.PhoneNumber, a.row.Phones.Mobile):
			return nil // the mobile changed meanwhile: its SMS sign-in went with it
		case !smsMayBeOn(now.SmsSignInState):
			a.res.SmsSignIn = SmsDisabled // applied, though answered with an error
			return nil
		case !graphclient.IsTransient(derr) || round == writeRounds:
			a.failSms(derr, graphclient.IsTransient(derr))
			return nil
		}
	}
}

// smsMayBeOn reports whether a mobile in state st may be enabled for SMS
// sign-in: ready or notConfigured, or a state phonereg does not know (the
// disable is sent to be sure).
func smsMayBeOn(st graphclient.SmsSignInState) bool {
	switch st {
	case graphclient.SmsNotEnabled, graphclient.SmsNotSupported, graphclient.SmsNotAllowedByPolicy, graphclient.SmsPhoneNumberNotUnique:
		return false
	}
	return true
}

// changedSince records a step left alone: the user's number is no longer
// the one the run wrote. cur is what the user has now (has: a method).
func (u *undoer) changedSince(a *undoAttempt, s undoStep, cur graphclient.PhoneMethod, has bool) {
	a.held = true
	a.res.Phones.Set(s.t, OutcomeChangedSince)
	now := "no " + string(s.t)
	if has {
		now = u.mask(cur.PhoneNumber)
	}
	a.note(string(s.t) + ": changed since the run: the user now has " + now + ", not " + u.mask(s.number) + " as the run wrote; left alone")
}

// fail records a failed phone step; retryable when a rerun may pass without
// anyone acting.
func (a *undoAttempt) fail(t graphclient.PhoneType, err error, retryable bool) {
	a.res.Phones.Set(t, OutcomeFailed)
	a.failure(string(t), err, retryable)
}

// failSms records a failed disable of SMS sign-in.
func (a *undoAttempt) failSms(err error, retryable bool) {
	a.res.SmsSignIn = SmsFailed
	a.failure("smsSignIn", err, retryable)
}

// failure records what made step fail, for the row's status and error cell.
func (a *undoAttempt) failure(step string, err error, retryable bool) {
	a.stopped = true
	if retryable {
		a.transient = true
	} else {
		a.broken = true
	}
	a.res.RequestID = firstNonEmpty(a.res.RequestID, graphclient.RequestIDOf(err))
	// Describe names the permission the step needs on a 403.
	a.note(step + ": " + graphclient.Describe(err))
}

// readFailed records a row whose methods could not be read: nothing was
// changed. A user not found was there when the run ran: deleted or renamed
// since, which a rerun does not mend.
func (u *undoer) readFailed(ctx context.Context, a *undoAttempt, err error) error {
	if err := mustStop(ctx, err); err != nil {
		return err
	}
	a.unread = true
	a.res.RequestID = graphclient.RequestIDOf(err)
	if errors.Is(err, graphclient.ErrNotFound) {
		a.broken = true
		a.note("user not found (" + graphclient.StatusOf(err) + "): deleted or renamed since the run; nothing undone")
		return nil
	}
	a.transient = graphclient.IsTransient(err)
	a.broken = !a.transient
	a.note("reading the user's phone methods: " + graphclient.Describe(err))
	return nil
}

// list reads the user's methods once per state of the row.
func (u *undoer) list(ctx context.Context, a *undoAttempt) ([]graphclient.PhoneMethod, error) {
	return listOnce(ctx, u.g, a.row.User, &a.methods)
}

func (u *undoer) mask(n string) string { return maskPII(n, u.showPII) }

// methodID is the id of the user's method m of type t: Graph's, or the fixed
// one when Graph sent none.
func methodID(m graphclient.PhoneMethod, t graphclient.PhoneType) string {
	if m.ID != "" {
		return m.ID
	}
	return t.MethodID()
}

// planned records a dry run's outcome for type t, and the state it would
// leave (number "": the method removed), so that later steps plan against
// it as the real undo would.
func (a *undoAttempt) planned(t graphclient.PhoneType, out Outcome, number string) {
	a.res.Phones.Set(t, out)
	a.change(t, number)
}

// change records in a.methods that the method of type t now has number, or
// is gone (""); a changed number's SMS sign-in state is not known.
func (a *undoAttempt) change(t graphclient.PhoneType, number string) {
	out := a.methods[:0:0]
	for _, m := range a.methods {
		switch {
		case m.PhoneType != t:
			out = append(out, m)
		case number != "":
			m.PhoneNumber, m.SmsSignInState = number, ""
			out = append(out, m)
		}
	}
	a.methods = out
}

// note adds a part to the row's error cell.
func (a *undoAttempt) note(s string) { a.notes = append(a.notes, s) }

// finish sets the row's status from its steps: failed when a step failed
// (retryable when a rerun may pass); partial when a step is left for an
// admin (in a dry run too: a planned step left alone is not a success);
// planned for the rest of a dry run that could read the user's methods;
// else succeeded.
func (a *undoAttempt) finish(dryRun bool) {
	a.res.Error = strings.Join(a.notes, "; ")
	switch {
	case dryRun && !a.unread && !a.held:
		a.res.Status = StatusPlanned
	case dryRun && !a.unread:
		a.res.Status = StatusPartial
	case a.transient:
		a.res.Status, a.res.Retryable = StatusFailed, true
	case a.broken:
		a.res.Status = StatusFailed
	case a.held:
		a.res.Status = StatusPartial
	default:
		a.res.Status = StatusSucceeded
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
