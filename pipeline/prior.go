package pipeline

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
)

// What an earlier run left in the result file, read once when a run starts:
// the last line of every row content (key) it holds, wherever it stood.
// Resume goes by content, not by row number: a row of this input is skipped
// when a line with its key finished (Terminal, and none of the options that
// would change its outcome differ), so rows that moved in a fresh export are
// not sent again. The index is 16 bytes a line, sorted by key.

// rowState packs what resume and the summary need of a line.
type rowState uint16

const (
	stPresent rowState = 1 << iota
	stTerminal
	stSucceeded
	stRetryable
	// The outcomes an option decides: a conflict (--on-existing fail), a
	// number kept (--on-existing skip), SMS sign-in off (--sms-sign-in=false,
	// or not available in the cloud: see smsOffState).
	stConflict
	stKept
	stSmsOff
	// stPrevious: the line's previous cell holds numbers the row replaced.
	stPrevious
)

// statusShift places a status's code in rowState's upper bits.
const statusShift = 8

// statusCodes number statuses for the index.
var statusCodes = map[Status]rowState{StatusSucceeded: 1, StatusPartial: 2, StatusFailed: 3, StatusInvalid: 4, StatusPlanned: 5}
var statusByCode = []Status{"", StatusSucceeded, StatusPartial, StatusFailed, StatusInvalid, StatusPlanned}

func stateOf(r Result) rowState {
	st := stPresent | statusCodes[r.Status]<<statusShift
	if r.Terminal() {
		st |= stTerminal
	}
	if r.Status == StatusSucceeded {
		st |= stSucceeded
	}
	if r.Retryable {
		st |= stRetryable
	}
	for _, o := range []Outcome{r.Phones.Mobile, r.Phones.AlternateMobile, r.Phones.Office} {
		st |= outcomeState(o)
	}
	st |= smsOffState(r.SmsSignIn)
	if r.Previous != "" {
		st |= stPrevious
	}
	return st
}

// smsOffState is stSmsOff for an SMS outcome that says the step was not
// taken (disabled-by-flag, unavailable-in-cloud): a run that takes it redoes
// the row.
func smsOffState(o SmsOutcome) rowState {
	if o == SmsDisabledByFlag || o == SmsUnavailableInCloud {
		return stSmsOff
	}
	return 0
}

func outcomeState(o Outcome) rowState {
	switch o {
	case OutcomeConflict:
		return stConflict
	case OutcomeKept:
		return stKept
	}
	return 0
}

func (s rowState) status() Status {
	c := int(s >> statusShift)
	if c < len(statusByCode) {
		return statusByCode[c]
	}
	return ""
}

// resumeRule is what decides whether a line an earlier run left is done.
type resumeRule struct {
	retryFailed bool
	onExisting  OnExisting
	sms         bool
}

// done reports whether a row whose last line has state st need not run
// again: its line is terminal (with retryFailed: succeeded), and no option
// now asks for another outcome than the one it records.
func (rule resumeRule) done(st rowState) bool {
	if rule.retryFailed {
		if st&stSucceeded == 0 {
			return false
		}
	} else if st&stTerminal == 0 {
		return false
	}
	switch {
	case st&stConflict != 0 && rule.onExisting != ExistingFail && rule.onExisting != "":
		return false // the conflict was --on-existing fail's answer
	case st&stKept != 0 && rule.onExisting == ExistingUpdate:
		return false // the number was kept by --on-existing skip
	case st&stSmsOff != 0 && rule.sms:
		return false // SMS sign-in was off (by the flag, or in the cloud)
	}
	return true
}

// priorLine is one entry of the index: a line's key, and its offset (low 48
// bits) with its state (high 16).
type priorLine struct {
	key      uint64
	offState uint64
}

func (l priorLine) off() int64      { return int64(l.offState & (1<<48 - 1)) }
func (l priorLine) state() rowState { return rowState(l.offState >> 48) }
func newPriorLine(key uint64, off int64, st rowState) priorLine {
	return priorLine{key: key, offState: uint64(off) | uint64(st)<<48}
}

// prior is the earlier run's index, read-only once loaded: the reader looks
// rows up while the writer appends.
type prior struct {
	lines []priorLine // the last line of each key, sorted by key
	// read counts the whole lines read; damaged lists the line numbers (1 is
	// the header) of lines that are not result lines and were skipped, and
	// cut the damaged or torn lines cut from the end.
	read         int
	damaged      []int
	damagedCount int
	cut          int
	// ordered: one line per row, rows 1, 2, 3, … in order (a compacted file).
	// canonical: the header is phonereg's own, so lines can be copied as
	// they are; a file a spreadsheet re-saved (BOM, CRLF, columns added) is
	// rewritten line by line instead.
	ordered   bool
	canonical bool
}

// find returns the index of the line with key k.
func (p *prior) find(k string) (int, bool) {
	if p == nil || len(p.lines) == 0 {
		return 0, false
	}
	h := keyHash(k)
	i, ok := slices.BinarySearchFunc(p.lines, h, func(l priorLine, h uint64) int { return cmp.Compare(l.key, h) })
	return i, ok
}

// keyHash is the 64-bit value of a 16-hex-digit key; 0 for anything else.
func keyHash(k string) uint64 {
	v, err := strconv.ParseUint(k, 16, 64)
	if err != nil {
		return 0
	}
	return v
}

// maxRows bounds row numbers read from a result file, so that a damaged file
// cannot make the index huge.
const maxRows = 100_000_000

// maxDamagedListed bounds the damaged line numbers kept for messages.
const maxDamagedListed = 10

// loadPrior reads the result file f (its header already checked: canonical
// says whether it is phonereg's own, start is where the lines begin) into an
// index, its lines read by codec. It returns where the last whole result line
// ends: a torn or damaged tail after it is for the caller to cut.
func loadPrior(f *os.File, start int64, canonical bool, codec lineCodec) (*prior, int64, error) {
	p := &prior{ordered: true, canonical: canonical}
	n, err := countLines(f, start)
	if err != nil {
		return nil, 0, err
	}
	p.lines = make([]priorLine, 0, n)
	br := bufio.NewReaderSize(io.NewSectionReader(f, start, 1<<62), 256<<10)
	off, end := start, start
	lineNo := 1 // the header
	var bad []int
	for {
		line, size, long, err := readLine(br)
		if err != nil && err != io.EOF {
			return nil, 0, err
		}
		if size == 0 && err == io.EOF {
			break
		}
		lineNo++
		row, st, key, ok := codec.scan(line)
		if ok && row == 0 {
			row = p.read + 1 // a line without a row number is its place's
		}
		if long || err == io.EOF || !ok || row > maxRows {
			// Damage, or a torn last line: which of the two is known only
			// once a good line follows, or none does.
			bad = append(bad, lineNo)
			off += int64(size)
			if err == io.EOF {
				break
			}
			continue
		}
		p.noteDamaged(bad)
		bad = bad[:0]
		if row != p.read+1 {
			p.ordered = false
		}
		p.lines = append(p.lines, newPriorLine(key, off, st))
		p.read++
		off += int64(size)
		end = off
	}
	p.cut = len(bad)
	p.index()
	return p, end, nil
}

func (p *prior) noteDamaged(lines []int) {
	for _, n := range lines {
		if len(p.damaged) < maxDamagedListed {
			p.damaged = append(p.damaged, n)
		}
	}
	if len(lines) > 0 {
		p.ordered = false
		p.damagedCount += len(lines)
	}
}

// index sorts the lines by key, keeping the last line of each key (a journal
// may hold several lines of one row; the last one wins).
func (p *prior) index() {
	slices.SortFunc(p.lines, func(a, b priorLine) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.offState&(1<<48-1), b.offState&(1<<48-1)) // file order
	})
	out := p.lines[:0]
	for i, l := range p.lines {
		if i+1 < len(p.lines) && p.lines[i+1].key == l.key {
			p.ordered = false
			continue
		}
		out = append(out, l)
	}
	p.lines = slices.Clip(out)
}

// readLine reads one line with its newline, and its length. A line longer
// than the reader's buffer is read to its end but not returned (long).
func readLine(br *bufio.Reader) (line []byte, n int, long bool, err error) {
	line, err = br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return line, len(line), false, err
	}
	n = len(line)
	for err == bufio.ErrBufferFull {
		line, err = br.ReadSlice('\n')
		n += len(line)
	}
	return nil, n, true, err
}

// countLines counts the newlines in f after start, to size the index once.
func countLines(f *os.File, start int64) (int, error) {
	buf := make([]byte, 1<<20)
	n := 0
	for off := start; ; {
		k, err := f.ReadAt(buf, off)
		n += bytes.Count(buf[:k], []byte{'\n'})
		off += int64(k)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return 0, fmt.Errorf("reading the result file: %w", err)
		}
	}
}
