package pipeline

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The result file's format (SPEC §4) is known here and nowhere else: its
// columns, how a Result becomes a line (resultEncoder) and a line a Result
// again (decodeLine, ResultReader), and the allocation-free scan resume
// indexes a million lines with (scanLine). Every line is one physical line
// (newlines in cells become spaces), so that the file can be indexed by line
// offsets and a torn last line found without parsing the rest. Run's journal,
// ReadReport and the tests all go through it.

// Columns are the result file's columns, in order. A file may have more
// after them (SPEC §4); readers ignore those.
var Columns = []string{"row", "user", "status", "mobile", "alternateMobile", "office", "smsSignIn", "retryable", "error", "requestId", "key", "previous", "finishedAt"}

// Column indexes.
const (
	colRow = iota
	colUser
	colStatus
	colMobile
	colAlternateMobile
	colOffice
	colSmsSignIn
	colRetryable
	colError
	colRequestID
	colKey
	colPrevious
	colFinishedAt
	numColumns
)

// headerLine is the result file's first line.
var headerLine = strings.Join(Columns, ",") + "\n"

// resultEncoder writes result lines: one physical line each, cells a
// spreadsheet would run as a formula guarded with a leading '. Not safe for
// concurrent use.
type resultEncoder struct {
	w      *csv.Writer
	fields [numColumns]string
}

func newResultEncoder(w io.Writer) *resultEncoder {
	return &resultEncoder{w: csv.NewWriter(w)}
}

// encode writes r's line.
func (e *resultEncoder) encode(r Result) error {
	f := &e.fields
	f[colRow] = strconv.Itoa(r.Row)
	f[colUser] = cell(r.User)
	f[colStatus] = string(r.Status)
	f[colMobile] = string(r.Phones.Mobile)
	f[colAlternateMobile] = string(r.Phones.AlternateMobile)
	f[colOffice] = string(r.Phones.Office)
	f[colSmsSignIn] = string(r.SmsSignIn)
	f[colRetryable] = strconv.FormatBool(r.Retryable)
	f[colError] = cell(r.Error)
	f[colRequestID] = cell(r.RequestID)
	f[colKey] = cell(r.Key)
	f[colPrevious] = cell(r.Previous)
	f[colFinishedAt] = ""
	if !r.FinishedAt.IsZero() {
		f[colFinishedAt] = r.FinishedAt.UTC().Format(time.RFC3339)
	}
	if err := e.w.Write(f[:]); err != nil {
		return err
	}
	e.w.Flush()
	return e.w.Error()
}

// formulaStarts are the first characters that make a spreadsheet run a cell.
const formulaStarts = "=+-@\t\r"

// cell makes s safe for one physical CSV line and for spreadsheets.
func cell(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	}
	if s != "" && strings.IndexByte(formulaStarts, s[0]) >= 0 {
		s = "'" + s
	}
	return s
}

// uncell undoes cell's formula guard.
func uncell(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.IndexByte(formulaStarts, s[1]) >= 0 {
		return s[1:]
	}
	return s
}

// fieldScanner walks the fields of one physical CSV line without allocating.
type fieldScanner struct {
	line []byte
	i    int
	done bool
}

func newFieldScanner(line []byte) fieldScanner {
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	return fieldScanner{line: line}
}

// next returns the next field; quoted fields come without their quotes and
// with "" still doubled (quoted reports it). more is false after the last
// field; bad is set for a quote never closed or text after a closing quote.
func (s *fieldScanner) next() (f []byte, quoted, more, bad bool) {
	if s.done {
		return nil, false, false, false
	}
	line, i := s.line, s.i
	if i < len(line) && line[i] == '"' {
		j := i + 1
		for {
			k := bytes.IndexByte(line[j:], '"')
			if k < 0 {
				return nil, true, false, true
			}
			j += k + 1
			if j < len(line) && line[j] == '"' {
				j++
				continue
			}
			break
		}
		if j < len(line) && line[j] != ',' {
			return nil, true, false, true
		}
		f, quoted, i = line[i+1:j-1], true, j
	} else {
		k := bytes.IndexByte(line[i:], ',')
		if k < 0 {
			k = len(line) - i
		}
		f, i = line[i:i+k], i+k
	}
	s.done = i >= len(line)
	s.i = i + 1 // past the comma
	return f, quoted, true, false
}

// scanLine reads what resume's index needs of one result line (row, status,
// retryable, key) without allocating: resume indexes a million lines in well
// under two seconds. ok is false for a line that is not a whole result line.
func scanLine(line []byte) (row int, st rowState, key uint64, ok bool) {
	var status Status
	retryable := false
	var outcomes rowState
	s := newFieldScanner(line)
	col := 0
	for ; ; col++ {
		f, _, more, bad := s.next()
		if bad {
			return 0, 0, 0, false
		}
		if !more {
			break
		}
		switch col {
		case colRow:
			n, err := strconv.Atoi(string(f))
			if err != nil || n <= 0 {
				return 0, 0, 0, false
			}
			row = n
		case colStatus:
			var known bool
			if status, known = statusOf(f); !known {
				return 0, 0, 0, false
			}
		case colMobile, colAlternateMobile, colOffice:
			outcomes |= outcomeState(Outcome(f))
		case colSmsSignIn:
			// Compared as bytes: no allocation per line (see smsOffState).
			if string(f) == string(SmsDisabledByFlag) || string(f) == string(SmsUnavailableInCloud) {
				outcomes |= stSmsOff
			}
		case colRetryable:
			retryable = string(f) == "true"
		case colKey:
			key = keyHash(string(f))
		case colPrevious:
			if len(f) > 0 {
				outcomes |= stPrevious
			}
		}
	}
	if col < numColumns {
		return 0, 0, 0, false
	}
	return row, stateOf(Result{Status: status, Retryable: retryable}) | outcomes, key, true
}

// statusOf is the Status f names, without allocating.
func statusOf(f []byte) (Status, bool) {
	switch string(f) {
	case string(StatusSucceeded):
		return StatusSucceeded, true
	case string(StatusPartial):
		return StatusPartial, true
	case string(StatusFailed):
		return StatusFailed, true
	case string(StatusInvalid):
		return StatusInvalid, true
	case string(StatusPlanned):
		return StatusPlanned, true
	}
	return "", false
}

// decodeLine reads one result line. ok is false for a line that is not a
// whole result line: too few cells, a row that is not a positive number, an
// unknown status, broken quoting.
func decodeLine(line []byte) (Result, bool) {
	var f [numColumns]string
	s := newFieldScanner(line)
	col := 0
	for ; ; col++ {
		b, quoted, more, bad := s.next()
		if bad {
			return Result{}, false
		}
		if !more {
			break
		}
		if col >= numColumns {
			continue // columns a later version adds
		}
		if quoted {
			f[col] = string(bytes.ReplaceAll(b, []byte(`""`), []byte(`"`)))
		} else {
			f[col] = string(b)
		}
	}
	if col < numColumns {
		return Result{}, false
	}
	n, err := strconv.Atoi(f[colRow])
	if err != nil || n <= 0 || !Status(f[colStatus]).known() {
		return Result{}, false
	}
	r := Result{
		Row: n, User: uncell(f[colUser]), Status: Status(f[colStatus]),
		Phones:    Phones[Outcome]{Mobile: Outcome(f[colMobile]), AlternateMobile: Outcome(f[colAlternateMobile]), Office: Outcome(f[colOffice])},
		SmsSignIn: SmsOutcome(f[colSmsSignIn]), Retryable: f[colRetryable] == "true", Error: uncell(f[colError]),
		RequestID: uncell(f[colRequestID]), Key: uncell(f[colKey]), Previous: uncell(f[colPrevious]),
	}
	if t, err := time.Parse(time.RFC3339, f[colFinishedAt]); err == nil {
		r.FinishedAt = t
	}
	return r, true
}

// ErrNotResultFile is returned when a file is not a phonereg result file.
var ErrNotResultFile = errors.New("not a phonereg result file")

// ErrDamagedLine is returned by ResultReader.Next for a line that is not a
// whole result line: a crash's torn tail, or damage. Reading may go on.
var ErrDamagedLine = errors.New("not a whole result line")

// ResultReader reads a result file, journal or compacted, line by line. A
// journal may hold several lines for one row; the last one is the row's.
// Not safe for concurrent use.
type ResultReader struct {
	br   *bufio.Reader
	long []byte // a line longer than br's buffer, gathered
}

// NewResultReader reads and checks r's header line. A header a spreadsheet
// re-saved (a byte-order mark, CRLF) or with columns after phonereg's (SPEC
// §4: more may follow) is a result file's.
func NewResultReader(r io.Reader) (*ResultReader, error) {
	rr := &ResultReader{br: bufio.NewReaderSize(r, 256<<10)}
	header, err := rr.line()
	if err != nil && !errors.Is(err, ErrDamagedLine) && err != io.EOF {
		return nil, err
	}
	if _, err := checkHeader(header); err != nil {
		return nil, err
	}
	return rr, nil
}

// errHeaderCut is a file that ends inside phonereg's header: a run that was
// killed before it recorded anything.
var errHeaderCut = errors.New("the result file ends inside its header")

// readHeader reads and checks the header of the result file f, a file of the
// kind codec knows. start is where its lines begin; canonical is set when the
// header is exactly phonereg's, so that lines can be copied as they are.
func readHeader(f *os.File, codec lineCodec) (start int64, canonical bool, err error) {
	b := make([]byte, 64<<10)
	n, err := f.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		return 0, false, err
	}
	b = b[:n]
	header := codec.header()
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		if strings.HasPrefix(header, string(b)) {
			return 0, false, errHeaderCut
		}
		i = len(b) - 1
	}
	line := b[:i+1]
	if string(line) == header {
		return int64(len(line)), true, nil
	}
	if err := codec.checkHeader(line); err != nil {
		return 0, false, err
	}
	return int64(len(line)), false, nil
}

// CheckResultFile checks, without locking or changing it, that the file at
// path reads as a result file: its header is phonereg's (or a run was killed
// before it finished writing it, and so recorded nothing). It returns an
// error wrapping ErrNotResultFile when it is not, or the error reading it.
func CheckResultFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, _, err := readHeader(f, resultCodec{}); err != nil && !errors.Is(err, errHeaderCut) {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// headerCells are the cells of a file's first line, a byte-order mark
// dropped, up to the first that does not read.
func headerCells(line []byte) []string {
	line = bytes.TrimPrefix(line, []byte("\ufeff"))
	var cells []string
	s := newFieldScanner(line)
	for {
		f, _, more, bad := s.next()
		if bad || !more {
			return cells
		}
		cells = append(cells, string(f))
	}
}

// checkHeader reads a header line: phonereg's columns, then perhaps more.
func checkHeader(line []byte) ([]string, error) {
	cells := headerCells(line)
	if len(cells) < numColumns || !slices.Equal(cells[:numColumns], Columns) {
		return nil, fmt.Errorf("%w: its first line is not %q", ErrNotResultFile, strings.TrimSuffix(headerLine, "\n"))
	}
	return cells, nil
}

// Next returns the next line's result: io.EOF after the last line,
// ErrDamagedLine for a line that is not a whole result line (a last line
// without its newline is one), or the error reading failed with.
func (rr *ResultReader) Next() (Result, error) {
	line, err := rr.line()
	if err != nil {
		return Result{}, err
	}
	r, ok := decodeLine(line)
	if !ok {
		return Result{}, ErrDamagedLine
	}
	return r, nil
}

// line returns the next whole line, valid until the next call.
func (rr *ResultReader) line() ([]byte, error) {
	rr.long = rr.long[:0]
	for {
		b, err := rr.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			rr.long = append(rr.long, b...)
			continue
		}
		if len(rr.long) > 0 {
			b = append(rr.long, b...)
		}
		switch {
		case err == io.EOF && len(b) > 0:
			return nil, ErrDamagedLine // torn: no newline
		case err != nil:
			return nil, err
		}
		return b, nil
	}
}
