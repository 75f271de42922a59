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
	DeletePhoneMethod(ctx context.Context, user, methodID string) error
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

// errFatal wraps errors that must stop the whole run (a credential that stops
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
	dryRun     bool
	showPII    bool
	now        func() time.Time
}

// rowRun is the state of one row while it runs.
type rowRun struct {
	row     Row
	res     Result
	methods []graphclient.PhoneMethod // the user's methods as last read; nil when unknown
	mobile  *graphclient.PhoneMethod  // the mobile as last seen, when known
}

// run processes one valid row and returns its result. The error is non-nil
// only when the row must not be recorded: the context ended, or the run must
// stop (*fatalError).
func (p *processor) run(ctx context.Context, row Row) (Result, error) {
	rr := &rowRun{row: row, res: Result{Row: row.Num, User: row.User, Key: row.Key}}
	var err error
	if p.dryRun {
		err = p.plan(ctx, rr)
	} else {
		err = p.apply(ctx, rr)
	}
	if err != nil {
		return Result{}, err
	}
	rr.res.FinishedAt = p.now()
	return rr.res, nil
}

// stop reports whether err must end the row unrecorded.
func stop(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ae *graphclient.AuthError
	if errors.As(err, &ae) {
		return &fatalError{err}
	}
	return nil
}

func (p *processor) apply(ctx context.Context, rr *rowRun) error {
	rr.res.Status = StatusSucceeded
	for i, t := range graphclient.PhoneTypes {
		n := rr.row.Phones[i]
		if n == "" {
			continue
		}
		ok, err := p.addPhone(ctx, rr, i, t, n)
		if err != nil {
			return err
		}
		if !ok {
			rr.res.Status = StatusFailed
			return nil
		}
	}
	if rr.row.Phones[0] == "" {
		return nil
	}
	if !p.sms {
		rr.res.SmsSignIn = SmsDisabledByFlag
		return nil
	}
	if rr.res.Phones[0] == OutcomeKept {
		// The user keeps another mobile than the row's: SMS sign-in on a number
		// the admin did not ask for is not this row's to enable.
		return nil
	}
	return p.enableSms(ctx, rr)
}

// writeRounds bounds how often a step is sent again after its outcome was
// unknown (a dropped connection, retries exhausted on 429/5xx) and reading the
// state back showed it had not been applied. The client retries within a
// round; this covers what it must not retry blindly.
const writeRounds = 3

// addPhone runs one phone step. ok is false when the row fails at this step.
func (p *processor) addPhone(ctx context.Context, rr *rowRun, i int, t graphclient.PhoneType, n string) (ok bool, err error) {
	for round := 1; ; round++ {
		m, cerr := p.g.CreatePhoneMethod(ctx, rr.row.User, t, n)
		if cerr == nil {
			rr.res.Phones[i] = OutcomeAdded
			rr.methods = nil
			if t == graphclient.Mobile {
				rr.mobile = &m
			}
			return true, nil
		}
		if err := stop(ctx, cerr); err != nil {
			return false, err
		}
		rr.methods = nil
		if errors.Is(cerr, graphclient.ErrNotFound) || errors.Is(cerr, graphclient.ErrForbidden) {
			p.fail(rr, i, string(t), cerr, errors.Is(cerr, graphclient.ErrNotFound))
			return false, nil
		}
		// Refused, failed or unknown: what Graph now holds decides (SPEC §3).
		ms, lerr := p.list(ctx, rr)
		if lerr != nil {
			if err := stop(ctx, lerr); err != nil {
				return false, err
			}
			p.fail(rr, i, string(t), cerr, graphclient.IsTransient(cerr) || graphclient.IsTransient(lerr))
			return false, nil
		}
		cur, has := graphclient.Find(ms, t)
		switch {
		case has && sameNumber(cur.PhoneNumber, n):
			rr.res.Phones[i] = OutcomeExists
			if ourWrite(cerr) {
				rr.res.Phones[i] = OutcomeAdded
			}
			if t == graphclient.Mobile {
				rr.mobile = &cur
			}
			return true, nil
		case has:
			return p.existing(ctx, rr, i, t, n, cur)
		case t == graphclient.AlternateMobile:
			if _, hasMobile := graphclient.Find(ms, graphclient.Mobile); !hasMobile {
				rr.res.Phones[i] = OutcomeFailed
				rr.res.Retryable = false
				rr.res.Error = "alternateMobile: the user has no mobile phone and this row gives none; an alternateMobile needs a mobile (add a mobile column value)"
				rr.res.RequestID = requestID(cerr)
				return false, nil
			}
		}
		if !graphclient.IsTransient(cerr) || round == writeRounds {
			p.fail(rr, i, string(t), cerr, graphclient.IsTransient(cerr))
			return false, nil
		}
		// Not applied: sending it again cannot write twice.
	}
}

// ourWrite reports whether a refused or failed create may have been this
// row's own write: its outcome was unknown (transport failure, server error),
// or it is the documented 409 phoneNumberNotUnique that creates the method
// anyway. A plain refusal means the number was there before.
func ourWrite(err error) bool {
	if errors.Is(err, graphclient.ErrAmbiguous) || graphclient.IsTransient(err) {
		return true
	}
	var ge *graphclient.Error
	return errors.As(err, &ge) && ge.StatusCode == 409 && ge.Code == string(graphclient.SmsPhoneNumberNotUnique)
}

// existing handles a user who has another number of type t (--on-existing).
func (p *processor) existing(ctx context.Context, rr *rowRun, i int, t graphclient.PhoneType, n string, cur graphclient.PhoneMethod) (bool, error) {
	switch p.onExisting {
	case ExistingSkip:
		rr.res.Phones[i] = OutcomeKept
		return true, nil
	case ExistingUpdate:
		id := cur.ID
		if id == "" {
			id = t.MethodID()
		}
		for round := 1; ; round++ {
			uerr := p.g.UpdatePhoneMethod(ctx, rr.row.User, id, n)
			rr.methods = nil
			if uerr == nil {
				if t == graphclient.Mobile {
					rr.mobile = nil // its SMS sign-in state after the change is unknown
				}
				break
			}
			if err := stop(ctx, uerr); err != nil {
				return false, err
			}
			ms, lerr := p.list(ctx, rr)
			if lerr != nil {
				if err := stop(ctx, lerr); err != nil {
					return false, err
				}
				p.fail(rr, i, string(t), uerr, graphclient.IsTransient(uerr) || graphclient.IsTransient(lerr))
				return false, nil
			}
			now, has := graphclient.Find(ms, t)
			if has && sameNumber(now.PhoneNumber, n) {
				if t == graphclient.Mobile {
					rr.mobile = &now
				}
				break
			}
			if !has || !graphclient.IsTransient(uerr) || round == writeRounds {
				p.fail(rr, i, string(t), uerr, graphclient.IsTransient(uerr))
				return false, nil
			}
		}
		rr.res.Phones[i] = OutcomeUpdated
		rr.res.addPrevious(t, cur.PhoneNumber)
		return true, nil
	default:
		rr.res.Phones[i] = OutcomeConflict
		rr.res.Retryable = false
		rr.res.Error = fmt.Sprintf("%s: the user already has %s, not %s; rerun with --on-existing update to replace it or skip to keep it",
			t, p.mask(cur.PhoneNumber), p.mask(n))
		return false, nil
	}
}

// enableSms runs the SMS sign-in step on the row's mobile.
func (p *processor) enableSms(ctx context.Context, rr *rowRun) error {
	if rr.mobile != nil {
		if out, known := smsFromState(rr.mobile.SmsSignInState); known {
			if out == SmsEnabled {
				out = SmsAlreadyEnabled
			}
			p.smsOutcome(rr, out, nil)
			return nil
		}
	}
	var eerr error
	for round := 1; ; round++ {
		eerr = p.g.EnableSmsSignIn(ctx, rr.row.User)
		if eerr == nil {
			rr.res.SmsSignIn = SmsEnabled
			return nil
		}
		if err := stop(ctx, eerr); err != nil {
			return err
		}
		// Why was it refused? The method's state first, then the error's code
		// (GRAPH.md: Graph does not document how it says why).
		rr.methods = nil
		ms, lerr := p.list(ctx, rr)
		if lerr != nil {
			if err := stop(ctx, lerr); err != nil {
				return err
			}
			break
		}
		if m, ok := graphclient.Find(ms, graphclient.Mobile); ok {
			if out, known := smsFromState(m.SmsSignInState); known {
				p.smsOutcome(rr, out, eerr)
				return nil
			}
		}
		if !graphclient.IsTransient(eerr) || round == writeRounds {
			break
		}
	}
	var ge *graphclient.Error
	if errors.As(eerr, &ge) {
		switch ge.Code {
		case string(graphclient.SmsPhoneNumberNotUnique):
			p.smsOutcome(rr, SmsNumberNotUnique, eerr)
			return nil
		case string(graphclient.SmsNotAllowedByPolicy):
			p.smsOutcome(rr, SmsNotAllowedByPolicy, eerr)
			return nil
		}
	}
	p.smsOutcome(rr, SmsFailed, eerr)
	return nil
}

// smsFromState maps a mobile's smsSignInState to an outcome, when it settles
// the question: ready (or notConfigured: enabled, the user must still act)
// means enabled; notAllowedByPolicy and phoneNumberNotUnique are refusals.
func smsFromState(s graphclient.SmsSignInState) (string, bool) {
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
func (p *processor) smsOutcome(rr *rowRun, out string, err error) {
	rr.res.SmsSignIn = out
	switch out {
	case SmsEnabled, SmsAlreadyEnabled:
		return
	case SmsNotAllowedByPolicy:
		rr.res.Error = "smsSignIn: the user is not enabled for SMS sign-in by the authentication methods policy; add the user (or a group) to the SMS sign-in policy, then rerun with --retry-failed"
	case SmsNumberNotUnique:
		rr.res.Error = "smsSignIn: the mobile number is already another user's SMS sign-in number (SMS sign-in needs a number unique in the tenant)"
	default:
		rr.res.Error = "smsSignIn: " + describe(err)
		rr.res.Retryable = graphclient.IsTransient(err)
	}
	if err != nil && out != SmsFailed {
		rr.res.Error += " [" + codeOf(err) + "]"
	}
	rr.res.RequestID = requestID(err)
	rr.res.Status = StatusPartial
}

// plan is --dry-run: one read of the user's methods, and what run would do.
func (p *processor) plan(ctx context.Context, rr *rowRun) error {
	rr.res.Status = StatusPlanned
	ms, err := p.list(ctx, rr)
	if err != nil {
		if err := stop(ctx, err); err != nil {
			return err
		}
		rr.res.Status = StatusFailed
		rr.res.Retryable = graphclient.IsTransient(err) || errors.Is(err, graphclient.ErrNotFound)
		rr.res.Error = "reading the user's phone methods: " + describe(err)
		rr.res.RequestID = requestID(err)
		return nil
	}
	mobileThere := false
	if _, ok := graphclient.Find(ms, graphclient.Mobile); ok {
		mobileThere = true
	}
	for i, t := range graphclient.PhoneTypes {
		n := rr.row.Phones[i]
		if n == "" {
			continue
		}
		cur, has := graphclient.Find(ms, t)
		switch {
		case !has && t == graphclient.AlternateMobile && !mobileThere:
			rr.res.Phones[i] = OutcomeFailed
			rr.res.Error = "alternateMobile: the user has no mobile phone and this row gives none; an alternateMobile needs a mobile"
		case !has:
			rr.res.Phones[i] = OutcomeWouldAdd
			if t == graphclient.Mobile {
				mobileThere = true
			}
		case sameNumber(cur.PhoneNumber, n):
			rr.res.Phones[i] = OutcomeExists
		case p.onExisting == ExistingSkip:
			rr.res.Phones[i] = OutcomeKept
		case p.onExisting == ExistingUpdate:
			rr.res.Phones[i] = OutcomeWouldUpdate
			rr.res.addPrevious(t, cur.PhoneNumber)
		default:
			rr.res.Phones[i] = OutcomeConflict
			rr.res.Error = fmt.Sprintf("%s: the user already has %s, not %s", t, p.mask(cur.PhoneNumber), p.mask(n))
		}
	}
	switch mo := rr.res.Phones[0]; {
	case rr.row.Phones[0] == "" || mo == OutcomeConflict || mo == OutcomeKept:
	case !p.sms:
		rr.res.SmsSignIn = SmsDisabledByFlag
	case mo == OutcomeExists:
		m, _ := graphclient.Find(ms, graphclient.Mobile)
		if out, known := smsFromState(m.SmsSignInState); known {
			if out == SmsEnabled {
				out = SmsAlreadyEnabled
			}
			rr.res.SmsSignIn = out
		} else {
			rr.res.SmsSignIn = SmsWouldEnable
		}
	default:
		rr.res.SmsSignIn = SmsWouldEnable
	}
	return nil
}

// list reads the user's methods once per state of the row.
func (p *processor) list(ctx context.Context, rr *rowRun) ([]graphclient.PhoneMethod, error) {
	if rr.methods != nil {
		return rr.methods, nil
	}
	ms, err := p.g.ListPhoneMethods(ctx, rr.row.User)
	if err != nil {
		return nil, err
	}
	if ms == nil {
		ms = []graphclient.PhoneMethod{}
	}
	rr.methods = ms
	return ms, nil
}

// fail records a failed phone step.
func (p *processor) fail(rr *rowRun, i int, step string, err error, retryable bool) {
	rr.res.Phones[i] = OutcomeFailed
	rr.res.Retryable = retryable
	rr.res.RequestID = requestID(err)
	if errors.Is(err, graphclient.ErrNotFound) {
		rr.res.Error = step + ": user not found (" + codeOf(err) + "); directory sync may not have created the account yet, a later run retries it"
		return
	}
	rr.res.Error = step + ": " + describe(err)
}

// describe is err for the result file: Graph's status, code and message, or
// the transport failure.
func describe(err error) string {
	if err == nil {
		return "failed"
	}
	var ge *graphclient.Error
	if errors.As(err, &ge) {
		s := fmt.Sprintf("%d", ge.StatusCode)
		if ge.Code != "" {
			s += " " + ge.Code
		}
		if ge.Message != "" {
			s += ": " + ge.Message
		}
		return s
	}
	var te *graphclient.TransportError
	if errors.As(err, &te) {
		s := "no answer from Graph: " + te.Err.Error()
		if te.ClientRequestID != "" {
			s += " (client-request-id " + te.ClientRequestID + ")"
		}
		return s
	}
	return err.Error()
}

func codeOf(err error) string {
	var ge *graphclient.Error
	if errors.As(err, &ge) {
		if ge.Code != "" {
			return fmt.Sprintf("%d %s", ge.StatusCode, ge.Code)
		}
		return fmt.Sprint(ge.StatusCode)
	}
	return "no answer"
}

func requestID(err error) string {
	var ge *graphclient.Error
	if errors.As(err, &ge) {
		return ge.RequestID
	}
	return ""
}

// addPrevious records a number the row replaces (or would replace), as the
// previous column's type=number pairs joined by ';'.
func (r *Result) addPrevious(t graphclient.PhoneType, number string) {
	if r.Previous != "" {
		r.Previous += ";"
	}
	r.Previous += string(t) + "=" + number
}

// sameNumber compares two numbers in Graph's form, ignoring spaces and case.
func sameNumber(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
	return norm(a) == norm(b)
}

func (p *processor) mask(n string) string {
	if p.showPII {
		return n
	}
	return MaskPhone(n)
}

// MaskPhone hides all but a number's country code and last four digits:
// "+1 2065550100" → "+1 ******0100".
func MaskPhone(n string) string {
	cc, rest, ok := strings.Cut(n, " ")
	if !ok {
		cc, rest = "", n
	}
	ext := ""
	if i := strings.IndexByte(rest, 'x'); i >= 0 {
		rest, ext = rest[:i], "x***"
	}
	if len(rest) <= 4 {
		return strings.TrimSpace(cc + " " + strings.Repeat("*", len(rest)) + ext)
	}
	masked := strings.Repeat("*", len(rest)-4) + rest[len(rest)-4:]
	if cc == "" {
		return masked + ext
	}
	return cc + " " + masked + ext
}
