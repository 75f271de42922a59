package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// checkOutputs refuses a file that run writes when it is a file run reads or
// writes already: --out the input (the run would replace the rows it reads;
// with --restart it would rename the input to .bak and write over it), or
// --summary-json the input or the result file. in "-" is stdin: no file.
func checkOutputs(in, out, summaryJSON string) error {
	if in != "-" && sameFile(out, in) {
		return usagef("--out %s: the same file as --in; choose another result file", out)
	}
	if summaryJSON == "" {
		return nil
	}
	if in != "-" && sameFile(summaryJSON, in) {
		return usagef("--summary-json %s: the same file as --in", summaryJSON)
	}
	if sameFile(summaryJSON, out) {
		return usagef("--summary-json %s: the same file as --out", summaryJSON)
	}
	return nil
}

// sameFile reports whether paths a and b name one file: by os.SameFile when
// both exist (another path, a symlink, a hard link), else by their cleaned
// absolute paths.
func sameFile(a, b string) bool {
	ai, errA := os.Stat(a)
	bi, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(ai, bi)
	}
	return absPath(a) == absPath(b)
}

// absPath is path made absolute and cleaned, or path cleaned when the
// working folder is not known.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}

// checkResultPath is checkWritable for a file phonereg keeps as a journal and
// compacts through a temporary file and a rename (a result file, a
// snapshot): it must be a regular file, or not exist yet. /dev/null, a FIFO
// or a device cannot be.
func checkResultPath(flag, path string) error {
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() && !fi.Mode().IsRegular() {
		return usagef("%s %s: not a regular file: it is rewritten through a temporary file and a rename when the job ends, so it must be a file (or not exist yet)", flag, path)
	}
	return checkWritable(flag, path)
}

// checkWritable makes sure the file that flag names can be written, before
// any request: an existing regular file is opened for writing (it is not
// changed), a missing one is created and removed again. A device or a FIFO
// is left to its writer: opening one may block or have effects. path "" is
// not set.
func checkWritable(flag, path string) error {
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return usagef("%s %s: is a folder; want a file", flag, path)
	case err == nil && !fi.Mode().IsRegular():
		return nil
	case err == nil:
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return usagef("%s: %v", flag, err)
		}
		return f.Close()
	case !errors.Is(err, fs.ErrNotExist):
		return usagef("%s: %v", flag, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil // a dangling symlink, or a file just made: its writer will tell
	}
	if err != nil {
		return usagef("%s: %v", flag, err)
	}
	f.Close()
	if err := os.Remove(path); err != nil {
		return usagef("%s: %v", flag, err)
	}
	return nil
}

// checkReadable makes sure the file that flag names exists and is not a
// folder, without opening it: a FIFO (a secret handed over by <(…)) can be
// read only once, by the code that needs it. path "" is not set.
func checkReadable(flag, path string) error {
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return usagef("%s: %v", flag, err)
	}
	if fi.IsDir() {
		return usagef("%s %s: is a folder; want a file", flag, path)
	}
	return nil
}
