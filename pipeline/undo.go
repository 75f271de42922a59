package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/phonereg/phonereg/graphclient"
)

// Undo (phonereg undo) reverts what a run did, row by row: it reads the same
// input the run read, finds each row's line in the run's result file by its
// key (the last line of that key, wherever it stood), and reverts the steps
// that line records, where Graph still holds what the run wrote
// (undo_row.go). It goes through the runner's stages (run.go) with its own
// result file: the same columns, journal, resume and summary as a run.

// UndoGraph is what Undo needs of Microsoft Graph. *graphclient.Client
// implements it; its errors are graphclient's.
type UndoGraph interface {
	ListPhoneMethods(ctx context.Context, user string) ([]graphclient.PhoneMethod, error)
	UpdatePhoneMethod(ctx context.Context, user, methodID, number string) error
	DeletePhoneMethod(ctx context.Context, user, methodID string) error
	DisableSmsSignIn(ctx context.Context, user string) error
}

// UndoConfig configures Undo: Config as Run reads it (Input and Read the
// run's input, read the same way; Out the undo's own result file; DryRun
// only reads; SmsUnavailable: disableSmsSignIn is not offered), where
// OnExisting and SmsSignIn are not used, and the run's result file.
type UndoConfig struct {
	Config
	// Results is the result file of the run to revert. Undo only reads it,
	// and holds its lock throughout, so that no run writes it meanwhile.
	Results string
}

// Undo reverts the run whose result file is cfg.Results for every valid row
// of cfg.Input not undone earlier, with cfg.Workers users at a time, and
// records every row in cfg.Out. Rows of one user are undone one after
// another, in input order. A row is reverted only where the user's numbers
// are still the ones the run wrote; the rest is reported, never forced.
//
// It returns the errors Run does, and also: cfg.Results is locked by a run
// (*LockedError), is not a result file (ErrNotResultFile) or cannot be read
// (*ResultFileError). Then nothing is read, sent or written, and the summary
// is nil.
func Undo(ctx context.Context, g UndoGraph, cfg UndoConfig) (*Summary, error) {
	cfg.setDefaults()
	if cfg.Results == "" {
		return nil, errors.New("pipeline: UndoConfig.Results, the run's result file, is required")
	}
	if samePath(cfg.Results, cfg.Out) {
		return nil, fileErr(cfg.Out, "", errors.New("is the run's result file, which undo only reads: choose another file for the undo's results"))
	}
	runs, err := openRunLines(cfg.Results)
	if err != nil {
		return nil, err
	}
	defer runs.close()
	runs.warn(cfg.Logger)
	u := &undoer{g: g, runs: runs, dryRun: cfg.DryRun, smsUnavailable: cfg.SmsUnavailable, showPII: cfg.ShowPII, now: cfg.Now}
	return runJob(ctx, "undo", cfg.Config, u)
}

// samePath reports whether paths a and b name one file: by os.SameFile when
// both exist, else by their cleaned absolute paths.
func samePath(a, b string) bool {
	ai, errA := os.Stat(a)
	bi, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(ai, bi)
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// runLines is the result file of the run to revert, opened read-only and
// locked: resume's index of its last line per key (prior.go), and the file,
// whose lines are read at their offsets as rows ask for them. Safe for
// concurrent use: the index does not change, and lines are read with ReadAt.
type runLines struct {
	path string
	f    *os.File
	p    *prior
	lock *resultLock
}

// openRunLines takes the lock of the result file at path and indexes it.
func openRunLines(path string) (*runLines, error) {
	lock, err := lockResultFile(path)
	if err != nil {
		return nil, err
	}
	rl, err := loadRunLines(path)
	if err != nil {
		lock.release()
		return nil, err
	}
	rl.lock = lock
	return rl, nil
}

// loadRunLines opens the result file at path and indexes its lines. A torn
// or damaged tail is left as it is: the file is not undo's to repair.
func loadRunLines(path string) (*runLines, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileErr(path, "", err)
	}
	start, canonical, err := readHeader(f, resultCodec{})
	switch {
	case errors.Is(err, errHeaderCut):
		// A run killed before it recorded anything: no line to undo.
		return &runLines{path: path, f: f, p: &prior{}}, nil
	case errors.Is(err, ErrNotResultFile):
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	case err != nil:
		f.Close()
		return nil, fileErr(path, "", err)
	}
	p, _, err := loadPrior(f, start, canonical, resultCodec{})
	if err != nil {
		f.Close()
		return nil, fileErr(path, "", err)
	}
	return &runLines{path: path, f: f, p: p}, nil
}

// warn logs what of the file could not be read as result lines.
func (rl *runLines) warn(log *zap.Logger) {
	if n := rl.p.damagedCount + rl.p.cut; n > 0 {
		log.Warn("the run's result file has lines that are not result lines; rows whose line is lost count as not run, and are not undone",
			zap.String("file", rl.path), zap.Int("lines", n), zap.Ints("lineNumbers", rl.p.damaged))
	}
}

// close lets the file and its lock go.
func (rl *runLines) close() {
	rl.f.Close()
	rl.lock.release()
}

// line returns the run's last line for key; found is false when the run
// left none. An error means the file cannot be read any more.
func (rl *runLines) line(key string) (res Result, found bool, err error) {
	i, ok := rl.p.find(key)
	if !ok {
		return Result{}, false, nil
	}
	off := rl.p.lines[i].off()
	b, err := readLineAt(rl.f, off)
	if err != nil {
		return Result{}, false, fileErr(rl.path, "reading the run's line", err)
	}
	res, ok = decodeLine(b)
	if !ok {
		return Result{}, false, fileErr(rl.path, "", fmt.Errorf("the line at offset %d no longer reads as a result line: was the file changed during the undo?", off))
	}
	if res.Key != key {
		return Result{}, false, nil // another key of the same 64-bit value: not this row's
	}
	return res, true, nil
}

// maxLineAt bounds readLineAt: the index holds only lines that fit
// loadPrior's reader's buffer (256 KiB).
const maxLineAt = 512 << 10

// readLineAt reads the whole line that starts at off in f.
func readLineAt(f *os.File, off int64) ([]byte, error) {
	buf := make([]byte, 4<<10)
	for {
		n, err := f.ReadAt(buf, off)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return buf[:i+1], nil
		}
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		if len(buf) >= maxLineAt {
			return nil, fmt.Errorf("no end of line within %d bytes of offset %d", maxLineAt, off)
		}
		buf = make([]byte, 2*len(buf))
	}
}
