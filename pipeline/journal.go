package pipeline

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"syscall"
)

// The result file (SPEC §4) has one owner: the writer goroutine of Run, which
// alone holds a *journal. Export's snapshot is kept the same way, with its own
// line format (see lineCodec). While a run goes on the file is an append-only
// journal that may hold several lines for a row (the last one wins); lines are
// flushed and fsynced in small groups, so a crash loses at most the rows in
// flight. When the run ends, finished or stopped, compact rewrites it through
// a temporary file, fsync, rename and an fsync of the folder: one line per row
// of this input, in input order, a row skipped because an earlier run
// finished it carrying that run's line under its own row number. Neither the
// journal nor the compaction holds the file in memory: the earlier run's
// index (prior.go, 16 bytes a line) and this run's line offsets (9 bytes a
// row) are all that is kept.

// journal is the open result file. Not safe for concurrent use: one writer
// goroutine owns it.
type journal struct {
	path  string
	codec lineCodec // the kind of file: its header and lines
	f     *os.File
	w     *bufio.Writer
	end   int64 // offset where the next line goes
	prior *prior
	// off is each row's line: > 0 this run's line at that offset (0 is the
	// header), < 0 the earlier run's line -off-1 in prior.lines, 0 none.
	off     paged[int64]
	state   paged[rowState]
	used    []uint64 // bit i: prior.lines[i] is a line of a row of this input
	wrote   bool     // a line was appended this run
	inOrder bool     // every row so far is the earlier run's line of the same place
	lastRef int64    // the offset of the last such line
	pending int      // lines written since the last sync
	buf     bytes.Buffer
	enc     lineEncoder // writes into buf
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
	return openCodecJournal(path, restart, resultCodec{})
}

// openCodecJournal is openJournal for a file of the kind codec knows.
func openCodecJournal(path string, restart bool, codec lineCodec) (*journal, error) {
	lock, err := lockResultFile(path)
	if err != nil {
		return nil, err
	}
	j, err := openLockedJournal(path, restart, codec)
	if err != nil {
		lock.release()
		return nil, err
	}
	j.lock = lock
	return j, nil
}

// openLockedJournal is openJournal once the lock is held.
func openLockedJournal(path string, restart bool, codec lineCodec) (*journal, error) {
	j := &journal{path: path, codec: codec}
	if restart {
		err := os.Rename(path, path+".bak")
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fileErr(j.path, "keeping the old one as .bak", err)
		}
		j.backedUp = err == nil
		if j.backedUp {
			// It holds the same phone numbers: as private as the file.
			if err := os.Chmod(path+".bak", 0o600); err != nil {
				return nil, fileErr(j.path, "keeping the old one as .bak", err)
			}
		}
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
	j.inOrder = true
	header := j.codec.header()
	if fi.Size() == 0 {
		if _, err := j.f.WriteAt([]byte(header), 0); err != nil {
			return fileErr(j.path, "", err)
		}
		j.end = int64(len(header))
		return j.f.Sync()
	}
	start, canonical, err := readHeader(j.f, j.codec)
	if errors.Is(err, errHeaderCut) {
		// A file cut inside its header: nothing was recorded yet.
		if err := j.f.Truncate(0); err != nil {
			return fileErr(j.path, "", err)
		}
		return j.load()
	}
	if err != nil {
		return fmt.Errorf("%s: %w; choose another --out or use --restart", j.path, err)
	}
	p, end, err := loadPrior(j.f, start, canonical, j.codec)
	if err != nil {
		return fileErr(j.path, "", err)
	}
	if end < fi.Size() {
		// Cut the torn or damaged tail after the last whole line: its rows
		// are redone.
		if err := j.f.Truncate(end); err != nil {
			return fileErr(j.path, "cutting a torn last line", err)
		}
		if err := j.f.Sync(); err != nil {
			return fileErr(j.path, "", err)
		}
	}
	j.end = end
	j.prior = p
	j.used = make([]uint64, (len(p.lines)+63)/64)
	return nil
}

// append adds results as journal lines; they are durable only after sync.
func (j *journal) append(rs []Result) error {
	j.buf.Reset()
	if j.enc == nil {
		j.enc = j.codec.newEncoder(&j.buf)
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
	j.wrote = true
	j.off.set(r.Row-1, off)
	j.state.set(r.Row-1, stateOf(r))
}

// skip records that row n of this input is the earlier run's line i, which
// finished it: the compacted file carries that line under row n.
func (j *journal) skip(n, i int) {
	l := j.prior.lines[i]
	if j.wrote || j.used[i/64]&(1<<(i%64)) != 0 || n != j.off.len()+1 || l.off() <= j.lastRef {
		j.inOrder = false
	}
	j.lastRef = l.off()
	j.off.set(n-1, -int64(i)-1)
	j.state.set(n-1, l.state())
	j.markUsed(i)
}

// markUsed records that the earlier run's line i is a row of this input (run
// again or skipped), not a row the input no longer has.
func (j *journal) markUsed(i int) {
	j.used[i/64] |= 1 << (i % 64)
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

// compaction is what compact did.
type compaction struct {
	counts Counts // the compacted file's rows by status
	// retryable counts its failed and partial rows a rerun retries.
	retryable int
	// foreign counts the earlier run's lines of rows this input does not
	// have, dropped from the file and kept in backup.
	foreign int
	backup  string
}

// compact rewrites the journal to one line per row of this input, in input
// order (this run's last line, or the earlier run's line it skipped), and
// closes the journal. When the whole input was run (complete), the earlier
// run's lines of rows this input does not have are dropped, and the file as
// it was is kept as FILE.bak; otherwise they stay, after this input's rows,
// for a later run to resume from.
func (j *journal) compact(complete bool) (compaction, error) {
	defer j.lock.release() // after the file is closed and renamed
	defer j.f.Close()
	if err := j.sync(); err != nil {
		return compaction{}, err
	}
	if c, ok := j.unchanged(complete); ok {
		return c, nil
	}
	c, err := j.rewrite(complete)
	if err != nil {
		return compaction{}, err
	}
	if err := syncDir(filepath.Dir(j.path)); err != nil {
		return c, fileErr(j.path, "compacting: syncing its folder", err)
	}
	return c, nil
}

// unchanged reports whether the compacted file would be the file as it is
// (a rerun that skipped every row of a finished file), and its counts.
func (j *journal) unchanged(complete bool) (compaction, bool) {
	p := j.prior
	if !complete || j.wrote || !j.inOrder || p == nil || !p.ordered || !p.canonical || p.damagedCount > 0 || p.cut > 0 || j.usedCount() != len(p.lines) {
		return compaction{}, false
	}
	c := compaction{counts: Counts{}}
	for i := range j.state.len() {
		if st := j.state.get(i); st&stPresent != 0 {
			c.count(st)
		}
	}
	return c, true
}

// count tallies a line of the compacted file, of state st.
func (c *compaction) count(st rowState) {
	status := st.status()
	c.counts[status]++
	if st&stRetryable != 0 && (status == StatusFailed || status == StatusPartial) {
		c.retryable++
	}
}

func (j *journal) usedCount() int {
	n := 0
	for _, w := range j.used {
		n += bits.OnesCount64(w)
	}
	return n
}

// rewrite writes the compacted file through a temporary file and renames it
// over the journal.
func (j *journal) rewrite(complete bool) (compaction, error) {
	dir := filepath.Dir(j.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(j.path)+".tmp-*")
	if err != nil {
		return compaction{}, fileErr(j.path, "compacting", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return compaction{}, fileErr(j.path, "compacting", err)
	}
	cw := &compactWriter{w: bufio.NewWriterSize(tmp, 256<<10), lr: &lineReader{f: j.f}, prior: j.prior, codec: j.codec}
	cw.w.WriteString(j.codec.header())
	c, err := j.writeRows(cw, complete)
	if err == nil {
		err = cw.w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Close()
	}
	if err == nil && c.foreign > 0 {
		c.backup = j.path + ".bak"
		err = keepBackup(j.path, c.backup)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), j.path)
	}
	if err != nil {
		return compaction{}, fileErr(j.path, "compacting", err)
	}
	ok = true
	return c, nil
}

// writeRows writes this input's rows in order, then, unless the input was
// run whole, the earlier run's lines no row of it claimed.
func (j *journal) writeRows(cw *compactWriter, complete bool) (compaction, error) {
	c := compaction{counts: Counts{}}
	for i := range j.off.len() {
		o := j.off.get(i)
		var err error
		switch {
		case o > 0:
			err = cw.copyLine(o)
		case o < 0:
			err = cw.priorLine(j.prior.lines[-o-1], i+1)
		default:
			continue
		}
		if err != nil {
			return c, fmt.Errorf("row %d: %w", i+1, err)
		}
		c.count(j.state.get(i))
	}
	if j.prior == nil {
		return c, nil
	}
	var left []priorLine
	for i, l := range j.prior.lines {
		if j.used[i/64]&(1<<(i%64)) == 0 {
			left = append(left, l)
		}
	}
	if complete {
		c.foreign = len(left)
		return c, nil
	}
	slices.SortFunc(left, func(a, b priorLine) int { return cmp.Compare(a.off(), b.off()) })
	for _, l := range left {
		if err := cw.priorLine(l, 0); err != nil {
			return c, err
		}
		c.count(l.state())
	}
	return c, nil
}

// compactWriter writes the compacted file's lines.
type compactWriter struct {
	w     *bufio.Writer
	lr    *lineReader
	prior *prior
	codec lineCodec
	enc   lineEncoder
}

func (cw *compactWriter) copyLine(off int64) error {
	line, err := cw.lr.at(off)
	if err != nil {
		return err
	}
	_, err = cw.w.Write(line)
	return err
}

// priorLine writes the earlier run's line l as row n's (n 0: under its own
// row number). It is copied as it is when it already reads so (a line that
// carries no row number always does); otherwise decoded and written again.
func (cw *compactWriter) priorLine(l priorLine, n int) error {
	b, err := cw.lr.at(l.off())
	if err != nil {
		return err
	}
	if row, _, _, ok := cw.codec.scan(b); ok && cw.prior.canonical && (n == 0 || row == 0 || row == n) {
		_, err = cw.w.Write(b)
		return err
	}
	r, ok := cw.codec.decode(b)
	if !ok {
		return fmt.Errorf("the earlier run's line at offset %d no longer reads", l.off())
	}
	if n > 0 {
		r.Row = n
	}
	if cw.enc == nil {
		cw.enc = cw.codec.newEncoder(cw.w)
	}
	return cw.enc.encode(r)
}

// keepBackup keeps the file at path as backup before compaction drops lines
// from it: a hard link when the file system has them, else a copy.
func keepBackup(path, backup string) error {
	os.Remove(backup)
	if err := os.Link(path, backup); err == nil {
		return nil
	}
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(backup, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
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
