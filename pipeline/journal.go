package pipeline

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// The result file (SPEC §4) has one owner: the writer goroutine of Run, which
// alone holds a *journal. While a run goes on the file is an append-only
// journal that may hold several lines for a row (the last one wins); lines are
// flushed and fsynced in small groups, so a crash loses at most the rows in
// flight. When the run ends, finished or stopped, compact rewrites it to one
// line per row, in row order, through a temporary file, fsync, rename and an
// fsync of the folder. Neither the journal nor the compaction holds the file in
// memory: an index of line offsets (8 bytes a row, plus 9 for the previous
// run's rows) is all that is kept.

// maxRows bounds row numbers read from a result file, so that a damaged file
// cannot make the index huge.
const maxRows = 100_000_000

// rowState packs what resume and the summary need of a row's last line.
type rowState uint8

const (
	stPresent rowState = 1 << iota
	stTerminal
	stSucceeded
	stRetryable
)

// statusCodes number statuses for the index (upper bits of rowState).
var statusCodes = map[Status]rowState{StatusSucceeded: 1, StatusPartial: 2, StatusFailed: 3, StatusInvalid: 4, StatusPlanned: 5}
var statusByCode = []Status{"", StatusSucceeded, StatusPartial, StatusFailed, StatusInvalid, StatusPlanned}

func stateOf(r Result) rowState {
	st := stPresent | statusCodes[r.Status]<<4
	if r.Terminal() {
		st |= stTerminal
	}
	if r.Status == StatusSucceeded {
		st |= stSucceeded
	}
	if r.Retryable {
		st |= stRetryable
	}
	return st
}

func (s rowState) status() Status {
	c := int(s >> 4)
	if c < len(statusByCode) {
		return statusByCode[c]
	}
	return ""
}

// prior is what an earlier run left in the result file, read once at start and
// read-only afterwards (the reader consults it while the writer appends).
type prior struct {
	off   paged[int64]
	key   paged[uint64]
	state paged[rowState]
	// dropped counts damaged lines at the end of the file that were cut off.
	dropped int
	// lines counts the lines read.
	lines int
	// ordered: one line per row, rows in increasing order (a compacted file).
	ordered bool
}

// done reports whether row n with key k was finished by an earlier run and
// need not be redone: its last line is terminal (or, with retryFailed,
// succeeded) and its key matches.
func (p *prior) done(n int, k string, retryFailed bool) (rowState, bool) {
	if p == nil || n <= 0 || n > p.state.len() {
		return 0, false
	}
	st := p.state.get(n - 1)
	if st&stPresent == 0 || p.key.get(n-1) != keyHash(k) {
		return st, false
	}
	if retryFailed {
		return st, st&stSucceeded != 0
	}
	return st, st&stTerminal != 0
}

// keyHash is the 64-bit value of a 16-hex-digit key; 0 for anything else.
func keyHash(k string) uint64 {
	v, err := strconv.ParseUint(k, 16, 64)
	if err != nil {
		return 0
	}
	return v
}

// journal is the open result file. Not safe for concurrent use: one writer
// goroutine owns it.
type journal struct {
	path    string
	f       *os.File
	w       *bufio.Writer
	end     int64 // offset where the next line goes
	prior   *prior
	off     paged[int64]    // this run's last line per row, 0 = none (offset 0 is the header)
	state   paged[rowState] // this run's
	pending int             // lines written since the last sync
	buf     bytes.Buffer
	enc     *resultEncoder // writes into buf
	// created: the file did not exist before; backedUp: --restart moved an
	// older one to .bak. abandon undoes both.
	created, backedUp bool
	lock              *resultLock // held until the journal is closed
}

// ResultFileError is a failure to read or write the result file: the run
// cannot record its rows (exit code 2).
type ResultFileError struct {
	Path string
	Op   string // what was being done, or ""
	Err  error
}

func (e *ResultFileError) Error() string {
	s := "result file " + e.Path + ": "
	if e.Op != "" {
		s += e.Op + ": "
	}
	return s + e.Err.Error()
}

func (e *ResultFileError) Unwrap() error { return e.Err }

func fileErr(path, op string, err error) error {
	return &ResultFileError{Path: path, Op: op, Err: err}
}

// openJournal opens (or creates, mode 0600) the result file at path for
// appending and reads what an earlier run left there. With restart, an
// existing file is renamed to path+".bak" first.
func openJournal(path string, restart bool) (*journal, error) {
	lock, err := lockResultFile(path)
	if err != nil {
		return nil, err
	}
	j, err := openLockedJournal(path, restart)
	if err != nil {
		lock.release()
		return nil, err
	}
	j.lock = lock
	return j, nil
}

// openLockedJournal is openJournal once the lock is held.
func openLockedJournal(path string, restart bool) (*journal, error) {
	j := &journal{path: path}
	if restart {
		err := os.Rename(path, path+".bak")
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fileErr(j.path, "keeping the old one as .bak", err)
		}
		j.backedUp = err == nil
	}
	_, err := os.Stat(path)
	j.created = errors.Is(err, os.ErrNotExist)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fileErr(j.path, "", err)
	}
	j.f = f
	if err := j.load(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil { // an older file keeps its mode otherwise; it holds PII
		f.Close()
		return nil, fileErr(j.path, "", err)
	}
	j.w = bufio.NewWriterSize(&offsetWriter{f: f, off: &j.end}, 64<<10)
	return j, nil
}

// offsetWriter writes at an explicit offset (the journal's end), so that a cut
// torn tail is overwritten.
type offsetWriter struct {
	f   *os.File
	off *int64
}

func (o *offsetWriter) Write(p []byte) (int, error) {
	n, err := o.f.WriteAt(p, *o.off)
	*o.off += int64(n)
	return n, err
}

// load reads an existing result file into j.prior, cutting a torn or damaged
// tail, or writes the header into an empty one.
func (j *journal) load() error {
	fi, err := j.f.Stat()
	if err != nil {
		return fileErr(j.path, "", err)
	}
	if fi.Size() == 0 {
		if _, err := j.f.WriteAt([]byte(headerLine), 0); err != nil {
			return fileErr(j.path, "", err)
		}
		j.end = int64(len(headerLine))
		return j.f.Sync()
	}
	p := &prior{ordered: true}
	br := bufio.NewReaderSize(j.f, 256<<10)
	header, err := br.ReadString('\n')
	if err != nil || header != headerLine {
		if err == io.EOF && headerLine[:len(header)] == header {
			// A file cut inside its header: nothing was recorded yet.
			j.end = 0
			if err := j.f.Truncate(0); err != nil {
				return fileErr(j.path, "", err)
			}
			return j.load()
		}
		return fmt.Errorf("%s: %w (its first line is not %q); choose another --out or use --restart", j.path, ErrNotResultFile, headerLine[:len(headerLine)-1])
	}
	off := int64(len(header))
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			p.dropped++ // an absurdly long line: damage; cut here
			break
		}
		if err != nil {
			if len(line) > 0 {
				p.dropped++ // a torn last line without its newline
			}
			break
		}
		n, st, key, ok := scanLine(line)
		if !ok || n > maxRows {
			p.dropped++
			break
		}
		if n <= p.state.len() {
			p.ordered = false
		}
		p.set(n, off, key, st)
		p.lines++
		off += int64(len(line))
	}
	if off < fi.Size() {
		// Cut the damaged tail: everything after the last good line is redone.
		if err := j.f.Truncate(off); err != nil {
			return fileErr(j.path, "cutting a torn last line", err)
		}
		if err := j.f.Sync(); err != nil {
			return fileErr(j.path, "", err)
		}
	}
	j.end = off
	j.prior = p
	return nil
}

func (p *prior) set(n int, off int64, key uint64, st rowState) {
	p.off.set(n-1, off)
	p.key.set(n-1, key)
	p.state.set(n-1, st)
}

// append adds results as journal lines; they are durable only after sync.
func (j *journal) append(rs []Result) error {
	j.buf.Reset()
	if j.enc == nil {
		j.enc = newResultEncoder(&j.buf)
	}
	for _, r := range rs {
		start := j.buf.Len()
		if err := j.enc.encode(r); err != nil {
			return fileErr(j.path, "", err)
		}
		j.note(r, j.end+int64(j.w.Buffered())+int64(start))
	}
	if _, err := j.w.Write(j.buf.Bytes()); err != nil {
		return fileErr(j.path, "", err)
	}
	j.pending += len(rs)
	return nil
}

// note records that row r's last line starts at off.
func (j *journal) note(r Result, off int64) {
	j.off.set(r.Row-1, off)
	j.state.set(r.Row-1, stateOf(r))
}

// sync flushes and fsyncs the journal: after it, every appended line is
// durable.
func (j *journal) sync() error {
	if err := j.w.Flush(); err != nil {
		return fileErr(j.path, "", err)
	}
	if j.pending == 0 {
		return nil
	}
	if err := j.f.Sync(); err != nil {
		return fileErr(j.path, "", err)
	}
	j.pending = 0
	return nil
}

// Counts tallies rows of a result file by status.
type Counts map[Status]int

// compact rewrites the journal to one line per row (this run's last line, or
// the earlier run's), in row order, and returns the rows by status. It syncs
// first, and closes the journal.
func (j *journal) compact() (Counts, error) {
	defer j.lock.release() // after the file is closed and renamed
	defer j.f.Close()
	if err := j.sync(); err != nil {
		return nil, err
	}
	if j.off.len() == 0 && j.prior != nil && j.prior.ordered && j.prior.dropped == 0 {
		// Nothing written and the file already compact (a rerun of a
		// finished file): leave it as it is.
		counts := Counts{}
		for i := range j.prior.state.len() {
			if st := j.prior.state.get(i); st&stPresent != 0 {
				counts[st.status()]++
			}
		}
		return counts, nil
	}
	dir := filepath.Dir(j.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(j.path)+".tmp-*")
	if err != nil {
		return nil, fileErr(j.path, "compacting", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return nil, fileErr(j.path, "compacting", err)
	}
	w := bufio.NewWriterSize(tmp, 256<<10)
	w.WriteString(headerLine)
	counts := Counts{}
	n := j.off.len()
	if j.prior != nil {
		n = max(n, j.prior.off.len())
	}
	lr := &lineReader{f: j.f}
	for i := 0; i < n; i++ {
		var off int64
		var st rowState
		if o := j.off.get(i); o != 0 {
			off, st = o, j.state.get(i)
		} else if ps := j.prior.stateAt(i); ps&stPresent != 0 {
			off, st = j.prior.off.get(i), ps
		} else {
			continue
		}
		line, err := lr.at(off)
		if err != nil {
			return nil, fileErr(j.path, fmt.Sprintf("compacting row %d", i+1), err)
		}
		w.Write(line)
		counts[st.status()]++
	}
	if err := w.Flush(); err != nil {
		return nil, fileErr(j.path, "compacting", err)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fileErr(j.path, "compacting", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fileErr(j.path, "compacting", err)
	}
	if err := os.Rename(tmp.Name(), j.path); err != nil {
		return nil, fileErr(j.path, "compacting", err)
	}
	ok = true
	if err := syncDir(dir); err != nil {
		return counts, fileErr(j.path, "compacting: syncing its folder", err)
	}
	return counts, nil
}

// syncDir makes a rename in dir durable. A file system that cannot sync a
// folder (EINVAL) is not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// abandon closes a journal this run wrote nothing to and puts things back as
// they were: a file it created is removed, a file --restart moved to .bak is
// moved back. It reports false (and does nothing) once a line was written.
func (j *journal) abandon() bool {
	if j.off.len() > 0 {
		return false
	}
	j.f.Close()
	if j.created {
		os.Remove(j.path)
	}
	if j.backedUp {
		os.Rename(j.path+".bak", j.path)
	}
	j.lock.release()
	return true
}

// lineReader reads whole lines at offsets with few system calls: it keeps a
// window of the file and refills it when a line falls outside.
type lineReader struct {
	f     *os.File
	buf   []byte
	start int64 // file offset of buf[0]
}

func (lr *lineReader) at(off int64) ([]byte, error) {
	if off >= lr.start && off < lr.start+int64(len(lr.buf)) {
		rest := lr.buf[off-lr.start:]
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			return rest[:i+1], nil
		}
	}
	if lr.buf == nil {
		lr.buf = make([]byte, 256<<10)
	}
	n, err := lr.f.ReadAt(lr.buf[:cap(lr.buf)], off)
	if n == 0 && err != nil {
		return nil, err
	}
	lr.buf, lr.start = lr.buf[:n], off
	i := bytes.IndexByte(lr.buf, '\n')
	if i < 0 {
		return nil, fmt.Errorf("no end of line within 256 KiB of offset %d", off)
	}
	return lr.buf[:i+1], nil
}

func (p *prior) stateAt(i int) rowState {
	if p == nil {
		return 0
	}
	return p.state.get(i)
}

// pageSize is the number of entries in one page of a paged array.
const pageSize = 1 << 16

// paged is a growable array in fixed pages: growing never copies, so a
// million-row index costs its size, not twice its size while it grows.
type paged[T any] struct {
	pages [][]T
	n     int // 1 + the highest index set
}

func (p *paged[T]) len() int { return p.n }

// get returns entry i, or the zero value beyond what was set.
func (p *paged[T]) get(i int) T {
	var zero T
	if i < 0 || i >= p.n {
		return zero
	}
	pg := p.pages[i/pageSize]
	if pg == nil {
		return zero
	}
	return pg[i%pageSize]
}

func (p *paged[T]) set(i int, v T) {
	for len(p.pages) <= i/pageSize {
		p.pages = append(p.pages, nil)
	}
	pg := p.pages[i/pageSize]
	if pg == nil {
		pg = make([]T, pageSize)
		p.pages[i/pageSize] = pg
	}
	pg[i%pageSize] = v
	p.n = max(p.n, i+1)
}
