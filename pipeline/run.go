package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/phonereg/phonereg/graphclient"
)

// Config configures Run.
type Config struct {
	// Input is the CSV to read.
	Input io.Reader
	Read  InputOptions
	// Out is the result file's path.
	Out string
	// OnExisting: fail (default), skip or update.
	OnExisting OnExisting
	// SmsSignIn enables SMS sign-in on each row's mobile.
	SmsSignIn bool
	// DryRun reads each user's methods and records what a run would do.
	DryRun bool
	// Workers is the most users worked on at once; default 8. Concurrency,
	// when set, is asked every 250 ms how many of them the pace needs (at
	// most its argument): graphclient.Client.Concurrency, which covers rate ×
	// latency.
	Workers     int
	Concurrency func(limit int) int
	// Restart starts the result file over (the old one is kept as .bak);
	// RetryFailed redoes every row that did not succeed.
	Restart     bool
	RetryFailed bool
	// Grace bounds how long rows in flight may take to finish once ctx is
	// cancelled; then their requests are cancelled too and they are redone on
	// resume. Default 30 s.
	Grace time.Duration
	// SyncEvery and SyncInterval bound the group of result lines fsynced
	// together; defaults 64 lines and 200 ms.
	SyncEvery    int
	SyncInterval time.Duration
	// Logger gets a warning per row that did not succeed, one info line per
	// other finished row when LogEveryRow is set (JSON logs for machines; a
	// person at a terminal has the progress bar), and other warnings.
	// ShowPII leaves phone numbers unmasked in logs and errors.
	Logger      *zap.Logger
	LogEveryRow bool
	ShowPII     bool
	// Progress, when set, is called from one goroutine after each durable
	// group of rows.
	Progress func(Progress)
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Progress is the run's progress so far.
type Progress struct {
	Done    int // rows whose line is durable this run, skipped ones included
	Failed  int // of those, failed, partial or invalid
	Skipped int // rows an earlier run had finished
}

// Summary is what a run did.
type Summary struct {
	ResultFile string         `json:"resultFile"`
	Rows       int            `json:"rows"`     // rows in the result file
	ByStatus   map[Status]int `json:"byStatus"` // of the result file, after the run
	// Processed rows this run (written), Skipped ones an earlier run finished.
	Processed int `json:"processed"`
	Skipped   int `json:"skipped"`
	// Outcomes this run, per step (mobile, alternateMobile, office,
	// smsSignIn), per outcome.
	Outcomes Outcomes `json:"outcomes"`
	// DroppedLines are damaged lines cut from the end of the result file.
	DroppedLines int `json:"droppedLines,omitempty"`
	// Interrupted is set when the run stopped before the end of the input.
	Interrupted bool          `json:"interrupted"`
	Elapsed     time.Duration `json:"-"`
	ElapsedSecs float64       `json:"elapsedSeconds"`
	DryRun      bool          `json:"dryRun"`
}

// Failed counts the rows of the result file that are not succeeded (or
// planned, for a dry run).
func (s *Summary) Failed() int {
	n := 0
	for st, c := range s.ByStatus {
		if !st.ok() {
			n += c
		}
	}
	return n
}

// task is a row on its way through the pool.
type task struct {
	row  Row
	user string // the key rows of one user share
}

// Run reads cfg.Input, runs every valid row not finished earlier against g
// with cfg.Workers users at a time, and records every row in the result file
// (SPEC §3–4). Rows of one user run one after another, in input order.
//
// It returns an error for what stops the run: the input cannot be read
// (*InputError), the result file cannot be written, the credential stopped
// working (*graphclient.AuthError), or ctx was cancelled (context.Canceled,
// after the rows in flight finished or the grace period ran out). The result
// file is compacted in every case but a failure to write it, and the summary
// returned with the error; when the input could not be read before any row,
// no result file is left behind and the summary is nil. Failed rows are not
// errors: they are in the summary and the file.
func Run(ctx context.Context, g Graph, cfg Config) (*Summary, error) {
	start := time.Now()
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.OnExisting == "" {
		cfg.OnExisting = ExistingFail
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 30 * time.Second
	}
	if cfg.SyncEvery <= 0 {
		cfg.SyncEvery = 64
	}
	if cfg.SyncInterval <= 0 {
		cfg.SyncInterval = 200 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	j, err := openJournal(cfg.Out, cfg.Restart)
	if err != nil {
		return nil, err
	}
	sum := &Summary{ResultFile: cfg.Out, Outcomes: Outcomes{}, DryRun: cfg.DryRun}
	if j.prior != nil && j.prior.dropped > 0 {
		sum.DroppedLines = j.prior.dropped
		cfg.Logger.Warn("result file: cut a torn or damaged last line; its row is redone", zap.Int("lines", j.prior.dropped))
	}
	if j.prior != nil && j.prior.lines > 0 {
		cfg.Logger.Info("resuming from the result file", zap.String("file", cfg.Out), zap.Int("lines", j.prior.lines))
	}

	proc := &processor{g: g, onExisting: cfg.OnExisting, sms: cfg.SmsSignIn, dryRun: cfg.DryRun, showPII: cfg.ShowPII, now: cfg.Now}

	// hard ends requests in flight: after the grace period once ctx is done,
	// or at once when a stage fails.
	hard, hardCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer hardCancel()
	stopGrace := context.AfterFunc(ctx, func() {
		t := time.NewTimer(cfg.Grace)
		defer t.Stop()
		select {
		case <-t.C:
			cfg.Logger.Warn("rows in flight did not finish within the grace period; cancelling them (they are redone on resume)", zap.Duration("grace", cfg.Grace))
			hardCancel()
		case <-hard.Done():
		}
	})
	defer stopGrace()

	eg, gctx := errgroup.WithContext(hard)
	readCtx, cancelRead := context.WithCancel(gctx)
	defer cancelRead()
	stopRead := context.AfterFunc(ctx, cancelRead)
	defer stopRead()

	rows := make(chan task, cfg.Workers)
	work := make(chan task)
	done := make(chan string, cfg.Workers)
	results := make(chan Result, cfg.Workers*4)
	var producers sync.WaitGroup
	var skipped, skippedFailed atomic.Int64 // written by the reader, read by the writer
	var header Header

	send := func(r Result) error {
		select {
		case results <- r:
			return nil
		case <-gctx.Done():
			return gctx.Err()
		}
	}

	// Reader: the input, in order; invalid rows straight to the writer.
	producers.Add(1)
	eg.Go(func() error {
		defer producers.Done()
		defer close(rows)
		var err error
		header, err = ReadRows(readCtx, cfg.Input, cfg.Read, func(r Row) error {
			if st, ok := j.prior.done(r.Num, r.Key, cfg.RetryFailed); ok {
				skipped.Add(1)
				if !st.status().ok() {
					skippedFailed.Add(1)
				}
				return nil
			}
			if r.Invalid != "" {
				return send(Result{Row: r.Num, User: r.User, Status: StatusInvalid, Error: r.Invalid, Key: r.Key, FinishedAt: cfg.Now()})
			}
			select {
			case rows <- task{row: r, user: strings.ToLower(r.User)}:
				return nil
			case <-readCtx.Done():
				return readCtx.Err()
			}
		})
		if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return nil // interrupted: stop reading, let rows in flight finish
		}
		return err
	})

	// Scheduler: one row per user at a time, in input order.
	over := make(chan struct{}) // closed after work is
	eg.Go(func() error {
		defer close(over)
		defer close(work)
		return schedule(gctx, ctx.Done(), rows, work, done, cfg.Workers)
	})

	// Workers: as many as the pace needs, up to cfg.Workers.
	limit := newWorkLimit(cfg.Workers)
	if cfg.Concurrency != nil {
		limit.refresh(cfg.Concurrency, cfg.Workers)
		go limit.follow(gctx, cfg.Concurrency, cfg.Workers, 250*time.Millisecond)
	}
	for i := range cfg.Workers {
		producers.Add(1)
		eg.Go(func() error {
			defer producers.Done()
			for {
				if err := limit.admit(gctx, i, over); err != nil {
					return err
				}
				t, ok := <-work
				if !ok {
					return nil
				}
				res, err := proc.run(gctx, t.row)
				if err != nil {
					return err
				}
				if err := send(res); err != nil {
					return err
				}
				select {
				case done <- t.user:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
		})
	}
	go func() {
		producers.Wait()
		close(results)
	}()

	// Writer: the only owner of the result file.
	eg.Go(func() error {
		return writeResults(gctx, j, results, cfg, sum, &skipped, &skippedFailed)
	})

	runErr := eg.Wait()
	var fe *fatalError
	if errors.As(runErr, &fe) {
		runErr = fe.err
	}
	sum.Skipped = int(skipped.Load())
	if len(header.Ignored) > 0 && runErr == nil {
		cfg.Logger.Warn("input: ignoring columns phonereg does not use", zap.Strings("columns", header.Ignored))
	}
	var ie *InputError
	if errors.As(runErr, &ie) && j.abandon() {
		// The input could not be read at all: leave no result file behind.
		return nil, runErr
	}
	counts, cerr := j.compact()
	if cerr != nil {
		return sum, errors.Join(runErr, cerr)
	}
	sum.ByStatus = counts
	for _, c := range counts {
		sum.Rows += c
	}
	sum.Elapsed = time.Since(start)
	sum.ElapsedSecs = sum.Elapsed.Seconds()
	if ctx.Err() != nil {
		sum.Interrupted = true
		if runErr == nil || errors.Is(runErr, context.Canceled) {
			runErr = ctx.Err()
		}
	}
	return sum, runErr
}

// schedule hands rows to workers so that rows of one user never run at the
// same time and run in input order: a row whose user is busy waits in that
// user's queue until the running row is done. The backlog of waiting rows is
// bounded; past it, reading pauses. Once stop is closed (the run was
// interrupted) rows not yet handed out are dropped — they have no line yet, so
// a resumed run does them — and it only waits for the rows running.
func schedule(ctx context.Context, stop <-chan struct{}, rows <-chan task, work chan<- task, done <-chan string, workers int) error {
	busy := map[string][]task{} // user → rows waiting behind the one running
	var ready []task
	waiting := 0
	limit := workers*4 + 1024
	in := rows
	for {
		if in == nil && len(ready) == 0 && len(busy) == 0 {
			return nil
		}
		recv := in
		if len(ready)+waiting >= limit {
			recv = nil
		}
		var out chan<- task
		var next task
		if len(ready) > 0 {
			out, next = work, ready[0]
		}
		select {
		case t, ok := <-recv:
			if !ok {
				in = nil
				continue
			}
			if q, ok := busy[t.user]; ok {
				busy[t.user] = append(q, t)
				waiting++
			} else {
				busy[t.user] = nil
				ready = append(ready, t)
			}
		case out <- next:
			ready[0] = task{}
			ready = ready[1:]
		case u := <-done:
			q := busy[u]
			if len(q) == 0 {
				delete(busy, u)
				continue
			}
			ready = append(ready, q[0])
			busy[u] = q[1:]
			waiting--
		case <-stop:
			stop = nil
			in = nil
			for _, t := range ready {
				delete(busy, t.user)
			}
			ready = nil
			for u := range busy {
				busy[u] = nil
			}
			waiting = 0
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// writeResults appends results to the journal, syncing in groups, and keeps
// the summary's outcome counts.
func writeResults(ctx context.Context, j *journal, results <-chan Result, cfg Config, sum *Summary, skipped, skippedFailed *atomic.Int64) error {
	tick := time.NewTicker(cfg.SyncInterval)
	defer tick.Stop()
	var batch []Result
	var prog Progress
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := j.append(batch); err != nil {
			return err
		}
		if err := j.sync(); err != nil {
			return err
		}
		for _, r := range batch {
			sum.Processed++
			prog.Done++
			if !r.Status.ok() {
				prog.Failed++
			}
			logRow(cfg, r)
		}
		batch = batch[:0]
		if cfg.Progress != nil {
			p := prog
			p.Skipped = int(skipped.Load())
			p.Done += p.Skipped
			p.Failed += int(skippedFailed.Load())
			cfg.Progress(p)
		}
		return nil
	}
	for {
		select {
		case r, ok := <-results:
			if !ok {
				return flush()
			}
			sum.Outcomes.add(r.Phones, r.SmsSignIn)
			batch = append(batch, r)
			if len(batch) >= cfg.SyncEvery {
				if err := flush(); err != nil {
					return err
				}
			}
		case <-tick.C:
			if err := flush(); err != nil {
				return err
			}
		case <-ctx.Done():
			// Keep what finished: a failed stage must not lose written rows.
			if err := flush(); err != nil {
				return err
			}
			return ctx.Err()
		}
	}
}

func logRow(cfg Config, r Result) {
	lvl := zap.InfoLevel
	if !r.Status.ok() {
		lvl = zap.WarnLevel
	} else if !cfg.LogEveryRow {
		return
	}
	ce := cfg.Logger.Check(lvl, "row")
	if ce == nil {
		return
	}
	fields := []zap.Field{zap.Int("row", r.Row), zap.String("user", r.User), zap.String("status", string(r.Status))}
	for i, t := range graphclient.PhoneTypes {
		if r.Phones[i] != "" {
			fields = append(fields, zap.String(string(t), r.Phones[i]))
		}
	}
	if r.SmsSignIn != "" {
		fields = append(fields, zap.String("smsSignIn", r.SmsSignIn))
	}
	if r.Error != "" {
		fields = append(fields, zap.String("error", r.Error), zap.Bool("retryable", r.Retryable))
	}
	if r.RequestID != "" {
		fields = append(fields, zap.String("requestId", r.RequestID))
	}
	ce.Write(fields...)
}

// String renders the summary for a terminal.
func (s *Summary) String() string {
	var b strings.Builder
	title := "phonereg run"
	if s.DryRun {
		title = "phonereg run --dry-run"
	}
	if s.Interrupted {
		title += " (interrupted: run again to resume)"
	}
	fmt.Fprintf(&b, "%s\n", title)
	fmt.Fprintf(&b, "  rows:      %d in the result file; %d processed now, %d finished earlier\n", s.Rows, s.Processed, s.Skipped)
	writeTally(&b, "  ", s.ByStatus, s.Outcomes)
	if s.DroppedLines > 0 {
		fmt.Fprintf(&b, "  repaired:  %d torn line(s) cut from the result file\n", s.DroppedLines)
	}
	fmt.Fprintf(&b, "  elapsed:   %s\n", s.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "  results:   %s\n", s.ResultFile)
	return b.String()
}
