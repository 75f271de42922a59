package main

// The torture test's full disk: the result file's tmpfs fills while a run
// works on it (see torture_test.go).

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// diskFullPhase starts the command, lets it write for a while (at least one
// progress line), then fills the result file's file system. The run must stop
// with a clear error and exit 2, and report no row done whose line it did not
// write: not in the summary (processed rows, outcomes), not in the progress
// lines, not in the per-row log lines. Then the disk is freed again.
func (j *journey) diskFullPhase(fsDir string) {
	j.t.Helper()
	before := j.afterExit("disk full: before").lines
	os.Remove(j.summary)
	p := j.start()
	for time.Since(p.began) < 11*time.Second || j.lines() < before+1+20 {
		if p.exited() {
			j.fig.diskFull = "FAILED: the run ended before the disk filled (use more rows)"
			j.t.Errorf("disk full: the run ended before the disk was filled; use more rows\n%s", p.tail())
			j.afterExit("disk full: ended early")
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	filler, err := fillDisk(fsDir)
	defer os.Remove(filler)
	if err != nil {
		j.t.Fatalf("disk full: %v", err)
	}
	code, ok := p.wait(3 * time.Minute)
	if !ok {
		j.t.Fatalf("disk full: the run still runs 3 minutes after the disk filled\n%s", p.tail())
	}
	s := j.afterExit("disk full")
	written := s.lines - before
	j.fig.diskFull = fmt.Sprintf("exit %d after %d lines this run", code, written)
	if code != 2 || !strings.Contains(p.tail(), "no space left on device") {
		j.fig.diskFull = "FAILED: " + j.fig.diskFull
		j.t.Errorf("disk full: got exit %d; want 2 and an error saying no space is left on the device\n%s", code, p.tail())
	}
	if bad := j.checkReportedDone(p, s, written); bad != "" {
		j.fig.diskFull += "; FAILED: " + bad
	}
}

// fillDisk writes a file into dir until the file system has no space left.
func fillDisk(dir string) (string, error) {
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		return path, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return path, nil
			}
			return path, err
		}
	}
}

// tortureSummary is what the torture test reads of --summary-json.
type tortureSummary struct {
	Processed int                       `json:"processed"`
	Skipped   int                       `json:"skipped"`
	Outcomes  map[string]map[string]int `json:"outcomes"`
}

// checkReportedDone compares what the stopped run reported done with the
// result file s, of which written whole lines are this run's. It returns
// what did not hold, "" when all did.
func (j *journey) checkReportedDone(p *tproc, s scanned, written int) string {
	j.t.Helper()
	var bad []string
	var sum tortureSummary
	if b, err := os.ReadFile(j.summary); err != nil {
		bad = append(bad, "no --summary-json")
	} else if err := json.Unmarshal(b, &sum); err != nil {
		bad = append(bad, fmt.Sprintf("--summary-json: %v", err))
	}
	if sum.Processed > written {
		bad = append(bad, fmt.Sprintf("the summary says %d rows processed; %d lines were written", sum.Processed, written))
	}
	for step, outcomes := range sum.Outcomes {
		n := 0
		for _, c := range outcomes {
			n += c
		}
		if n > written {
			bad = append(bad, fmt.Sprintf("the summary counts %d %s outcomes %v; only %d rows' lines were written", n, step, outcomes, written))
		}
	}
	done, logged := progressOf(p.stderr)
	if done > len(s.last) {
		bad = append(bad, fmt.Sprintf("a progress line says %d rows done; the result file has %d", done, len(s.last)))
	}
	for _, row := range logged {
		if _, ok := s.last[row]; !ok {
			bad = append(bad, fmt.Sprintf("row %d was logged done and has no line", row))
			break
		}
	}
	for _, b := range bad {
		j.t.Errorf("disk full: %s", b)
	}
	j.t.Logf("disk full: %d lines written this run; summary: %d processed, outcomes %v; progress: %d done; %d rows logged",
		written, sum.Processed, sum.Outcomes, done, len(logged))
	return strings.Join(bad, "; ")
}

// progressOf reads a run's JSON log: the most rows a progress line reported
// done, and the rows a per-row line reported.
func progressOf(path string) (done int, rows []int) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l struct {
			Msg  string `json:"msg"`
			Done int    `json:"done"`
			Row  int    `json:"row"`
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		switch l.Msg {
		case "progress":
			done = max(done, l.Done)
		case "row":
			rows = append(rows, l.Row)
		}
	}
	return done, rows
}
