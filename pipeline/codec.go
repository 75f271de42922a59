package pipeline

import "io"

// The journal (journal.go, prior.go) keeps two kinds of file with one
// machinery: run's result file and export's snapshot. What it needs to know
// of a kind's lines is a lineCodec; everything else (the lock, appending and
// syncing in groups, the resume index, healing a torn tail or a damaged line,
// compaction to one line per row in input order) is shared.

// lineCodec is the line format of one kind of file the journal keeps. A
// codec may hold scratch state: one goroutine uses it at a time (the journal
// is opened, then owned by the writer).
type lineCodec interface {
	// header is the file's first line as phonereg writes it, newline
	// included.
	header() string
	// checkHeader reports why line (a first line that is not header()
	// exactly: a byte-order mark, CRLF, columns added at the end) does not
	// head a file of this kind; nil when it does.
	checkHeader(line []byte) error
	// scan reads what the resume index needs of one line without keeping
	// it: its row number (0 for a kind whose lines carry none: a line's row
	// is then its place), its state and its key. ok is false for a line that
	// is not a whole line of this kind.
	scan(line []byte) (row int, st rowState, key uint64, ok bool)
	// decode reads a line back as a Result, for compaction to write it
	// again (under another row number, or in phonereg's own form).
	decode(line []byte) (Result, bool)
	// newEncoder returns an encoder writing lines to w.
	newEncoder(w io.Writer) lineEncoder
}

// lineEncoder writes one line per Result. Not safe for concurrent use.
type lineEncoder interface {
	encode(r Result) error
}

// resultCodec is run's result file (resultfile.go).
type resultCodec struct{}

func (resultCodec) header() string { return headerLine }

func (resultCodec) checkHeader(line []byte) error {
	_, err := checkHeader(line)
	return err
}

func (resultCodec) scan(line []byte) (int, rowState, uint64, bool) { return scanLine(line) }

func (resultCodec) decode(line []byte) (Result, bool) { return decodeLine(line) }

func (resultCodec) newEncoder(w io.Writer) lineEncoder { return newResultEncoder(w) }
