package pipeline

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/pipeline/internal/phone"
)

// InputOptions says how ReadRows reads an input file.
type InputOptions struct {
	// Delimiter separates cells; 0 detects it from the header line (the
	// most frequent of ',', ';' and tab outside quotes; ',' when none).
	Delimiter rune
	// Maps are --map values as given on the command line: "FIELD=COLUMN"
	// reads FIELD from another column; "FIELD=text {Column} text" joins
	// columns, where an empty placeholder drops the literal text right
	// before it and a field whose placeholders are all empty is empty.
	// FIELD and COLUMN are matched like header names.
	Maps []string
	// Phone says how numbers without a country code are read.
	Phone PhoneOptions
}

// Header describes the input's header row.
type Header struct {
	// Columns are the header's cells as written (trimmed).
	Columns []string
	// Ignored are the named columns no field reads; the caller warns once.
	Ignored []string
	// Delimiter is the delimiter used, given or detected.
	Delimiter rune
}

// InputError means the input cannot be read at all: no header, no user or
// phone column, a bad --map or --delimiter, an unknown default region, text
// that is not UTF-8, an I/O error. Callers exit with code 2. Problems of a
// single row are not errors: the row comes back with Row.Invalid set.
type InputError struct {
	Line int    // 1-based line of the input the problem is on; 0 if none
	Msg  string // what is wrong, in words an admin can act on
	Err  error  // the underlying error, if any
}

func (e *InputError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *InputError) Unwrap() error { return e.Err }

// The fields of a row, in the order of Row.Phones after the two user fields.
const (
	fieldUPN = iota
	fieldUserID
	fieldMobile
	fieldAlternateMobile
	fieldOffice
	numInputFields
)

var inputFieldNames = [numInputFields]string{"userPrincipalName", "userId", "mobile", "alternateMobile", "office"}

const (
	// maxInputRecordBytes bounds one CSV record. A quote that is never closed
	// would otherwise make the rest of the file one field, held in memory.
	maxInputRecordBytes = 1 << 20
	// inputBufferSize is the input's read buffer; the header line must fit
	// for delimiter detection (a longer one is read with the default).
	inputBufferSize = 64 << 10
)

// ReadRows streams the CSV input r and calls fn for every data row that is
// not blank, in input order, from the calling goroutine. It returns the
// header and, when reading stops early, why: the error of fn, ctx's error,
// or an *InputError when the input cannot be read at all (see InputError).
// A row with a problem (no user, no phone, a number that is not valid) is
// not an error: it comes with Row.Invalid set.
//
// ReadRows keeps one record in memory at a time: it reads, normalizes and
// calls fn, one row after another. That is far faster than any run needs
// (make bench: BenchmarkReadRows), so it needs no pool of its own. It
// returns when ctx is done even while r.Read blocks (a pipe whose writer is
// idle), the header's included; that Read is left to end on its own.
func ReadRows(ctx context.Context, r io.Reader, o InputOptions, fn func(Row) error) (Header, error) {
	in, err := newInputReader(&ctxReader{ctx: ctx, r: r}, o)
	if err != nil && ctx.Err() != nil {
		return in.header, ctx.Err() // it gave way in Read
	}
	if err != nil {
		return in.header, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return in.header, err
		}
		raw, err := in.next()
		if err == io.EOF {
			return in.header, nil
		}
		if err != nil && ctx.Err() != nil {
			return in.header, ctx.Err() // it gave way in Read
		}
		if err != nil {
			return in.header, err
		}
		if err := fn(in.row(&raw)); err != nil {
			return in.header, err
		}
	}
}

// rawInputRow is a data row's cells for the fields, before normalization.
type rawInputRow struct {
	num, line int
	cells     [numInputFields]string
	problem   string // a CSV syntax problem of the record
}

// inputReader is an opened input: the header read and the fields located.
type inputReader struct {
	header  Header
	csv     *csv.Reader
	buf     *bufio.Reader
	guard   *recordSizeGuard
	bomLen  int64
	sources [numInputFields]*fieldSource
	phone   PhoneOptions
	keyTag  string // what, besides the cells, an invalid row's key depends on
	// rows counts the data rows read; lastLine is the line the last record
	// started on.
	rows, lastLine int
	key            rowKey
}

// fieldSource is where a field's value comes from: one column, or a template.
type fieldSource struct {
	col   int               // the column, or -1 for a template
	parts []mapTemplatePart // the template: literal text, then a column
	spec  string            // as given, for messages
}

// mapTemplatePart is literal text followed by a placeholder's column; the last
// part of a template may have col -1: trailing text.
type mapTemplatePart struct {
	lit string
	col int
}

// value is the source's trimmed value in record rec.
func (s *fieldSource) value(rec []string) string {
	if s.col >= 0 {
		return inputCell(rec, s.col)
	}
	var b strings.Builder
	some := false
	for _, p := range s.parts {
		if p.col < 0 {
			if some {
				b.WriteString(p.lit)
			}
			continue
		}
		v := inputCell(rec, p.col)
		if v == "" {
			continue
		}
		b.WriteString(p.lit)
		b.WriteString(v)
		some = true
	}
	if !some {
		return ""
	}
	return strings.TrimSpace(b.String())
}

func inputCell(rec []string, i int) string {
	if i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

// CheckInputOptions reports what ReadRows would refuse in o before reading a
// byte (an unknown default region, a delimiter that cannot separate cells, a
// --map of an unknown field, a broken template, a field mapped twice), as the
// *InputError it would return; a command checks its flags with it before any
// request.
func CheckInputOptions(o InputOptions) error {
	_, _, err := checkInputOptions(o)
	return err
}

func checkInputOptions(o InputOptions) (region string, maps [numInputFields]*mapSpec, err error) {
	region, err = phone.CanonicalRegion(o.Phone.DefaultRegion)
	if err != nil {
		return "", maps, &InputError{Msg: "--default-region: " + err.Error()}
	}
	if o.Delimiter != 0 && !validInputDelimiter(o.Delimiter) {
		return "", maps, &InputError{Msg: fmt.Sprintf("--delimiter %q cannot separate cells", o.Delimiter)}
	}
	maps, err = parseMapSpecs(o.Maps)
	return region, maps, err
}

// newInputReader checks the options, reads the header and locates the fields.
func newInputReader(r io.Reader, o InputOptions) (*inputReader, error) {
	in := &inputReader{lastLine: 1}
	region, maps, err := checkInputOptions(o)
	if err != nil {
		return in, err
	}
	in.phone = PhoneOptions{DefaultRegion: region}
	in.keyTag = region + "\x00" + strings.Join(o.Maps, "\x00")

	in.guard = &recordSizeGuard{r: r}
	in.buf = bufio.NewReaderSize(in.guard, inputBufferSize)
	if err := in.skipBOM(); err != nil {
		return in, err
	}
	delim := o.Delimiter
	if delim == 0 {
		if delim, err = detectInputDelimiter(in.buf); err != nil {
			return in, &InputError{Line: 1, Msg: "cannot read the input", Err: err}
		}
	}
	in.header.Delimiter = delim
	in.csv = csv.NewReader(in.buf)
	in.csv.Comma = delim
	in.csv.LazyQuotes = true
	in.csv.FieldsPerRecord = -1
	in.csv.ReuseRecord = true

	rec, err := in.csv.Read()
	switch {
	case err == io.EOF:
		return in, &InputError{Msg: "the input is empty: a header row naming the columns is required"}
	case err != nil:
		return in, in.readError(err, 0)
	}
	in.recordRead()
	line, _ := in.csv.FieldPos(0)
	for i, c := range rec {
		if !utf8.ValidString(c) {
			return in, &InputError{Line: line, Msg: fmt.Sprintf("header column %d is not valid UTF-8: save the file as UTF-8 (in Excel: CSV UTF-8)", i+1)}
		}
		in.header.Columns = append(in.header.Columns, strings.TrimSpace(c))
	}
	if err := in.locate(maps, line); err != nil {
		return in, err
	}
	return in, nil
}

func validInputDelimiter(r rune) bool {
	return r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

// skipBOM drops a UTF-8 byte order mark and refuses UTF-16 text.
func (in *inputReader) skipBOM() error {
	b, err := in.buf.Peek(3)
	if err != nil && err != io.EOF {
		return &InputError{Msg: "cannot read the input", Err: err}
	}
	switch {
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		in.bomLen = 3
		_, _ = in.buf.Discard(3)
	case len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF):
		return &InputError{Line: 1, Msg: "the input is UTF-16 text: save it as UTF-8 (in Excel: CSV UTF-8)"}
	}
	return nil
}

// detectInputDelimiter counts ',', ';' and tabs outside quotes in the first
// non-empty line, without consuming it. It reads no further than that line
// needs, so that a pipe or terminal is not waited on for more.
func detectInputDelimiter(br *bufio.Reader) (rune, error) {
	var line []byte
	for n := 1; ; n++ {
		n = min(max(n, br.Buffered()), br.Size())
		b, err := br.Peek(n)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return 0, err
		}
		b = skipLeadingNewlines(b)
		if i := headerLineEnd(b); i >= 0 {
			line = b[:i]
			break
		}
		if err != nil || n >= br.Size() {
			line = b
			break
		}
	}
	var commas, semicolons, tabs int
	quoted := false
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			commas++
		case c == ';':
			semicolons++
		case c == '\t':
			tabs++
		}
	}
	switch {
	case semicolons > commas && semicolons >= tabs:
		return ';', nil
	case tabs > commas && tabs > semicolons:
		return '\t', nil
	}
	return ',', nil
}

func skipLeadingNewlines(b []byte) []byte {
	for len(b) > 0 && (b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// headerLineEnd is the index of the first newline outside quotes, or -1.
func headerLineEnd(b []byte) int {
	quoted := false
	for i, c := range b {
		switch c {
		case '"':
			quoted = !quoted
		case '\n':
			if !quoted {
				return i
			}
		}
	}
	return -1
}

// mapSpec is a parsed --map.
type mapSpec struct {
	field int
	spec  string   // the value as given
	names []string // the columns: one, or the placeholders
	lits  []string // template: the literal text before each placeholder, then the trailing text
	tmpl  bool
}

func parseMapSpecs(specs []string) ([numInputFields]*mapSpec, error) {
	var maps [numInputFields]*mapSpec
	for _, spec := range specs {
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			return maps, &InputError{Msg: fmt.Sprintf("--map %q: want FIELD=COLUMN", spec)}
		}
		f := fieldByColumnName(name)
		if f < 0 {
			return maps, &InputError{Msg: fmt.Sprintf("--map %q: unknown field %q (want userPrincipalName, userId, mobile, alternateMobile or office)", spec, strings.TrimSpace(name))}
		}
		if maps[f] != nil {
			return maps, &InputError{Msg: fmt.Sprintf("--map %q: %s is already mapped by --map %q", spec, inputFieldNames[f], maps[f].spec)}
		}
		m := &mapSpec{field: f, spec: spec}
		value = strings.TrimSpace(value)
		if value == "" {
			return maps, &InputError{Msg: fmt.Sprintf("--map %q: no column after =", spec)}
		}
		if !strings.ContainsAny(value, "{}") {
			m.names = []string{value}
		} else if err := m.parseTemplate(value); err != nil {
			return maps, &InputError{Msg: fmt.Sprintf("--map %q: %s", spec, err)}
		}
		maps[f] = m
	}
	return maps, nil
}

func (m *mapSpec) parseTemplate(v string) error {
	m.tmpl = true
	var lit strings.Builder
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '}':
			return errors.New("'}' without '{'")
		case '{':
			end := strings.IndexByte(v[i+1:], '}')
			if end < 0 {
				return errors.New("'{' without '}'")
			}
			name := strings.TrimSpace(v[i+1 : i+1+end])
			if name == "" || strings.ContainsRune(name, '{') {
				return fmt.Errorf("bad placeholder {%s}", v[i+1:i+1+end])
			}
			m.lits = append(m.lits, lit.String())
			m.names = append(m.names, name)
			lit.Reset()
			i += end + 1
		default:
			lit.WriteByte(v[i])
		}
	}
	m.lits = append(m.lits, lit.String())
	return nil
}

// foldColumnName folds a column or field name for matching: case-insensitive,
// ignoring spaces, '_' and '-'.
func foldColumnName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '_' || r == '-' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

var foldedFieldNames = func() map[string]int {
	m := map[string]int{}
	for i, n := range inputFieldNames {
		m[foldColumnName(n)] = i
	}
	return m
}()

func fieldByColumnName(s string) int {
	if f, ok := foldedFieldNames[foldColumnName(s)]; ok {
		return f
	}
	return -1
}

// locate finds each field's source in the header.
func (in *inputReader) locate(maps [numInputFields]*mapSpec, line int) error {
	cols := in.header.Columns
	byName := map[string][]int{}
	for i, c := range cols {
		if n := foldColumnName(c); n != "" {
			byName[n] = append(byName[n], i)
		}
	}
	used := make([]bool, len(cols))
	column := func(name string, what string) (int, error) {
		idx := byName[foldColumnName(name)]
		switch len(idx) {
		case 0:
			return 0, &InputError{Line: line, Msg: fmt.Sprintf("%s: no column %q in the header (it has: %s)", what, name, quoteColumns(cols))}
		case 1:
			used[idx[0]] = true
			return idx[0], nil
		}
		return 0, &InputError{Line: line, Msg: fmt.Sprintf("%s: the header has %d columns named like %q (columns %s)", what, len(idx), name, joinColumnNumbers(idx))}
	}
	for f := range numInputFields {
		m := maps[f]
		if m == nil {
			if idx := byName[foldColumnName(inputFieldNames[f])]; len(idx) > 0 {
				c, err := column(inputFieldNames[f], inputFieldNames[f])
				if err != nil {
					return err
				}
				in.sources[f] = &fieldSource{col: c, spec: cols[c]}
			}
			continue
		}
		what := fmt.Sprintf("--map %q", m.spec)
		s := &fieldSource{col: -1, spec: m.spec}
		for i, name := range m.names {
			c, err := column(name, what)
			if err != nil {
				return err
			}
			if !m.tmpl {
				s.col = c
				break
			}
			s.parts = append(s.parts, mapTemplatePart{lit: m.lits[i], col: c})
		}
		if m.tmpl {
			s.parts = append(s.parts, mapTemplatePart{lit: m.lits[len(m.lits)-1], col: -1})
		}
		in.sources[f] = s
	}
	for i, c := range cols {
		if !used[i] && c != "" {
			in.header.Ignored = append(in.header.Ignored, c)
		}
	}
	delim := ""
	if in.header.Delimiter != ',' {
		delim = fmt.Sprintf(", reading cells separated by %q", in.header.Delimiter)
	}
	if in.sources[fieldUPN] == nil && in.sources[fieldUserID] == nil {
		return &InputError{Line: line, Msg: fmt.Sprintf("no user column: the header needs userPrincipalName or userId (it has: %s%s); or use --map userPrincipalName=COLUMN", quoteColumns(cols), delim)}
	}
	if in.sources[fieldMobile] == nil && in.sources[fieldAlternateMobile] == nil && in.sources[fieldOffice] == nil {
		return &InputError{Line: line, Msg: fmt.Sprintf("no phone column: the header needs mobile, alternateMobile or office (it has: %s%s); or use --map mobile=COLUMN", quoteColumns(cols), delim)}
	}
	return nil
}

func quoteColumns(cols []string) string {
	const maxListed = 12
	var quoted []string
	for _, c := range cols {
		if len(quoted) == maxListed {
			quoted = append(quoted, "…")
			break
		}
		quoted = append(quoted, strconv.Quote(c))
	}
	if len(quoted) == 0 {
		return "no columns"
	}
	return strings.Join(quoted, ", ")
}

func joinColumnNumbers(idx []int) string {
	s := make([]string, len(idx))
	for i, v := range idx {
		s[i] = strconv.Itoa(v + 1)
	}
	return strings.Join(s, " and ")
}

// ctxReader gives way when ctx ends, even in the middle of a Read that
// blocks: each Read of r runs in a goroutine of its own, and when ctx ends
// first, Read returns ctx's error and leaves that goroutine to end when r's
// Read returns (its bytes are dropped). One Read at a time; the input is read
// in 64 KiB pieces, so the goroutine costs nothing measurable.
type ctxReader struct {
	ctx  context.Context
	r    io.Reader
	buf  []byte // what the Read in flight reads into; never p, which it could outlive
	done chan readResult
}

type readResult struct {
	n   int
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if c.done == nil {
		c.done = make(chan readResult, 1)
	}
	if cap(c.buf) < len(p) {
		c.buf = make([]byte, len(p))
	}
	buf := c.buf[:len(p)]
	go func() {
		n, err := c.r.Read(buf)
		c.done <- readResult{n, err}
	}()
	select {
	case res := <-c.done:
		return copy(p, buf[:res.n]), res.err
	case <-c.ctx.Done():
		c.buf = nil // the Read in flight keeps it
		return 0, c.ctx.Err()
	}
}

// recordSizeGuard fails reading once a record grows past maxInputRecordBytes.
type recordSizeGuard struct {
	r      io.Reader
	n      int64 // bytes read so far
	recEnd int64 // where the last complete record ended
}

var errInputRecordTooLong = errors.New("record too long")

func (g *recordSizeGuard) Read(p []byte) (int, error) {
	if g.n-g.recEnd > maxInputRecordBytes {
		return 0, errInputRecordTooLong
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// recordRead tells the guard a record ended.
func (in *inputReader) recordRead() {
	in.guard.recEnd = in.bomLen + in.csv.InputOffset()
}

// readError is the *InputError for an error of csv.Reader.Read; after is
// the line the last record started on.
func (in *inputReader) readError(err error, after int) error {
	if errors.Is(err, errInputRecordTooLong) {
		return &InputError{Line: after + 1, Msg: fmt.Sprintf("a record starting here or after is longer than %d MiB: is a quote (\") never closed?", maxInputRecordBytes>>20)}
	}
	return &InputError{Line: after + 1, Msg: "cannot read the input", Err: err}
}

// next reads the next record that is not blank: io.EOF after the last one,
// an *InputError when the input cannot be read on. A record that is not
// well-formed CSV comes as a row with its problem.
func (in *inputReader) next() (rawInputRow, error) {
	for {
		rec, err := in.csv.Read()
		problem := ""
		if err != nil {
			if err == io.EOF {
				return rawInputRow{}, io.EOF
			}
			var pe *csv.ParseError
			if !errors.As(err, &pe) || !isCSVSyntaxErr(pe.Err) {
				return rawInputRow{}, in.readError(err, in.lastLine)
			}
			problem = fmt.Sprintf("line %d: malformed CSV: %s", pe.Line, pe.Err)
			in.lastLine = pe.StartLine
		} else {
			in.lastLine, _ = in.csv.FieldPos(0)
		}
		in.recordRead()
		if problem == "" && blankRecord(rec) {
			continue
		}
		in.rows++
		rr := rawInputRow{num: in.rows, line: in.lastLine, problem: problem}
		big := recordBytes(rec) > 1024
		for f, s := range in.sources {
			if s == nil {
				continue
			}
			v := s.value(rec)
			if big {
				// Do not pin a large record's memory for a short cell.
				v = strings.Clone(v)
			}
			rr.cells[f] = v
		}
		return rr, nil
	}
}

func isCSVSyntaxErr(err error) bool {
	return err == csv.ErrQuote || err == csv.ErrBareQuote || err == csv.ErrFieldCount
}

// blankRecord reports a record whose cells are all empty or spaces.
func blankRecord(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func recordBytes(rec []string) int {
	n := 0
	for _, c := range rec {
		n += len(c)
	}
	return n
}

// row normalizes a raw row.
func (in *inputReader) row(rr *rawInputRow) Row {
	row := Row{Num: rr.num, Line: rr.line}
	var problems []string
	if rr.problem != "" {
		problems = append(problems, rr.problem)
	}
	for _, f := range []int{fieldUPN, fieldUserID} {
		if p := userTextProblem(rr.cells[f]); p != "" {
			problems = append(problems, inputFieldNames[f]+": "+p)
		}
	}
	row.User = rr.cells[fieldUserID]
	if row.User == "" {
		row.User = rr.cells[fieldUPN]
	}
	row.User = strings.ToValidUTF8(row.User, "\uFFFD")
	if row.User == "" {
		problems = append(problems, "no user: "+in.userColumns()+" empty")
	}
	phones := 0
	for i, t := range graphclient.PhoneTypes {
		f := fieldMobile + i
		v := rr.cells[f]
		if v == "" {
			continue
		}
		phones++
		p, err := phone.Normalize(v, in.phone)
		if err != nil {
			problems = append(problems, inputFieldNames[f]+": "+err.Error())
			continue
		}
		row.Phones.Set(t, p)
	}
	if phones == 0 {
		problems = append(problems, "no phone: "+in.phoneColumns()+" empty")
	}
	if len(problems) > 0 {
		row.Invalid = strings.Join(problems, "; ")
		row.Key = in.key.invalid(in.keyTag, &rr.cells)
		return row
	}
	row.Key = in.key.valid(row.User, &row.Phones)
	return row
}

// userTextProblem says what is wrong with a user cell's text, if anything.
func userTextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8: save the file as UTF-8 (in Excel: CSV UTF-8)"
	}
	for _, r := range s {
		if r == '\n' || r == '\r' {
			return "contains a line break: is a quote (\") not closed?"
		}
		if r == '"' {
			return "contains a quote (\"): check the quoting on this line"
		}
		if unicode.IsControl(r) {
			return "contains a control character"
		}
	}
	return ""
}

func (in *inputReader) userColumns() string {
	return in.listFields(fieldUPN, fieldUserID, "is", "are")
}

func (in *inputReader) phoneColumns() string {
	return in.listFields(fieldMobile, fieldOffice, "is", "are")
}

// listFields names the fields from..to the input has, like "mobile and
// office are".
func (in *inputReader) listFields(from, to int, one, many string) string {
	var names []string
	for f := from; f <= to; f++ {
		if in.sources[f] != nil {
			names = append(names, inputFieldNames[f])
		}
	}
	switch len(names) {
	case 1:
		return names[0] + " " + one
	case 2:
		return names[0] + " and " + names[1] + " " + many
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " " + many
}

// rowKey fingerprints a row: FNV-1a 64 over its fields, each prefixed
// with its length in 7-bit groups, so that no two different rows share an
// encoding. The keys are in every result file: the encoding must not change.
// The fields are gathered in buf and hashed in one Write, so that a key costs
// one allocation (its text). Not safe for concurrent use.
type rowKey struct {
	h   hash.Hash64
	buf []byte
}

func (k *rowKey) begin(kind string) {
	if k.h == nil {
		k.h = fnv.New64a()
	}
	k.buf = k.buf[:0]
	k.add(kind)
}

func (k *rowKey) add(s string) {
	for n := uint64(len(s)); ; {
		k.buf = append(k.buf, byte(n&0x7f))
		if n >>= 7; n == 0 {
			break
		}
	}
	k.buf = append(k.buf, s...)
}

// String is the key as the result file holds it: 16 hex digits.
func (k *rowKey) String() string {
	k.h.Reset()
	k.h.Write(k.buf)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], k.h.Sum64())
	return hex.EncodeToString(b[:])
}

// valid fingerprints a valid row: the user and the normalized phones.
func (k *rowKey) valid(user string, phones *Phones[string]) string {
	k.begin("row")
	k.add(user)
	for _, t := range graphclient.PhoneTypes {
		k.add(phones.Get(t))
	}
	return k.String()
}

// invalid fingerprints an invalid row: its cells as read and what their
// reading depends on (the default region, the --map values), so that a row
// fixed in the file or by a flag is redone on resume.
func (k *rowKey) invalid(tag string, cells *[numInputFields]string) string {
	k.begin("invalid")
	k.add(tag)
	for _, c := range cells {
		k.add(c)
	}
	return k.String()
}
