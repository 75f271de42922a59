package main

import (
	"io"
	"os"
	"sync"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal: a terminal device, or a
// writer that says it is one (tests' fake terminal, the way cli/cli's
// iostreams let a test set a stream's TTY-ness).
func isTerminal(w io.Writer) bool {
	if t, ok := w.(interface{ IsTerminal() bool }); ok {
		return t.IsTerminal()
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// useColor reports whether console output to w may use colour: only on a
// terminal, and never when NO_COLOR is set to anything but "" (no-color.org).
func useColor(w io.Writer) bool {
	return isTerminal(w) && os.Getenv("NO_COLOR") == ""
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
		if useColor(stderr.w) {
			encCfg.EncodeLevel = zapcore.CapitalColorLevelEncoder
		}
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
