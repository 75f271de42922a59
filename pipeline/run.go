package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
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
	// SmsUnavailable says the cloud offers no enableSmsSignIn or
	// disableSmsSignIn (China, 21Vianet): run takes no SMS step and records
	// unavailable-in-cloud where SmsSignIn asked for one (disabled-by-flag
	// where it did not); undo leaves SMS sign-in as it is, with a note.
	SmsUnavailable bool
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
	// OnStop, when set, is called once when ctx is cancelled, with the rows
	// then in flight and the grace period they have to finish: for the
	// command to say what happens next.
	OnStop func(inFlight int, grace time.Duration)
	// Limit, when positive, is the most rows handed to workers: a canary
	// run. Rows finished earlier and invalid rows send no request and do
	// not count; once Limit rows were handed out, the rest of the input is
	// read only to be passed over (scope.go), and the run is not complete.
	Limit int
	// OnlyUser, when set, is the one user whose rows run (matched to a
	// row's userPrincipalName or userId, case-insensitively); every other
	// row is passed over.
	OnlyUser string
}

// Progress is the run's progress so far.
type Progress struct {
	// Done counts the rows this run recorded (their line is durable);
	// Failed and Invalid are those of them that are failed or partial, and
	// invalid.
	Done, Failed, Invalid int
	// Skipped counts the rows an earlier run had finished, or out of the
	// run's scope (Limit, OnlyUser), read so far; SkippedFailed those an
	// earlier run finished that did not succeed.
	Skipped, SkippedFailed int
}

// Summary is what a run did.
type Summary struct {
	// Command is the job: run, undo or export. ResultFile is its file:
	// export's snapshot.
	Command    string         `json:"command"`
	ResultFile string         `json:"resultFile"`
	Rows       int            `json:"rows"`     // rows in the result file
	ByStatus   map[Status]int `json:"byStatus"` // of the result file, after the run
	// Processed rows this run (written), Skipped ones an earlier run finished.
	Processed int `json:"processed"`
	Skipped   int `json:"skipped"`
	// Outcomes this run, per step (mobile, alternateMobile, office,
	// smsSignIn), per outcome; for export, what it read: each phone type's
	// users ("found") and the mobiles' smsSignInState, under smsSignIn.
	Outcomes Outcomes `json:"outcomes"`
	// DroppedLines are torn or damaged lines cut from the end of the result
	// file; DamagedLines are lines elsewhere in it that are not result lines,
	// skipped (their rows are redone).
	DroppedLines int `json:"droppedLines,omitempty"`
	DamagedLines int `json:"damagedLines,omitempty"`
	// ForeignLines are lines of rows this input does not have, which an
	// earlier run (of another input) left: dropped from the result file and
	// kept in Backup.
	ForeignLines int    `json:"foreignLines,omitempty"`
	Backup       string `json:"backup,omitempty"`
	// RetryableRows counts the result file's failed and partial rows a
	// rerun with the same --out retries (retryable=true).
	RetryableRows int `json:"retryableRows"`
	// StartedAt and FinishedAt bound the job, from opening the result file
	// to its compaction, to the millisecond.
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	// InputRows is the input's data rows when the command counted them (a
	// regular file), for what an interrupted run left; ResumeCommand is the
	// command line that resumes it. The command sets both.
	InputRows     int    `json:"inputRows,omitempty"`
	ResumeCommand string `json:"-"`
	// Interrupted is set when the run stopped before the end of the input.
	Interrupted bool `json:"interrupted"`
	// Limit and OnlyUser are Config's: the run's scope. Limited is set when
	// Limit stopped the run's work before the end of the input; Left counts
	// the rows the scope passed over (past the limit, of other users) that
	// no earlier run finished: a run without Limit and OnlyUser does them.
	// The lines of passed-over rows stay as they were.
	Limit    int    `json:"limit,omitempty"`
	OnlyUser string `json:"onlyUser,omitempty"`
	Limited  bool   `json:"limited,omitempty"`
	Left     int    `json:"left,omitempty"`
	// scoped is set when the run did not take in every row (Limit passed
	// over rows, or OnlyUser is set); scopeFailed counts the rows in scope
	// that did not succeed.
	scoped      bool
	scopeFailed int
	Elapsed     time.Duration `json:"-"`
	ElapsedSecs float64       `json:"elapsedSeconds"`
	DryRun      bool          `json:"dryRun"`
}

// Failed counts the rows of the result file that are not succeeded (or
// planned, for a dry run). For a run whose scope left rows out (Limit,
// OnlyUser) it counts only the rows in scope, run now or finished earlier:
// the exit code says what the rows this run took in deserve.
func (s *Summary) Failed() int {
	if s.scoped {
		return s.scopeFailed
	}
	n := 0
	for st, c := range s.ByStatus {
		if !st.ok() {
			n += c
		}
	}
	return n
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
	cfg.setDefaults()
	p := &processor{g: g, onExisting: cfg.OnExisting, sms: cfg.smsStep(), smsOff: cfg.smsOff(), dryRun: cfg.DryRun, showPII: cfg.ShowPII, now: cfg.Now}
	return runJob(ctx, "run", cfg, p)
}

// rowWorker is what a job does with one valid row: run's processor, and the
// other commands that go through the same stages. process returns the row's
// result line; its error is non-nil only when the row must not be recorded
// (the context ended, or the job must stop: *fatalError). Safe for
// concurrent use.
type rowWorker interface {
	process(ctx context.Context, row Row) (Result, error)
}

// runJob runs the stages of a job (command names it in the summary) with w
// doing the rows; cfg has its defaults set.
func runJob(ctx context.Context, command string, cfg Config, w rowWorker) (*Summary, error) {
	return runCodecJob(ctx, command, cfg, w, resultCodec{})
}

// runCodecJob is runJob for a job whose file (cfg.Out) is of the kind codec
// knows: export's snapshot.
func runCodecJob(ctx context.Context, command string, cfg Config, w rowWorker, codec lineCodec) (*Summary, error) {
	start := time.Now()
	j, err := openCodecJournal(cfg.Out, cfg.Restart, codec)
	if err != nil {
		return nil, err
	}
	r := &runner{
		cfg:  cfg,
		proc: w,
		j:    j,
		sum: &Summary{Command: command, ResultFile: cfg.Out, Outcomes: Outcomes{}, DryRun: cfg.DryRun, StartedAt: start.UTC().Truncate(time.Millisecond),
			Limit: max(cfg.Limit, 0), OnlyUser: strings.TrimSpace(cfg.OnlyUser)},
	}
	if p, ok := w.(*processor); ok && !cfg.DryRun {
		p.intent = r.recordIntent
	}
	r.noteResume()
	err = r.stages(ctx)
	return r.finish(ctx, start, err)
}

func (cfg *Config) setDefaults() {
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
}

// smsStep reports whether run takes the SMS sign-in step: asked for, and
// available in the cloud.
func (cfg *Config) smsStep() bool { return cfg.SmsSignIn && !cfg.SmsUnavailable }

// smsOff is the SMS outcome of a row with a mobile when run takes no SMS
// step: the flag's, or the cloud's when the flag asked for it.
func (cfg *Config) smsOff() SmsOutcome {
	if cfg.SmsSignIn && cfg.SmsUnavailable {
		return SmsUnavailableInCloud
	}
	return SmsDisabledByFlag
}

// runner is one run of the job, in four stages joined by channels, the shape
// of errgroup's bounded pipeline:
//
//	read ──items──▶ schedule ──tasks──▶ work ×N
//	                 │    ▲                │
//	                 │    └────results─────┘
//	                 └──entries──▶ write
//
// read streams the input and closes its channel; schedule is the only one who
// knows which user is busy (userQueue) and the only sender to write; the
// workers run rows against Graph; write owns the result file and the
// summary's counts. A run ends early in two ways, each with its context:
// drain (the caller's ctx) stops reading and handing out rows while the rows
// in flight finish, for up to cfg.Grace; abort ends the requests in flight as
// well, when the grace period runs out or a stage fails.
type runner struct {
	cfg    Config
	proc   rowWorker
	j      *journal
	sum    *Summary // the writer's until the stages are over
	header Header   // the reader's until the stages are over
	// readAll is set by the reader when it read the input to its end;
	// passed, left and limited, when it is done, as in reader and
	// Summary.Limited.
	readAll      bool
	passed, left int
	limited      bool
	// priorLines reads the earlier run's lines for the reader.
	priorLines *lineReader
	// intents carries the lines workers need durable before they go on
	// (recordIntent) straight to the writer.
	intents chan intent
}

// intent is a line a worker needs durable before it sends a write: the
// writer appends and syncs it, then answers on done.
type intent struct {
	res   Result
	prior int // as in task.prior
	done  chan error
}

// recordIntent makes res durable in the result file as its row's line until
// a later line replaces it (processor.intent). It returns once the line is
// synced, or with the error that stops the row.
func (r *runner) recordIntent(ctx context.Context, res Result) error {
	in := intent{res: res, done: make(chan error, 1)}
	if i, ok := r.j.prior.find(res.Key); ok {
		in.prior = i + 1
	}
	if err := send(ctx, r.intents, in); err != nil {
		return err
	}
	select {
	case err := <-in.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// item is what the reader hands the scheduler: a row to run, or an entry
// that needs no Graph call (an invalid row's result, rows an earlier run
// finished) and goes straight on to the writer.
type item struct {
	task
	ready *entry
}

// entry is what the writer receives: a row's result to record (with the
// earlier run's line it replaces, as in task.prior), or rows an earlier run
// finished, each with that run's line.
type entry struct {
	res     Result // when res.Row > 0
	prior   int
	skipped []skipped
}

// skipped is a row an earlier run finished: row n is that run's line i; or,
// with passed, a row out of the run's scope, whose line, if it has one (i ≥
// 0), stays as it was.
type skipped struct {
	n, i   int
	passed bool
}

// finished is a worker's finished row: its entry for the writer, and the
// user whose next row may now run.
type finished struct {
	entry
	user string
}

func (r *runner) noteResume() {
	p := r.j.prior
	if p == nil {
		return
	}
	if p.cut > 0 {
		r.sum.DroppedLines = p.cut
		r.cfg.Logger.Warn("result file: cut a torn or damaged last line; its row is redone", zap.Int("lines", p.cut))
	}
	if p.damagedCount > 0 {
		r.sum.DamagedLines = p.damagedCount
		r.cfg.Logger.Warn("result file: skipped lines that are not result lines; their rows are redone, the lines after them count",
			zap.Int("lines", p.damagedCount), zap.Ints("lineNumbers", p.damaged))
	}
	if p.read > 0 {
		r.cfg.Logger.Info("resuming from the result file", zap.String("file", r.cfg.Out), zap.Int("lines", p.read))
	}
}

// stages runs the four stages until the input is done, drain ends the run,
// or a stage fails.
func (r *runner) stages(drain context.Context) error {
	abort, stopGrace := r.abortAfterGrace(drain)
	defer stopGrace()
	g, ctx := errgroup.WithContext(abort)
	items := make(chan item, r.cfg.Workers)
	tasks := make(chan task)
	results := make(chan finished, r.cfg.Workers)
	entries := make(chan entry, r.cfg.Workers*4)
	over := make(chan struct{}) // closed after tasks is: idle workers leave
	r.intents = make(chan intent)

	g.Go(func() error { return r.read(ctx, drain, items) })
	g.Go(func() error {
		defer close(over)
		return r.schedule(ctx, drain.Done(), items, tasks, results, entries)
	})
	limit := newWorkLimit(r.cfg.Workers)
	if r.cfg.Concurrency != nil {
		limit.refresh(r.cfg.Concurrency, r.cfg.Workers)
		go limit.follow(ctx, r.cfg.Concurrency, r.cfg.Workers, 250*time.Millisecond)
	}
	for i := range r.cfg.Workers {
		g.Go(func() error { return r.work(ctx, i, limit, over, tasks, results) })
	}
	g.Go(func() error { return r.write(ctx, entries) })

	err := g.Wait()
	var fe *fatalError
	if errors.As(err, &fe) {
		err = fe.err
	}
	return err
}

// abortAfterGrace returns the abort context: cancelled cfg.Grace after drain
// is, or by the errgroup when a stage fails; stop releases it.
func (r *runner) abortAfterGrace(drain context.Context) (abort context.Context, stop func()) {
	abort, cancel := context.WithCancel(context.WithoutCancel(drain))
	stopGrace := context.AfterFunc(drain, func() {
		t := time.NewTimer(r.cfg.Grace)
		defer t.Stop()
		select {
		case <-t.C:
			r.cfg.Logger.Warn("rows in flight did not finish within the grace period; cancelling them (they are redone on resume)", zap.Duration("grace", r.cfg.Grace))
			cancel()
		case <-abort.Done():
		}
	})
	return abort, func() { stopGrace(); cancel() }
}

// read is the producer: the input in order, each row either a task, an
// invalid row's result, counted as finished earlier, or passed over (out of
// the run's scope: scope.go). It stops when drain is done (the rows it did
// not read have no line, so a resumed run does them), and closes items.
func (r *runner) read(ctx, drain context.Context, items chan<- item) error {
	defer close(items)
	readCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(drain, cancel)
	defer stop()
	rd := &reader{r: r, items: items, scope: newScope(r.cfg),
		rule: resumeRule{retryFailed: r.cfg.RetryFailed, onExisting: r.cfg.OnExisting, sms: r.cfg.smsStep()}}
	var err error
	r.header, err = ReadRows(readCtx, r.cfg.Input, r.cfg.Read, func(row Row) error { return rd.row(readCtx, row) })
	if ferr := rd.flush(ctx); err == nil {
		err = ferr
	}
	r.left, r.passed, r.limited = rd.left, rd.passed, rd.scope.reached() && rd.passed > 0
	if err != nil && drain.Err() != nil && errors.Is(err, context.Canceled) {
		return nil // interrupted: stop reading, let rows in flight finish
	}
	r.readAll = err == nil
	return err
}

// reader is the read stage's state over one pass of the input.
type reader struct {
	r     *runner
	items chan<- item
	rule  resumeRule
	scope scope
	// earlier are rows finished earlier or passed over, on their way to the
	// writer in groups; a group is sent even when reading is cut short, so
	// that the summary has them all.
	earlier []skipped
	// passed counts the rows out of scope; left, those of them no earlier
	// run finished.
	passed, left int
}

// row sorts one row of the input: into a task, an invalid row's result, a
// row finished earlier, or a row passed over.
func (rd *reader) row(ctx context.Context, row Row) error {
	r := rd.r
	i, found := r.j.prior.find(r.lineKey(row.Key))
	done := found && rd.rule.done(r.j.prior.lines[i].state())
	if !rd.scope.admits(row) {
		return rd.passOver(ctx, row, i, found, done)
	}
	if done {
		return rd.later(ctx, skipped{n: row.Num, i: i})
	}
	if err := rd.flush(ctx); err != nil {
		return err
	}
	prior := 0
	if found {
		prior = i + 1
		if err := r.carryReplaced(&row, r.j.prior.lines[i]); err != nil {
			return err
		}
	}
	if _, ok := r.proc.(*processor); ok {
		logRowNotes(r.cfg.Logger, row) // run's, not undo's: they are about what it adds
	}
	if row.Invalid != "" {
		return send(ctx, rd.items, item{ready: &entry{res: invalidResult(row, r.cfg.Now()), prior: prior}})
	}
	rd.scope.took()
	return send(ctx, rd.items, item{task: task{row: row, user: userIdentity(row), prior: prior}})
}

// passOver leaves a row out of scope as it was: its earlier line i, when
// found, stays the row's line.
func (rd *reader) passOver(ctx context.Context, row Row, i int, found, done bool) error {
	rd.passed++
	if !done {
		rd.left++
	}
	if !found {
		i = -1
	}
	return rd.later(ctx, skipped{n: row.Num, i: i, passed: true})
}

// later queues s for the writer, sending the group once it is large.
func (rd *reader) later(ctx context.Context, s skipped) error {
	rd.earlier = append(rd.earlier, s)
	if len(rd.earlier) < 4096 {
		return nil
	}
	return rd.flush(ctx)
}

// flush sends the queued group to the writer.
func (rd *reader) flush(ctx context.Context) error {
	if len(rd.earlier) == 0 {
		return nil
	}
	if err := send(ctx, rd.items, item{ready: &entry{skipped: rd.earlier}}); err != nil {
		return err
	}
	rd.earlier = nil
	return nil
}

// lineKey is the key under which this run records a row of key k: k, or
// for a dry run planKey(k).
func (r *runner) lineKey(k string) string {
	if r.cfg.DryRun {
		return planKey(k)
	}
	return k
}

// planKey is the key of a dry run's line for a row of key k. A plan is not
// what was done: a real run never takes a dry run's line for a finished row
// (nor the other way round), while a dry run resumes its own.
func planKey(k string) string {
	v, err := strconv.ParseUint(k, 16, 64)
	if err != nil {
		return k
	}
	return fmt.Sprintf("%016x", v^0x706c616e6e656421) // "planned!"
}

// carryReplaced gives a row that runs again the numbers its earlier line
// says it replaced (Row.Replaced). Called by the reader only: the earlier
// run's lines are read-only while the writer appends after them.
func (r *runner) carryReplaced(row *Row, l priorLine) error {
	if l.state()&stPrevious == 0 || row.Invalid != "" {
		return nil
	}
	if r.priorLines == nil {
		r.priorLines = &lineReader{f: r.j.f}
	}
	b, err := r.priorLines.at(l.off())
	if err != nil {
		return fileErr(r.cfg.Out, "reading an earlier line", err)
	}
	if res, ok := r.j.codec.decode(b); ok {
		row.Replaced = parsePrevious(res.Previous)
	}
	return nil
}

// schedule hands rows to workers through a userQueue, and passes each
// finished row (and what the reader sent for the writer) to the writer, in
// the order they come. The backlog it holds is bounded; past it, reading
// pauses. Once drain is closed, rows not yet handed out are dropped (and so
// are the rows the reader still sends), and it waits for the rows running
// and for the reader to close items. It closes tasks and entries.
func (r *runner) schedule(ctx context.Context, drain <-chan struct{}, items <-chan item, tasks chan<- task, results <-chan finished, entries chan<- entry) error {
	defer close(entries)
	defer close(tasks)
	q := newUserQueue(r.cfg.Workers*4 + 1024)
	// The writer's entries wait here, in order, so that the scheduler goes
	// on handing out rows while the writer syncs; past backlog it stops
	// taking rows until the writer catches up.
	var forward []entry
	backlog := r.cfg.Workers*4 + r.cfg.SyncEvery
	in := items
	draining := false // drain is done: no new rows, but what the reader still sends for the writer goes on
	for in != nil || !q.idle() || len(forward) > 0 {
		behind := len(forward) >= backlog
		recv := in
		if q.full() || behind {
			recv = nil
		}
		var out chan<- task
		next, ok := q.next()
		if ok && !behind {
			out = tasks
		}
		var toWriter chan<- entry
		var e entry
		if len(forward) > 0 {
			toWriter, e = entries, forward[0]
		}
		select {
		case it, ok := <-recv:
			switch {
			case !ok:
				in = nil
			case it.ready != nil:
				forward = append(forward, *it.ready)
			case !draining:
				q.add(it.task)
			}
		case out <- next:
			q.pop()
		case d := <-results:
			q.finish(d.user)
			forward = append(forward, d.entry)
		case toWriter <- e:
			forward[0] = entry{}
			forward = forward[1:]
		case <-drain:
			drain, draining = nil, true
			q.drop()
			if r.cfg.OnStop != nil {
				r.cfg.OnStop(len(q.busy), r.cfg.Grace) // after drop, busy holds the rows running
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// work is worker i: it takes rows while the limit admits it, until tasks is
// closed.
func (r *runner) work(ctx context.Context, i int, limit *workLimit, over <-chan struct{}, tasks <-chan task, results chan<- finished) error {
	for {
		if err := limit.admit(ctx, i, over); err != nil {
			return err
		}
		t, ok := <-tasks
		if !ok {
			return nil
		}
		res, err := r.proc.process(ctx, t.row)
		if err != nil {
			return err
		}
		if err := send(ctx, results, finished{entry: entry{res: res, prior: t.prior}, user: t.user}); err != nil {
			return err
		}
	}
}

// send sends v on ch, unless ctx is done first.
func send[T any](ctx context.Context, ch chan<- T, v T) error {
	select {
	case ch <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// write is the consumer and the only owner of the result file: it appends
// results to the journal, syncing in groups (a row counts as done, in the
// summary and the progress, only once its line is durable), and keeps the
// summary's counts. An intent (recordIntent) is appended and synced at once,
// and answered.
func (r *runner) write(ctx context.Context, entries <-chan entry) error {
	tick := time.NewTicker(r.cfg.SyncInterval)
	defer tick.Stop()
	w := &lineWriter{r: r}
	// The rows in scope that did not succeed, for the exit code of a run
	// whose scope passed over rows (Summary.Failed).
	defer func() { r.sum.scopeFailed = w.prog.Failed + w.prog.Invalid + w.prog.SkippedFailed }()
	for {
		select {
		case e, ok := <-entries:
			if !ok {
				return w.flush(true)
			}
			if err := w.add(e); err != nil {
				return err
			}
		case in := <-r.intents:
			err := w.intent(in)
			in.done <- err
			if err != nil {
				return err
			}
		case <-tick.C:
			if err := w.flush(true); err != nil {
				return err
			}
		case <-ctx.Done():
			// Keep what finished: a failed stage must not lose written rows.
			if err := w.flush(false); err != nil {
				return err
			}
			return ctx.Err()
		}
	}
}

// lineWriter is the writer stage's state: the lines appended since the
// last sync, and the progress counts.
type lineWriter struct {
	r        *runner
	batch    []Result
	isIntent []bool // of batch: an intent line, not a row's result
	prog     Progress
	// passedOver counts the rows out of the run's scope.
	passedOver int
	// skippedSeen: rows finished earlier arrived since the last report.
	skippedSeen bool
}

// add takes an entry: rows finished earlier, or a row's result to append.
func (w *lineWriter) add(e entry) error {
	r := w.r
	if e.res.Row == 0 {
		failed, passed := r.skipRows(e.skipped)
		w.prog.SkippedFailed += failed
		w.passedOver += passed
		w.prog.Skipped = r.sum.Skipped + w.passedOver
		w.skippedSeen = true
		return nil
	}
	if e.prior > 0 {
		r.j.markUsed(e.prior - 1)
	}
	e.res.Key = r.lineKey(e.res.Key)
	w.batch, w.isIntent = append(w.batch, e.res), append(w.isIntent, false)
	if len(w.batch) >= r.cfg.SyncEvery {
		return w.flush(false)
	}
	return nil
}

// intent appends an intent line and syncs it.
func (w *lineWriter) intent(in intent) error {
	if in.prior > 0 {
		w.r.j.markUsed(in.prior - 1)
	}
	w.batch, w.isIntent = append(w.batch, in.res), append(w.isIntent, true)
	return w.flush(false)
}

// flush appends and syncs the batch, then counts its rows (only now that
// their lines are durable) and reports progress; with always, progress is
// reported also when only rows finished earlier came.
func (w *lineWriter) flush(always bool) error {
	r := w.r
	if len(w.batch) == 0 {
		if always && w.skippedSeen {
			w.report()
		}
		return nil
	}
	if err := r.j.append(w.batch); err != nil {
		return err
	}
	if err := r.j.sync(); err != nil {
		return err
	}
	for i, res := range w.batch {
		if w.isIntent[i] {
			continue
		}
		r.sum.Outcomes.add(res.Phones, res.SmsSignIn)
		r.sum.Outcomes.addRead(res.snap)
		r.sum.Processed++
		w.prog.Done++
		switch {
		case res.Status == StatusInvalid:
			w.prog.Invalid++
		case !res.Status.ok():
			w.prog.Failed++
		}
		r.logRow(res)
	}
	w.batch, w.isIntent = w.batch[:0], w.isIntent[:0]
	w.report()
	return nil
}

// report hands the progress to cfg.Progress.
func (w *lineWriter) report() {
	w.skippedSeen = false
	if w.r.cfg.Progress != nil {
		w.r.cfg.Progress(w.prog)
	}
}

// skipRows records rows the reader did not hand out: rows an earlier run
// finished keep that run's line, and so do rows out of scope that have one.
// It returns how many of the former did not succeed, and how many rows were
// out of scope. Called by the writer only.
func (r *runner) skipRows(rows []skipped) (failed, passed int) {
	for _, sk := range rows {
		if sk.i >= 0 {
			r.j.skip(sk.n, sk.i)
		}
		if sk.passed {
			passed++
			continue
		}
		r.sum.Skipped++
		if !r.j.prior.lines[sk.i].state().status().ok() {
			failed++
		}
	}
	return failed, passed
}

func (r *runner) logRow(res Result) {
	lvl := zap.InfoLevel
	if !res.Status.ok() {
		lvl = zap.WarnLevel
	} else if !r.cfg.LogEveryRow {
		return
	}
	ce := r.cfg.Logger.Check(lvl, "row")
	if ce == nil {
		return
	}
	fields := []zap.Field{zap.Int("row", res.Row), zap.String("user", res.User), zap.String("status", string(res.Status))}
	for _, t := range graphclient.PhoneTypes {
		if out := res.Phones.Get(t); out != "" {
			fields = append(fields, zap.String(string(t), string(out)))
		}
	}
	if res.SmsSignIn != "" {
		fields = append(fields, zap.String("smsSignIn", string(res.SmsSignIn)))
	}
	fields = appendReadFields(fields, res.snap, r.cfg.ShowPII)
	if res.Error != "" {
		fields = append(fields, zap.String("error", res.Error), zap.Bool("retryable", res.Retryable))
	}
	if res.RequestID != "" {
		fields = append(fields, zap.String("requestId", res.RequestID))
	}
	ce.Write(fields...)
}

// finish closes the run after its stages: the result file compacted (or
// left behind when the input could not be read at all), the summary filled
// in, and the error the run ends with.
func (r *runner) finish(drain context.Context, start time.Time, runErr error) (*Summary, error) {
	sum := r.sum
	if len(r.header.Ignored) > 0 && runErr == nil {
		r.cfg.Logger.Warn("input: ignoring columns phonereg does not use", zap.String("columns", r.header.IgnoredSummary()))
	}
	var ie *InputError
	if errors.As(runErr, &ie) && r.j.abandon() {
		return nil, runErr
	}
	// A run whose scope passed over rows, or that was asked for one user's
	// rows, has not seen every row: as after an interruption, no line is
	// dropped.
	scoped := r.passed > 0 || strings.TrimSpace(r.cfg.OnlyUser) != ""
	complete := r.readAll && !scoped && runErr == nil && drain.Err() == nil
	sum.Left, sum.Limited, sum.scoped = r.left, r.limited, scoped
	c, cerr := r.j.compact(complete)
	sum.Elapsed = time.Since(start)
	sum.ElapsedSecs = sum.Elapsed.Seconds()
	sum.FinishedAt = start.Add(sum.Elapsed).UTC().Truncate(time.Millisecond)
	if cerr != nil {
		return sum, errors.Join(runErr, cerr)
	}
	sum.ByStatus = c.counts
	for _, n := range c.counts {
		sum.Rows += n
	}
	sum.ForeignLines, sum.Backup, sum.RetryableRows = c.foreign, c.backup, c.retryable
	if c.foreign > 0 {
		r.cfg.Logger.Warn("result file: dropped the lines of rows this input does not have (an earlier run of another input, or a dry run, left them)",
			zap.Int("lines", c.foreign), zap.String("keptIn", c.backup))
	}
	if drain.Err() != nil {
		sum.Interrupted = true
		if runErr == nil || errors.Is(runErr, context.Canceled) {
			runErr = drain.Err()
		}
	}
	return sum, runErr
}

// writeScope says what a run's scope (Limit, OnlyUser) left out.
func (s *Summary) writeScope(b *strings.Builder) {
	limited := ""
	if s.Limited {
		limited = fmt.Sprintf(", stopped after %s (--limit)", quantity(s.Limit, "row", "rows"))
	}
	switch {
	case s.OnlyUser != "" && s.Processed+s.Skipped == 0:
		fmt.Fprintf(b, "    %-10s no row of %s in this input (--only-user): nothing ran\n", "scope:", s.OnlyUser)
	case s.OnlyUser != "":
		fmt.Fprintf(b, "    %-10s only %s's rows (--only-user)%s; %s left for another run, their lines as they were\n", "scope:", s.OnlyUser, limited, quantity(s.Left, "row", "rows"))
	case s.Limited:
		fmt.Fprintf(b, "    %-10s stopped after %s (--limit); %s left for the next run\n", "scope:", quantity(s.Limit, "row", "rows"), quantity(s.Left, "row", "rows"))
	}
}

// String renders the summary for a terminal, in two scopes, each labelled:
// the result file as the run left it (its rows by status, what was repaired
// or dropped), and this run (the rows it processed and their outcomes per
// step, its scope, what is left when it was interrupted, its time). The
// command appends its requests and pace to the second.
func (s *Summary) String() string {
	var b strings.Builder
	b.WriteString(s.title() + "\n")
	file := "result file"
	if s.Command == "export" {
		file = "snapshot"
	}
	fmt.Fprintf(&b, "  %-12s %s, %s\n", file+":", s.ResultFile, quantity(s.Rows, "row", "rows"))
	writeStatus(&b, "    ", s.ByStatus)
	if s.RetryableRows > 0 {
		fmt.Fprintf(&b, "    %-10s %s; the same command again retries %s\n", "retryable:", quantity(s.RetryableRows, "row", "rows"), map[bool]string{true: "it", false: "them"}[s.RetryableRows == 1])
	}
	if s.DroppedLines > 0 {
		fmt.Fprintf(&b, "    %-10s %s cut from the end (a torn last line)\n", "repaired:", quantity(s.DroppedLines, "line", "lines"))
	}
	if s.DamagedLines > 0 {
		fmt.Fprintf(&b, "    %-10s %s that were not result lines skipped; their rows were redone\n", "repaired:", quantity(s.DamagedLines, "line", "lines"))
	}
	if s.ForeignLines > 0 {
		fmt.Fprintf(&b, "    %-10s %s of rows not in this input; kept in %s\n", "dropped:", quantity(s.ForeignLines, "line", "lines"), s.Backup)
	}
	fmt.Fprintf(&b, "  %-12s %s processed, %d finished earlier (skipped)\n", "this run:", quantity(s.Processed, "row", "rows"), s.Skipped)
	writeOutcomes(&b, "    ", s.Outcomes)
	s.writeScope(&b)
	if s.Interrupted {
		s.writeLeft(&b)
	}
	fmt.Fprintf(&b, "    %-10s %s\n", "elapsed:", s.Elapsed.Round(time.Millisecond))
	return b.String()
}

// title is the summary's first line: the command, and whether it was
// interrupted.
func (s *Summary) title() string {
	cmd := s.Command
	if cmd == "" {
		cmd = "run"
	}
	title := "phonereg " + cmd
	if s.DryRun {
		title += " --dry-run"
	}
	if s.Interrupted {
		title += " (interrupted)"
	}
	return title
}

// writeLeft says, for an interrupted run, how many rows are left (when the
// command counted the input's rows) and the command that resumes.
func (s *Summary) writeLeft(b *strings.Builder) {
	left := "the rows it had not done"
	if s.InputRows > 0 {
		left = quantity(max(s.InputRows-s.Rows, 0), "row", "rows") + " not done yet"
	}
	resume := "run the same command again"
	if s.ResumeCommand != "" {
		resume = s.ResumeCommand
	}
	fmt.Fprintf(b, "    %-10s %s; to resume: %s\n", "left:", left, resume)
}
