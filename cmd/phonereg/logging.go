package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/pipeline"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newLogger builds the zap logger on stderr: console on a terminal, JSON
// otherwise (or as --log-format says).
func newLogger(o logOptions, stderr *stderrWriter) (*zap.Logger, error) {
	format := logFormat(o, stderr.w)
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	switch format {
	case "json":
		enc = zapcore.NewJSONEncoder(encCfg)
	case "console":
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(encCfg)
	default:
		return nil, usagef("--log-format %q: want auto, console or json", o.format)
	}
	switch o.progress {
	case "auto", "bar", "log", "none":
	default:
		return nil, usagef("--progress %q: want auto, bar, log or none", o.progress)
	}
	level := zap.InfoLevel
	if o.verbose {
		level = zap.DebugLevel
	}
	core := zapcore.NewCore(enc, zapcore.AddSync(stderr), level)
	return zap.New(core), nil
}

// logFormat resolves --log-format auto: console on a terminal, JSON otherwise.
func logFormat(o logOptions, stderr io.Writer) string {
	if o.format == "auto" {
		if isTerminal(stderr) {
			return "console"
		}
		return "json"
	}
	return o.format
}

// stderrWriter is stderr shared by the logs and the progress bar: writes are
// serialized, and a log line first clears the bar's line (the bar redraws on
// its next update) so that the two do not run into each other.
type stderrWriter struct {
	mu     sync.Mutex
	w      io.Writer
	barOn  bool
	barOut barWriter
}

func newStderrWriter(w io.Writer) *stderrWriter {
	s := &stderrWriter{w: w}
	s.barOut = barWriter{s}
	return s
}

func (s *stderrWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.barOn {
		io.WriteString(s.w, "\r\033[K")
	}
	return s.w.Write(p)
}

// barWriter is the progress bar's way to stderr: serialized with the logs.
type barWriter struct{ s *stderrWriter }

func (b barWriter) Write(p []byte) (int, error) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return b.s.w.Write(p)
}

// progress shows the run's progress: a bar on a terminal, a log line every
// 10 s elsewhere, or nothing.
type progress struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	log   *zap.Logger
	last  pipeline.Progress
	total int
	start time.Time
	stop  chan struct{}
	done  chan struct{}
	flow  func() graphclient.FlowStats // the client's pace; nil: not shown
}

func newProgress(o logOptions, stderr *stderrWriter, total int, log *zap.Logger, flow func() graphclient.FlowStats) *progress {
	p := &progress{total: total, start: time.Now(), log: log, flow: flow}
	mode := o.progress
	if mode == "auto" {
		mode = "log"
		if isTerminal(stderr.w) {
			mode = "bar"
		}
	}
	switch mode {
	case "bar":
		max := int64(total)
		if max <= 0 {
			max = -1
		}
		p.bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(stderr.barOut),
			progressbar.OptionSetDescription("rows"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
		)
		stderr.mu.Lock()
		stderr.barOn = true
		stderr.mu.Unlock()
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
	if p.bar != nil {
		if p.total > 0 && pr.Done > p.total {
			p.bar.ChangeMax(pr.Done)
		}
		p.bar.Describe(fmt.Sprintf("rows (%d failed, pace %s)", pr.Failed, p.pace()))
		p.bar.Set(pr.Done)
	}
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
			el := time.Since(p.start)
			rate := float64(pr.Done-pr.Skipped) / el.Seconds()
			fields := []zap.Field{zap.Int("done", pr.Done), zap.Int("failed", pr.Failed), zap.Float64("rowsPerSecond", float64(int(rate*10))/10), zap.String("pace", p.pace())}
			if p.total > 0 {
				fields = append(fields, zap.Int("total", p.total))
				if rate > 0 && p.total > pr.Done {
					fields = append(fields, zap.Duration("eta", time.Duration(float64(p.total-pr.Done)/rate*float64(time.Second)).Round(time.Second)))
				}
			}
			p.log.Info("progress", fields...)
		case <-p.stop:
			return
		}
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
	if p.stop != nil {
		close(p.stop)
		<-p.done
	}
}
