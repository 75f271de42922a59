package main

import (
	"context"
	"io"
	"time"

	"go.uber.org/zap"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/pipeline"
)

// job is what run, undo and export share once their flags are checked: the
// logger on stderr, the input opened (and counted, for a regular file), the
// Graph client (or the built-in emulator), and, once the command's
// preflight passed, the progress display. Each command adds its own
// preflight and pipeline call between start and finish.
type job struct {
	d       deps
	logs    logOptions
	input   string // --in as given
	errw    *stderrWriter
	log     *zap.Logger
	in      io.Reader
	total   int // the input's data rows, when counted; 0 otherwise
	client  *graphclient.Client
	prog    *progress
	closers []func() // what close releases, last first
}

// startJob opens what a job needs, in order: the logger, the input, the
// client. On an error, what was opened is closed again.
func startJob(ctx context.Context, d deps, input string, logs logOptions, conn connOptions) (*job, error) {
	j := &job{d: d, logs: logs, input: input, errw: newStderrWriter(d.stderr)}
	log, err := newLogger(logs, j.errw)
	if err != nil {
		return nil, err
	}
	j.log = log
	j.closers = append(j.closers, func() { log.Sync() })
	in, total, closeIn, err := openInputFile(ctx, input, d.stdin, true)
	if err != nil {
		j.close()
		return nil, err
	}
	j.in, j.total = in, total
	j.closers = append(j.closers, closeIn)
	conn.showPII = logs.showPII
	client, stopSim, err := connect(d, conn, log)
	if err != nil {
		j.close()
		return nil, err
	}
	j.client = client
	j.closers = append(j.closers, stopSim)
	return j, nil
}

// close releases what startJob opened.
func (j *job) close() {
	for i := len(j.closers) - 1; i >= 0; i-- {
		j.closers[i]()
	}
}

// config starts the progress display and returns the pipeline settings
// every job shares; the command fills in the rest.
func (j *job) config(out string, read pipeline.InputOptions, workers int, grace time.Duration, retryFailed bool) pipeline.Config {
	j.prog = newProgress(j.logs, j.errw, j.total, j.log, j.client.Flow)
	return pipeline.Config{
		Input: j.in, Out: out, Read: read, Now: j.d.clock(),
		Workers: workers, Concurrency: j.client.Concurrency, RetryFailed: retryFailed, Grace: grace,
		Logger: j.log, LogEveryRow: logFormat(j.logs, j.d.stderr) == "json", ShowPII: j.logs.showPII,
		Progress: j.prog.update, OnStop: stopNotice(j.log),
	}
}

// finish ends the progress display, prints the summary, writes
// --summary-json and returns the error the command ends with (finishJob).
func (j *job) finish(summaryJSON string, allowEmpty bool, sum *pipeline.Summary, runErr error) error {
	if j.prog != nil {
		j.prog.finish()
	}
	end := jobEnd{input: j.input, rows: j.total, allowEmpty: allowEmpty, log: j.log, jsonLogs: j.logs.format == "json"}
	return finishJob(j.d, end, summaryJSON, sum, j.client, runErr)
}
