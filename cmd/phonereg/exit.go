package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/pipeline"
)

// Exit codes, SPEC §5. They are chosen here and nowhere else.
const (
	exitOK          = 0
	exitRowsFailed  = 1
	exitUsage       = 2
	exitAuth        = 3
	exitInterrupted = 130
)

// usageError is a mistake in the command line or an input that cannot be read
// at all (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// errRowsFailed ends a run that finished with failed rows, or a validate
// that found problems (exit 1); its summary has said so already.
var errRowsFailed = errors.New("some rows did not succeed")

// exitCode maps the error run returned to the process's exit code.
func exitCode(err error) int {
	var (
		ue *usageError
		ie *pipeline.InputError
		fe *pipeline.ResultFileError
		ae *graphclient.AuthError
		pe *graphclient.PermissionError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ue), errors.As(err, &ie), errors.As(err, &fe), errors.Is(err, pipeline.ErrNotResultFile), errors.Is(err, pipeline.ErrNotSnapshot),
		errors.Is(err, pipeline.ErrLocked):
		return exitUsage
	case errors.As(err, &ae), errors.As(err, &pe):
		return exitAuth
	default:
		return exitRowsFailed
	}
}
