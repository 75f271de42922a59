package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hangAfter bounds a command line that must end on its own: past it, the
// test cancels ctx and fails. It is a hang detector, not a speed assertion.
const hangAfter = 20 * time.Second

// cliWithin runs the command line like cli, failing the test when it has not
// ended hangAfter later (ctx is then cancelled, and the test waits a little
// more for it to give way).
func cliWithin(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, stderr := cli(t, ctx, args...)
		done <- result{code, stdout, stderr}
	}()
	select {
	case r := <-done:
		return r.code, r.stdout, r.stderr
	case <-time.After(hangAfter):
		cancel()
	}
	select {
	case r := <-done:
		t.Fatalf("%s: still running after %v; it ended only once cancelled (exit %d)\n%s", strings.Join(args, " "), hangAfter, r.code, r.stderr)
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: still running after %v, and it ignores cancellation", strings.Join(args, " "), hangAfter)
	}
	return 0, "", ""
}

// mkfifo makes a named pipe in a new temporary folder. When content is not
// nil, a goroutine writes it as soon as a reader opens the pipe; at the end of
// the test, a writer still waiting for its reader, or a reader for its
// writer, is released.
func mkfifo(t *testing.T, content *string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.csv")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if content == nil {
		t.Cleanup(func() {
			// Release an open of the reader that still waits for a writer.
			if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		})
		return path
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.WriteString(*content)
		f.Close()
	}()
	t.Cleanup(func() {
		// A reader that opens without waiting lets a writer that still
		// waits go on (and write into the pipe's buffer).
		if r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer r.Close()
		}
		<-done
	})
	return path
}

// devFdPipe is a pipe's read end named as /dev/fd/N, the way a shell's <(…)
// names it and /dev/stdin names a piped stdin; content is written into it
// from a goroutine and the write end closed.
func devFdPipe(t *testing.T, content string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	go func() {
		w.WriteString(content)
		w.Close()
	}()
	return fmt.Sprintf("/dev/fd/%d", r.Fd())
}

const twoRows = "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\nb@contoso.com,+1 206 555 0101\n"

// TestNonSeekableInput: an --in that cannot be read twice (a FIFO, a pipe
// named /dev/fd/N as <(…) and /dev/stdin are) streams like --in -, for run
// and validate alike.
func TestNonSeekableInput(t *testing.T) {
	content := twoRows
	tests := []struct {
		name    string
		in      func(t *testing.T) string
		command string
		has     string
	}{
		{"run from a FIFO", func(t *testing.T) string { return mkfifo(t, &content) }, "run", "succeeded 2"},
		{"run from a pipe as /dev/fd/N", func(t *testing.T) string { return devFdPipe(t, content) }, "run", "succeeded 2"},
		{"validate from a FIFO", func(t *testing.T) string { return mkfifo(t, &content) }, "validate", "2 rows: 0 invalid"},
		{"validate from a pipe as /dev/fd/N", func(t *testing.T) string { return devFdPipe(t, content) }, "validate", "2 rows: 0 invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{tc.command, "--in", tc.in(t)}
			if tc.command == "run" {
				args = append(args, "--sim", "--out", filepath.Join(t.TempDir(), "out.csv"), "--rate", "0", "--progress", "none")
			}
			code, stdout, stderr := cliWithin(t, context.Background(), args...)
			if code != exitOK {
				t.Fatalf("got exit %d; want %d\n%s%s", code, exitOK, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, tc.has) {
				t.Errorf("got output\n%s%s\nwant it to mention %q", stdout, stderr, tc.has)
			}
		})
	}
}

// TestEndlessInput: --in /dev/zero, which never ends and has no newline,
// ends promptly with a usage error (pipeline bounds a record at 1 MiB) and
// leaves no result file behind.
func TestEndlessInput(t *testing.T) {
	tests := []struct {
		name    string
		command string
	}{
		{"run", "run"},
		{"validate", "validate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.csv")
			args := []string{tc.command, "--in", "/dev/zero"}
			if tc.command == "run" {
				args = append(args, "--sim", "--out", out, "--progress", "none")
			}
			code, _, stderr := cliWithin(t, context.Background(), args...)
			if code != exitUsage {
				t.Fatalf("got exit %d; want %d\n%s", code, exitUsage, stderr)
			}
			if want := "longer than 64 MiB"; !strings.Contains(stderr, want) {
				t.Errorf("got stderr %q; want it to mention %q", stderr, want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("got a result file (%v); want none", err)
			}
		})
	}
}

// TestInputOpenGivesWay: opening a FIFO waits for its writer; an interrupt
// ends that wait (exit 130) rather than being ignored.
func TestInputOpenGivesWay(t *testing.T) {
	tests := []struct {
		name string
		args func(in, out string) []string
	}{
		{"run", func(in, out string) []string {
			return []string{"run", "--sim", "--in", in, "--out", out, "--progress", "none"}
		}},
		{"validate", func(in, _ string) []string { return []string{"validate", "--in", in} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := mkfifo(t, nil)
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			code, _, stderr := cliWithin(t, ctx, tc.args(in, filepath.Join(t.TempDir(), "out.csv"))...)
			if code != exitInterrupted {
				t.Fatalf("got exit %d; want %d\n%s", code, exitInterrupted, stderr)
			}
		})
	}
}
