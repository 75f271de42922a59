package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/phonereg/phonereg/graphclient"
)

// Graph is what the pipeline needs of Microsoft Graph. *graphclient.Client
// implements it; its errors are graphclient's (*graphclient.Error,
// *graphclient.TransportError, *graphclient.AuthError).
type Graph interface {
	ListPhoneMethods(ctx context.Context, user string) ([]graphclient.PhoneMethod, error)
	CreatePhoneMethod(ctx context.Context, user string, t graphclient.PhoneType, number string) (graphclient.PhoneMethod, error)
	UpdatePhoneMethod(ctx context.Context, user, methodID, number string) error
	EnableSmsSignIn(ctx context.Context, user string) error
}

// OnExisting is what to do when the user already has a different number of a
// phone type.
type OnExisting string

// --on-existing values.
const (
	ExistingFail   OnExisting = "fail"
	ExistingSkip   OnExisting = "skip"
	ExistingUpdate OnExisting = "update"
)

// fatalError wraps errors that must stop the whole run (a credential that stops
// working): no further row can succeed.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// processor runs rows against Graph (SPEC §3). Safe for concurrent use: it holds
// only settings.
type processor struct {
	g          Graph
	onExisting OnExisting
	sms        bool
	// smsOff is the SMS outcome of a row with a mobile when sms is off:
	// disabled-by-flag, or unavailable-in-cloud.
	smsOff  SmsOutcome
	dryRun  bool
	showPII bool
	now     func() time.Time
	// intent, when set, makes a result line durable before process goes on
	// (noteIntent); an error means the row must stop unrecorded.
	intent func(ctx context.Context, r Result) error
}

// attempt is the state of one row while it runs.
type attempt struct {
	row     Row
	res     Result
	methods []graphclient.PhoneMethod // the user's methods as last read; nil when unknown
	mobile  *graphclient.PhoneMethod  // the mobile as last seen, when known
}

// process runs one valid row and returns its result. The error is non-nil
// only when the row must not be recorded: the context ended, or the run must
// stop (*fatalError).
func (p *processor) process(ctx context.Context, row Row) (Result, error) {
	a := &attempt{row: row, res: Result{Row: row.Num, User: row.givenUser(), Key: row.Key}}
	var err error
	if p.dryRun {
		err = p.plan(ctx, a)
	} else {
		err = p.apply(ctx, a)
	}
	if err != nil {
		return Result{}, err
	}
	a.res.FinishedAt = p.now()
	return a.res, nil
}

// mustStop returns the error that must end the row unrecorded, if err is one:
// the context ended, or the credential stopped working (*fatalError).
func mustStop(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ae *graphclient.AuthError
	if errors.As(err, &ae) {
		return &fatalError{err}
	}
	return nil
}

func (p *processor) apply(ctx context.Context, a *attempt) error {
	a.res.Status = StatusSucceeded
	for _, t := range graphclient.PhoneTypes {
		n := a.row.Phones.Get(t)
		if n == "" {
			continue
		}
		ok, err := p.addPhone(ctx, a, t, n)
		if err != nil {
			return err
		}
		if !ok {
			a.res.Status = StatusFailed
			return nil
		}
	}
	if a.row.Phones.Mobile == "" {
		return nil
	}
	if !p.sms {
		a.res.SmsSignIn = p.smsOff
		return nil
	}
	if a.res.Phones.Mobile == OutcomeKept {
		// The user keeps another mobile than the row's: SMS sign-in on a number
		// the admin did not ask for is not this row's to enable.
		return nil
	}
	return p.enableSms(ctx, a)
}

// writeRounds bounds how often a step is sent again after its outcome was
// unknown (a dropped connection, retries exhausted on 429/5xx) and reading the
// state back showed it had not been applied. The client retries within a
// round; this covers what it must not retry blindly.
const writeRounds = 3

// addPhone runs one phone step. ok is false when the row fails at this step.
func (p *processor) addPhone(ctx context.Context, a *attempt, t graphclient.PhoneType, n string) (ok bool, err error) {
	for round := 1; ; round++ {
		m, cerr := p.g.CreatePhoneMethod(ctx, a.row.User, t, n)
		if cerr == nil {
			a.res.Phones.Set(t, OutcomeAdded)
			a.methods = nil
			if t == graphclient.Mobile {
				a.mobile = &m
			}
			return true, nil
		}
		if err := mustStop(ctx, cerr); err != nil {
			return false, err
		}
		a.methods = nil
		if errors.Is(cerr, graphclient.ErrNotFound) || errors.Is(cerr, graphclient.ErrForbidden) {
			p.fail(a, t, cerr, errors.Is(cerr, graphclient.ErrNotFound))
			return false, nil
		}
		// Refused, failed or unknown: what Graph now holds decides (SPEC §3).
		ms, ok, err := p.readBack(ctx, a, t, cerr)
		if !ok {
			return false, err
		}
		cur, has := graphclient.Find(ms, t)
		switch {
		case has && sameNumber(cur.PhoneNumber, n):
			a.res.Phones.Set(t, OutcomeExists)
			if graphclient.MayHaveWritten(cerr) {
				a.res.Phones.Set(t, OutcomeAdded)
			}
			if old := a.row.Replaced.Get(t); old != "" && !sameNumber(old, n) {
				// An earlier run of this row replaced old with n.
				a.res.Phones.Set(t, OutcomeUpdated)
				a.res.addPrevious(t, old)
			}
			if t == graphclient.Mobile {
				a.mobile = &cur
			}
			return true, nil
		case has:
			return p.existing(ctx, a, t, n, cur)
		case t == graphclient.AlternateMobile:
			if _, hasMobile := graphclient.Find(ms, graphclient.Mobile); !hasMobile {
				a.res.Phones.Set(t, OutcomeFailed)
				a.res.Retryable = false
				a.res.Error = "alternateMobile: the user has no mobile phone and this row gives none; an alternateMobile needs a mobile (add a mobile column value)"
				a.res.RequestID = graphclient.RequestIDOf(cerr)
				return false, nil
			}
		}
		if !graphclient.IsTransient(cerr) || round == writeRounds {
			p.fail(a, t, cerr, graphclient.IsTransient(cerr))
			return false, nil
		}
		// Not applied: sending it again cannot write twice.
	}
}

// existing handles a user who has another number of type t (--on-existing).
func (p *processor) existing(ctx context.Context, a *attempt, t graphclient.PhoneType, n string, cur graphclient.PhoneMethod) (bool, error) {
	switch p.onExisting {
	case ExistingSkip:
		a.res.Phones.Set(t, OutcomeKept)
		return true, nil
	case ExistingUpdate:
		id := cur.ID
		if id == "" {
			id = t.MethodID()
		}
		if err := p.noteIntent(ctx, a, t, n, cur.PhoneNumber); err != nil {
			return false, err
		}
		for round := 1; ; round++ {
			uerr := p.g.UpdatePhoneMethod(ctx, a.row.User, id, n)
			a.methods = nil
			if uerr == nil {
				if t == graphclient.Mobile {
					a.mobile = nil // its SMS sign-in state after the change is unknown
				}
				break
			}
			if err := mustStop(ctx, uerr); err != nil {
				return false, err
			}
			ms, ok, err := p.readBack(ctx, a, t, uerr)
			if !ok {
				return false, err
			}
			now, has := graphclient.Find(ms, t)
			if has && sameNumber(now.PhoneNumber, n) {
				if t == graphclient.Mobile {
					a.mobile = &now
				}
				break
			}
			if !has || !graphclient.IsTransient(uerr) || round == writeRounds {
				p.fail(a, t, uerr, graphclient.IsTransient(uerr))
				return false, nil
			}
		}
		a.res.Phones.Set(t, OutcomeUpdated)
		a.res.addPrevious(t, cur.PhoneNumber)
		return true, nil
	default:
		a.res.Phones.Set(t, OutcomeConflict)
		a.res.Retryable = false
		a.res.Error = fmt.Sprintf("%s: %s; rerun with --on-existing update to replace it or skip to keep it",
			t, p.otherNumber(cur.PhoneNumber, n))
		return false, nil
	}
}

// noteIntent records, durably and before the update of step t is sent, the
// line the row leaves if the run dies before the update's answer is
// recorded: failed, retryable, with the number it replaces in previous. A
// resumed run that finds n in place carries it on (Row.Replaced), and undo
// can put old back either way.
func (p *processor) noteIntent(ctx context.Context, a *attempt, t graphclient.PhoneType, n, old string) error {
	if p.intent == nil {
		return nil
	}
	in := a.res
	in.Status = StatusFailed
	in.Retryable = true
	in.Phones.Set(t, OutcomeFailed)
	in.addPrevious(t, old)
	in.Error = fmt.Sprintf("%s: the run stopped while replacing %s with %s (the number it replaces is in previous); run again to finish, or undo to put it back",
		t, p.mask(old), p.mask(n))
	in.FinishedAt = p.now()
	return p.intent(ctx, in)
}

// enableSms runs the SMS sign-in step on the row's mobile.
func (p *processor) enableSms(ctx context.Context, a *attempt) error {
	if a.mobile != nil {
		if out, known := smsFromState(a.mobile.SmsSignInState); known {
			if out == SmsEnabled {
				out = SmsAlreadyEnabled
			}
			p.smsOutcome(a, out, nil)
			return nil
		}
	}
	var eerr error
	for round := 1; ; round++ {
		eerr = p.g.EnableSmsSignIn(ctx, a.row.User)
		if eerr == nil {
			a.res.SmsSignIn = SmsEnabled
			return nil
		}
		if err := mustStop(ctx, eerr); err != nil {
			return err
		}
		// Why was it refused? The method's state first, then the error's code
		// (GRAPH.md: Graph does not document how it says why).
		a.methods = nil
		ms, lerr := p.list(ctx, a)
		if lerr != nil {
			if err := mustStop(ctx, lerr); err != nil {
				return err
			}
			break
		}
		if m, ok := graphclient.Find(ms, graphclient.Mobile); ok {
			if out, known := smsFromState(m.SmsSignInState); known {
				p.smsOutcome(a, out, eerr)
				return nil
			}
		}
		if !graphclient.IsTransient(eerr) || round == writeRounds {
			break
		}
	}
	if st, ok := graphclient.SmsRefusal(eerr); ok {
		out, _ := smsFromState(st)
		p.smsOutcome(a, out, eerr)
		return nil
	}
	p.smsOutcome(a, SmsFailed, eerr)
	return nil
}

// smsFromState maps a mobile's smsSignInState to an outcome, when it settles
// the question: ready (or notConfigured: enabled, the user must still act)
// means enabled; notAllowedByPolicy and phoneNumberNotUnique are refusals.
func smsFromState(s graphclient.SmsSignInState) (SmsOutcome, bool) {
	switch s {
	case graphclient.SmsReady, graphclient.SmsNotConfigured:
		return SmsEnabled, true
	case graphclient.SmsNotAllowedByPolicy:
		return SmsNotAllowedByPolicy, true
	case graphclient.SmsPhoneNumberNotUnique:
		return SmsNumberNotUnique, true
	}
	return "", false
}

// smsOutcome records the SMS step's outcome; a refusal makes the row partial.
func (p *processor) smsOutcome(a *attempt, out SmsOutcome, err error) {
	a.res.SmsSignIn = out
	switch out {
	case SmsEnabled, SmsAlreadyEnabled:
		return
	case SmsNotAllowedByPolicy:
		a.res.Error = "smsSignIn: the user is not enabled for SMS sign-in by the authentication methods policy; add the user (or a group) to the SMS sign-in policy, then rerun with --retry-failed"
	case SmsNumberNotUnique:
		a.res.Error = "smsSignIn: the mobile number is already another user's SMS sign-in number (SMS sign-in needs a number unique in the tenant)"
	default:
		a.res.Error = "smsSignIn: " + graphclient.Describe(err)
		a.res.Retryable = graphclient.IsTransient(err)
	}
	if err != nil && out != SmsFailed {
		a.res.Error += " [" + graphclient.StatusOf(err) + "]"
	}
	a.res.RequestID = graphclient.RequestIDOf(err)
	a.res.Status = StatusPartial
}

// plan is --dry-run: one read of the user's methods, and what run would do.
func (p *processor) plan(ctx context.Context, a *attempt) error {
	a.res.Status = StatusPlanned
	ms, err := p.list(ctx, a)
	if err != nil {
		if err := mustStop(ctx, err); err != nil {
			return err
		}
		a.res.Status = StatusFailed
		a.res.Retryable = graphclient.IsTransient(err) || errors.Is(err, graphclient.ErrNotFound)
		a.res.Error = "reading the user's phone methods: " + graphclient.Describe(err)
		a.res.RequestID = graphclient.RequestIDOf(err)
		return nil
	}
	mobileThere := false
	if _, ok := graphclient.Find(ms, graphclient.Mobile); ok {
		mobileThere = true
	}
	for _, t := range graphclient.PhoneTypes {
		n := a.row.Phones.Get(t)
		if n == "" {
			continue
		}
		cur, has := graphclient.Find(ms, t)
		switch {
		case !has && t == graphclient.AlternateMobile && !mobileThere:
			a.res.Phones.Set(t, OutcomeFailed)
			a.res.Error = "alternateMobile: the user has no mobile phone and this row gives none; an alternateMobile needs a mobile"
		case !has:
			a.res.Phones.Set(t, OutcomeWouldAdd)
			if t == graphclient.Mobile {
				mobileThere = true
			}
		case sameNumber(cur.PhoneNumber, n):
			a.res.Phones.Set(t, OutcomeExists)
		case p.onExisting == ExistingSkip:
			a.res.Phones.Set(t, OutcomeKept)
		case p.onExisting == ExistingUpdate:
			a.res.Phones.Set(t, OutcomeWouldUpdate)
			a.res.addPrevious(t, cur.PhoneNumber)
		default:
			a.res.Phones.Set(t, OutcomeConflict)
			a.res.Error = fmt.Sprintf("%s: %s; the run would fail this row (--on-existing update replaces it, skip keeps it)", t, p.otherNumber(cur.PhoneNumber, n))
		}
		if out := a.res.Phones.Get(t); out == OutcomeConflict || out == OutcomeFailed {
			// The run stops the row at this step: so does the plan, and
			// says the row would fail.
			a.res.Status = StatusFailed
			return nil
		}
	}
	switch mo := a.res.Phones.Mobile; {
	case a.row.Phones.Mobile == "" || mo == OutcomeKept:
	case !p.sms:
		a.res.SmsSignIn = p.smsOff
	case mo == OutcomeExists:
		m, _ := graphclient.Find(ms, graphclient.Mobile)
		if out, known := smsFromState(m.SmsSignInState); known {
			if out == SmsEnabled {
				out = SmsAlreadyEnabled
			}
			a.res.SmsSignIn = out
		} else {
			a.res.SmsSignIn = SmsWouldEnable
		}
	default:
		a.res.SmsSignIn = SmsWouldEnable
	}
	return nil
}

// readBack reads the user's methods after step t's write failed with werr,
// to learn what Graph now holds. ok is false when it cannot: the step is then
// failed (retryable when either failure was transient), or, with err, the
// row must stop unrecorded.
func (p *processor) readBack(ctx context.Context, a *attempt, t graphclient.PhoneType, werr error) (ms []graphclient.PhoneMethod, ok bool, err error) {
	ms, lerr := p.list(ctx, a)
	if lerr == nil {
		return ms, true, nil
	}
	if err := mustStop(ctx, lerr); err != nil {
		return nil, false, err
	}
	p.fail(a, t, werr, graphclient.IsTransient(werr) || graphclient.IsTransient(lerr))
	return nil, false, nil
}

// list reads the user's methods once per state of the row.
func (p *processor) list(ctx context.Context, a *attempt) ([]graphclient.PhoneMethod, error) {
	return listOnce(ctx, p.g, a.row.User, &a.methods)
}

// methodLister is the read every row worker makes of Graph.
type methodLister interface {
	ListPhoneMethods(ctx context.Context, user string) ([]graphclient.PhoneMethod, error)
}

// listOnce returns *cache, or reads user's methods into it when it is nil
// (unknown): a row reads them once per state it knows. A user without
// methods is an empty, non-nil list.
func listOnce(ctx context.Context, g methodLister, user string, cache *[]graphclient.PhoneMethod) ([]graphclient.PhoneMethod, error) {
	if *cache != nil {
		return *cache, nil
	}
	ms, err := g.ListPhoneMethods(ctx, user)
	if err != nil {
		return nil, err
	}
	if ms == nil {
		ms = []graphclient.PhoneMethod{}
	}
	*cache = ms
	return ms, nil
}

// fail records a failed phone step.
func (p *processor) fail(a *attempt, t graphclient.PhoneType, err error, retryable bool) {
	a.res.Phones.Set(t, OutcomeFailed)
	a.res.Retryable = retryable
	a.res.RequestID = graphclient.RequestIDOf(err)
	if errors.Is(err, graphclient.ErrNotFound) {
		a.res.Error = string(t) + ": user not found (" + graphclient.StatusOf(err) + "); directory sync may not have created the account yet, a later run retries it"
		return
	}
	a.res.Error = string(t) + ": " + graphclient.Describe(err)
}

// sameNumber compares two numbers in Graph's form, ignoring spaces and case.
func sameNumber(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
	return norm(a) == norm(b)
}

func (p *processor) mask(n string) string { return maskPII(n, p.showPII) }

// otherNumber says that the user has cur where the row gives n, masked so
// that the two still read as different numbers: when their masks are alike
// (the same country code and last four digits), it says so instead of
// printing the same text twice.
func (p *processor) otherNumber(cur, n string) string {
	mc, mn := p.mask(cur), p.mask(n)
	if mc != mn {
		return "the user already has " + mc + ", not " + mn
	}
	return "the user already has a different number, " + mc + ", which ends in the same four digits as the row's (--show-pii shows both)"
}

// maskPII is MaskPhone(n), or n when the user asked to see PII.
func maskPII(n string, show bool) string {
	if show {
		return n
	}
	return MaskPhone(n)
}

// MaskPhone hides all but a number's country code and last four digits:
// "+1 2065550100" → "+1 ******0100". It is graphclient.MaskPhone, which
// masks Graph's messages the same way, so that a number reads alike wherever
// phonereg shows it.
func MaskPhone(n string) string { return graphclient.MaskPhone(n) }
