package pipeline

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// A run holds its result file exclusively, through a lock file beside it
// (FILE.lock), so that a second run on the same --out cannot interleave its
// lines with the first's. The lock is the kernel's (flock on unix): it goes
// with the process, so a run killed with SIGKILL leaves no stale lock, only
// the small file, which the next run reuses. The file holds the holder's pid,
// for the message a second run gives. validate and report take no lock.

// ErrLocked is matched by a LockedError.
var ErrLocked = errors.New("the result file is in use by another run")

// LockedError says another run holds the result file.
type LockedError struct {
	Path string // the result file
	PID  int    // the holder's process id, 0 when unknown
}

func (e *LockedError) Error() string {
	who := "another phonereg run"
	if e.PID > 0 {
		who += fmt.Sprintf(" (pid %d)", e.PID)
	}
	return fmt.Sprintf("result file %s is in use by %s: wait for it to finish or stop it, or choose another --out", e.Path, who)
}

// Is makes errors.Is(err, ErrLocked) work.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// resultLock is a held lock on a result file.
type resultLock struct {
	f *os.File
}

// lockResultFile takes the lock of the result file at path, or returns a
// *LockedError naming the holder.
func lockResultFile(path string) (*resultLock, error) {
	name := path + ".lock"
	for {
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fileErr(path, "taking its lock "+name, err)
		}
		held, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fileErr(path, "taking its lock "+name, err)
		}
		if !held {
			pid := readPID(f)
			f.Close()
			return nil, &LockedError{Path: path, PID: pid}
		}
		// The holder before us may have removed the file between our open
		// and our lock: then we hold a lock nobody else can see. Start over.
		if same, err := sameFile(f, name); err != nil || !same {
			f.Close()
			if err != nil {
				return nil, fileErr(path, "taking its lock "+name, err)
			}
			continue
		}
		if err := writePID(f); err != nil {
			f.Close()
			return nil, fileErr(path, "writing its lock "+name, err)
		}
		return &resultLock{f: f}, nil
	}
}

// release removes the lock file and lets the lock go. Removing it first, while
// still holding the lock, is what makes sameFile's check sound.
func (l *resultLock) release() {
	if l == nil || l.f == nil {
		return
	}
	os.Remove(l.f.Name())
	l.f.Close()
	l.f = nil
}

func sameFile(f *os.File, name string) (bool, error) {
	a, err := f.Stat()
	if err != nil {
		return false, err
	}
	b, err := os.Stat(name)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

func readPID(f *os.File) int {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil {
		return 0
	}
	return pid
}
