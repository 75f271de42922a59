package main

import (
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
