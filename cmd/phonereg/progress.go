package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/pipeline"
)

// progress shows a job's progress: a bar on a terminal, a log line every
// 10 s elsewhere, or nothing. What it counts is this run's work: rows done
// of the rows to do now (the input's rows less those an earlier run
// finished, which are shown apart), the rate and ETA of those rows alone,
// failures and invalid rows apart, and the flow controller's pace.
type progress struct {
	mu    sync.Mutex
	w     io.Writer // the bar's line; nil: no bar
	log   *zap.Logger
	last  pipeline.Progress
	total int // the input's data rows; 0 when not known (a pipe)
	start time.Time
	now   func() time.Time
	drawn time.Time // when the bar was last drawn
	stop  chan struct{}
	done  chan struct{}
	flow  func() graphclient.FlowStats // the client's pace; nil: not shown
}

// barThrottle bounds how often the bar is redrawn.
const barThrottle = 100 * time.Millisecond

func newProgress(o logOptions, stderr *stderrWriter, total int, log *zap.Logger, flow func() graphclient.FlowStats) *progress {
	p := &progress{total: total, start: time.Now(), now: time.Now, log: log, flow: flow}
	mode := o.progress
	if mode == "auto" {
		mode = "log"
		if isTerminal(stderr.w) {
			mode = "bar"
		}
	}
	switch mode {
	case "bar":
		p.w = stderr.barOut
		stderr.mu.Lock()
		stderr.barOn = true
		stderr.mu.Unlock()
		p.draw(true)
	case "log":
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go p.logEvery(10 * time.Second)
	}
	return p
}

// pace is the flow controller's current rate, for the bar and the log line.
func (p *progress) pace() string {
	if p.flow == nil {
		return "-"
	}
	return formatRate(p.flow().Rate)
}

// update is pipeline.Config.Progress.
func (p *progress) update(pr pipeline.Progress) {
	p.mu.Lock()
	p.last = pr
	p.mu.Unlock()
	p.draw(false)
}

// stats is what the bar and the log line show: rows to do this run (0 when
// not known), the rate of this run's rows per second (0 before there is
// one), and the time left (0 when not known).
func (p *progress) stats(pr pipeline.Progress) (todo int, rate float64, eta time.Duration) {
	if p.total > 0 {
		todo = max(p.total-pr.Skipped, pr.Done)
	}
	if el := p.now().Sub(p.start); pr.Done > 0 && el >= time.Second {
		rate = float64(pr.Done) / el.Seconds()
	}
	if rate > 0 && todo > pr.Done {
		eta = time.Duration(float64(todo-pr.Done) / rate * float64(time.Second)).Round(time.Second)
	}
	return todo, rate, eta
}

// line renders the bar's line for pr.
func (p *progress) line(pr pipeline.Progress) string {
	todo, rate, eta := p.stats(pr)
	var b strings.Builder
	if todo > 0 {
		const width = 20
		fill := min(width, pr.Done*width/todo)
		fmt.Fprintf(&b, "[%s%s] %d/%d rows", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pr.Done, todo)
	} else {
		fmt.Fprintf(&b, "%d rows", pr.Done)
	}
	if pr.Skipped > 0 {
		fmt.Fprintf(&b, " (+%d finished earlier)", pr.Skipped)
	}
	fmt.Fprintf(&b, " · %s, %s", quantity(pr.Failed, "failed", "failed"), quantity(pr.Invalid, "invalid", "invalid"))
	switch {
	case pr.Done == 0:
		b.WriteString(" · starting")
	case rate > 0:
		fmt.Fprintf(&b, " · %s", formatRowRate(rate))
	}
	fmt.Fprintf(&b, " · pace %s", p.pace())
	if eta > 0 {
		fmt.Fprintf(&b, " · ETA %s", eta)
	}
	return b.String()
}

// draw redraws the bar, at most every barThrottle unless force.
func (p *progress) draw(force bool) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if !force && now.Sub(p.drawn) < barThrottle {
		return
	}
	p.drawn = now
	fmt.Fprintf(p.w, "\r\033[K%s", p.line(p.last))
}

// formatRowRate is a rate of rows for people: per second, or per minute
// when under one a second.
func formatRowRate(r float64) string {
	if r < 1 {
		return fmt.Sprintf("%.1f rows/min", r*60)
	}
	return fmt.Sprintf("%.1f rows/s", r)
}

func (p *progress) logEvery(d time.Duration) {
	defer close(p.done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.mu.Lock()
			pr := p.last
			p.mu.Unlock()
			todo, rate, eta := p.stats(pr)
			fields := []zap.Field{zap.Int("done", pr.Done), zap.Int("failed", pr.Failed), zap.Int("invalid", pr.Invalid),
				zap.Int("finishedEarlier", pr.Skipped), zap.Float64("rowsPerSecond", float64(int(rate*10))/10), zap.String("pace", p.pace())}
			if todo > 0 {
				fields = append(fields, zap.Int("toDo", todo))
			}
			if eta > 0 {
				fields = append(fields, zap.Duration("eta", eta))
			}
			p.log.Info("progress", fields...)
		case <-p.stop:
			return
		}
	}
}

// finish draws the bar's last state (as it is: an interrupted run's bar
// does not jump to the end) and ends its line, or stops the log lines.
func (p *progress) finish() {
	if p.w != nil {
		p.draw(true)
		p.mu.Lock()
		fmt.Fprintln(p.w)
		p.mu.Unlock()
	}
	if p.stop != nil {
		close(p.stop)
		<-p.done
	}
}

// stopNotice is pipeline.Config.OnStop: the first SIGINT/SIGTERM says what
// happens next.
func stopNotice(log *zap.Logger) func(inFlight int, grace time.Duration) {
	return func(inFlight int, grace time.Duration) {
		if inFlight == 0 {
			log.Warn("stopping: no row is in flight; the result file is being compacted. Run the same command again to resume")
			return
		}
		log.Warn(fmt.Sprintf("stopping: finishing %s in flight, for up to %s; press Ctrl-C again (or send another SIGTERM) to stop now, and %s redone on the next run",
			quantity(inFlight, "row", "rows"), grace, map[bool]string{true: "it is", false: "they are"}[inFlight == 1]),
			zap.Int("inFlight", inFlight), zap.Duration("grace", grace))
	}
}
