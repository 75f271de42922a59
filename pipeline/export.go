package pipeline

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/phonereg/phonereg/graphclient"
)

// PhoneReader is what export needs of Microsoft Graph: one read of a user's
// phone methods. *graphclient.Client implements it (as every Graph does).
type PhoneReader interface {
	ListPhoneMethods(ctx context.Context, user string) ([]graphclient.PhoneMethod, error)
}

// Export reads the phone methods of every user of cfg.Input (GET only),
// cfg.Workers users at a time through the same stages, journal, lock and
// resume as Run, and writes the snapshot at cfg.Out: one line per input row,
// in input order, that run reads back as input (see snapshot.go). Only a user
// column is read (cfg.Read.UsersOnly is set); cfg.OnExisting, SmsSignIn and
// DryRun do not apply. A user that cannot be read is a failed line, with
// retryable set as run sets it; a resumed export reads again every user whose
// line is not terminal (with cfg.RetryFailed, not succeeded), and the rows of
// one user one after another, each with its line.
//
// Its errors and summary are Run's; an existing cfg.Out that is not the
// snapshot of an input with the same user columns is refused (wrapping
// ErrNotSnapshot), before any request.
func Export(ctx context.Context, g PhoneReader, cfg Config) (*Summary, error) {
	cfg.setDefaults()
	cfg.Read.UsersOnly = true
	cfg.DryRun = false
	// The snapshot's header names the input's user columns: read it first.
	upn, userID, input, err := peekUserColumns(ctx, cfg.Input, cfg.Read)
	if err != nil {
		return nil, err
	}
	cfg.Input = input
	x := &exporter{g: g, now: cfg.Now}
	return runCodecJob(ctx, "export", cfg, x, newSnapshotCodec(upn, userID))
}

// exporter reads one user per row. Safe for concurrent use: it holds only
// settings.
type exporter struct {
	g   PhoneReader
	now func() time.Time
}

// process reads row's user's phone methods once. Like the processor's, its
// error is non-nil only when the row must not be recorded (see mustStop).
func (x *exporter) process(ctx context.Context, row Row) (Result, error) {
	res := Result{Row: row.Num, User: row.givenUser(), Key: row.Key, snap: snapshotLine{upn: row.UserPrincipalName, userID: row.UserID}}
	ms, err := x.g.ListPhoneMethods(ctx, row.User)
	if err != nil {
		if err := mustStop(ctx, err); err != nil {
			return Result{}, err
		}
		readFailed(&res, err)
	} else {
		res.Status = StatusSucceeded
		res.snap.read(ms)
	}
	res.FinishedAt = x.now()
	return res, nil
}

// readFailed records a read that failed with err, retryable as run's steps
// are: a user not found (directory sync may not have created the account
// yet), throttling, 5xx, timeouts and dropped connections; not a refusal
// an admin must act on.
func readFailed(res *Result, err error) {
	res.Status = StatusFailed
	res.RequestID = graphclient.RequestIDOf(err)
	switch {
	case errors.Is(err, graphclient.ErrNotFound):
		res.Retryable = true
		res.Error = "user not found (" + graphclient.StatusOf(err) + "); directory sync may not have created the account yet, a later export retries it"
	case errors.Is(err, graphclient.ErrForbidden):
		res.Error = "reading the user's phone methods: " + graphclient.Describe(err) +
			" (reading needs " + graphclient.PermReadAll + " or " + graphclient.PermPhoneReadAll + ", or either ReadWrite permission)"
	default:
		res.Retryable = graphclient.IsTransient(err)
		res.Error = "reading the user's phone methods: " + graphclient.Describe(err)
	}
}

// appendReadFields adds to a row's log line what export read of the user:
// each number, masked unless showPII, and the mobile's SMS sign-in state.
// A run's rows read nothing.
func appendReadFields(fields []zap.Field, s snapshotLine, showPII bool) []zap.Field {
	for _, t := range graphclient.PhoneTypes {
		if n := s.numbers.Get(t); n != "" {
			fields = append(fields, zap.String(string(t), maskPII(n, showPII)))
		}
	}
	if s.sms != "" {
		fields = append(fields, zap.String("smsSignInState", string(s.sms)))
	}
	return fields
}
