package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
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
	// UsersOnly reads only the user (export): a user column is all the
	// header needs, phone columns are neither read nor warned about, a --map
	// of a phone field is refused, and a row's key is its user, lower-cased
	// (see userKey).
	UsersOnly bool
	// From names a legacy provider's export (a Preset: mfa-server, okta,
	// duo) whose columns and rules give the fields; "" reads phonereg's
	// own columns. Maps override the preset's fields (see preset.go). With a
	// preset of one row per phone, a user's adjacent rows (at most 64) are
	// held until the next user's row, or the end, and a few dozen bytes are
	// kept per user.
	From string
}

// Header describes the input's header row.
type Header struct {
	// Columns are the header's cells as written (trimmed).
	Columns []string
	// Ignored are the named columns no field reads; the caller warns once,
	// with IgnoredSummary (Ignored may hold thousands of names).
	Ignored []string
	// Delimiter is the delimiter used, given or detected.
	Delimiter rune
}

// IgnoredSummary lists Ignored for a warning in a few hundred bytes at most,
// however wide the header: the first ten names (each cut at 40 characters,
// quoted only when it holds a comma, a quote or a character that does not
// print), then "and N more". It is "" when no column is ignored.
func (h Header) IgnoredSummary() string {
	return listBounded(len(h.Ignored), func(i int) string {
		name := cutName(h.Ignored[i])
		if strings.ContainsAny(name, `,"`) || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			return strconv.Quote(name)
		}
		return name
	})
}

// InputError means the input cannot be read at all: no header, no user or
// phone column (no user column, with UsersOnly), a bad --map or --delimiter,
// an unknown default region, text that is not UTF-8, a header cell or a
// record too long (see maxInputCellBytes, maxInputRecordBytes), an I/O error.
// Callers exit with code 2. Problems of a single row are not errors: the row
// comes back with Row.Invalid set.
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
	// maxInputCellBytes bounds one cell's text. A longer cell is not held
	// (only its size is kept) and makes its row invalid, in whatever column
	// it is, read or not: no name or number is near that long, and such a
	// cell is most often a quote never closed that swallowed the lines after
	// it, rows that would otherwise be lost without a word. A header cell
	// that long stops the reading.
	maxInputCellBytes = 4 << 10
	// maxInputRecordBytes bounds one record as read, long cells and quoting
	// included: a longer record stops the reading. It keeps a quote never
	// closed from swallowing a whole file into one row, and bounds what the
	// short cells of one record hold.
	maxInputRecordBytes = 64 << 20
	// smallInputRecordBytes: a record holding at most this many bytes of
	// cells becomes one string, which its row's cells share (one allocation
	// a row); a bigger one gives each cell read a string of its own, so that
	// a row does not pin the record's memory.
	smallInputRecordBytes = 1 << 10
	// inputBufferSize is the input's read buffer; the header line must fit
	// for delimiter detection (a longer one is read with the default).
	inputBufferSize = 64 << 10
)

// ReadRows streams the CSV input r and calls fn for every data row that is
// not blank, in input order, from the calling goroutine. It returns the
// header and, when reading stops early, why: the error of fn, ctx's error,
// or an *InputError when the input cannot be read at all (see InputError).
// A row with a problem (no user, no phone, a number that is not valid, more
// cells than the header, a cell longer than 4 KiB) is not an error: it comes
// with Row.Invalid set.
//
// ReadRows keeps one record in memory at a time, and of it only cells of up
// to 4 KiB: it reads, normalizes and calls fn, one row after another. That
// is far faster than any run needs (make bench: BenchmarkReadRows), so it
// needs no pool of its own. (With a --from preset of one row per phone, the
// rows of one user are read together: see InputOptions.From.) It returns when ctx is done even while r.Read
// blocks (a pipe whose writer is idle), the header's included; that Read is
// left to end on its own.
func ReadRows(ctx context.Context, r io.Reader, o InputOptions, fn func(Row) error) (Header, error) {
	return readRows(ctx, r, o, defaultInputLimits, fn)
}

// peekUserColumns reads r's header as ReadRows would with o and reports
// which user fields it has (a column or a --map each), before any row is
// read; replay gives r's bytes again from the start, for ReadRows. It holds
// what it read of r, the header and at most one buffer more. Its errors are
// ReadRows's: an *InputError, or ctx's when ctx ended first.
func peekUserColumns(ctx context.Context, r io.Reader, o InputOptions) (upn, userID bool, replay io.Reader, err error) {
	var seen bytes.Buffer
	in, err := newInputReader(&ctxReader{ctx: ctx, r: io.TeeReader(r, &seen)}, o, defaultInputLimits)
	if err != nil && ctx.Err() != nil {
		return false, false, nil, ctx.Err() // seen may still be written to: let it go
	}
	if err != nil {
		return false, false, nil, err
	}
	return in.sources[fieldUPN] != nil, in.sources[fieldUserID] != nil, io.MultiReader(&seen, r), nil
}

// inputLimits bound what one cell and one record may hold; tests and the
// fuzz target lower them to reach them with small inputs.
type inputLimits struct {
	cell, record int64
}

var defaultInputLimits = inputLimits{cell: maxInputCellBytes, record: maxInputRecordBytes}

// readRows is ReadRows with the limits given.
func readRows(ctx context.Context, r io.Reader, o InputOptions, lim inputLimits, fn func(Row) error) (Header, error) {
	in, err := newInputReader(&ctxReader{ctx: ctx, r: r}, o, lim)
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
			return in.header, in.flushPreset(fn)
		}
		if err != nil && ctx.Err() != nil {
			return in.header, ctx.Err() // it gave way in Read
		}
		if err != nil {
			return in.header, err
		}
		if err := in.emit(&raw, fn); err != nil {
			return in.header, err
		}
	}
}

// rawInputRow is a data row's cells for the fields, before normalization.
type rawInputRow struct {
	num, line int
	// cells are the fields' values; a field whose cell is too long to hold
	// has long set and, for its key, a mark of its size.
	cells   [numInputFields]string
	long    [numInputFields]bool
	problem string // a problem of the record as a whole: cells too many or too long
	// status and errText are a snapshot's cells of those names (see
	// inputReader.snap).
	status, errText string
	// src holds the cells of the columns a --from preset reads (nil without
	// one); notes and noPhone are what its rules said of the row (preset.go).
	src     []string
	notes   []string
	noPhone string
	// presetKey tells apart, in a valid row's key, rows of one user that a
	// preset of one row per phone gave the same phones (an Okta sms and call
	// factor of one number): each row keeps a line of its own to undo.
	presetKey string
}

// inputReader is an opened input: the header read and the fields located.
type inputReader struct {
	header  Header
	scan    *csvScanner
	buf     *bufio.Reader
	sources [numInputFields]*fieldSource
	phone   PhoneOptions
	keyTag  string // what, besides the cells, an invalid row's key depends on
	rows    int    // the data rows read
	key     rowKey
	// usersOnly is InputOptions.UsersOnly; snap locates the status and
	// error of a snapshot export wrote, when the input is one (and
	// usersOnly is not set).
	usersOnly bool
	snap      *snapshotInput
	// preset reads a --from preset's columns and applies its rules.
	preset *presetReader
}

// snapshotInput locates the columns of an input that export wrote whose
// cells run reads besides the user and the phones: a row export could not
// read is not run.
type snapshotInput struct {
	status, err int
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
func (s *fieldSource) value(rec *csvRecord) string {
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

// longCell is the first cell of rec the source reads that was too long to
// hold, if any.
func (s *fieldSource) longCell(rec *csvRecord) (longCell, bool) {
	if len(rec.long) == 0 {
		return longCell{}, false
	}
	if s.col >= 0 {
		return rec.longAt(s.col)
	}
	for _, p := range s.parts {
		if c, ok := rec.longAt(p.col); ok {
			return c, true
		}
	}
	return longCell{}, false
}

// inputCell is the text of cell i as a field reads it: trimmed, and without
// the ' that guards a cell a spreadsheet would run as a formula (the result
// file and export's snapshot write "'+1 2065550100"; see cell).
func inputCell(rec *csvRecord, i int) string {
	return inputText(rec.cell(i))
}

// inputText is a cell's text as the fields read it (see inputCell). The
// guard goes before the trimming that ends it: "'\t" (a guarded tab) reads
// as an empty cell, as the tab alone does.
func inputText(s string) string {
	return strings.TrimSpace(uncell(strings.TrimLeftFunc(s, unicode.IsSpace)))
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
	if err == nil && o.From != "" {
		err = checkPresetName(o.From)
	}
	if err == nil && o.UsersOnly {
		for f := fieldMobile; f < numInputFields; f++ {
			if m := maps[f]; m != nil {
				return "", maps, &InputError{Msg: fmt.Sprintf("--map %q: only the user is read here (userPrincipalName or userId), not %s", m.spec, inputFieldNames[f])}
			}
		}
	}
	return region, maps, err
}

// newInputReader checks the options, reads the header and locates the fields.
func newInputReader(r io.Reader, o InputOptions, lim inputLimits) (*inputReader, error) {
	in := &inputReader{}
	region, maps, err := checkInputOptions(o)
	if err != nil {
		return in, err
	}
	in.phone = PhoneOptions{DefaultRegion: region}
	in.keyTag = region + "\x00" + strings.Join(o.Maps, "\x00")
	in.usersOnly = o.UsersOnly
	if o.From != "" {
		in.preset = newPresetReader(o.From, maps, in.phone)
		in.keyTag += "\x00from\x00" + in.preset.p.Name
	}

	in.buf = bufio.NewReaderSize(r, inputBufferSize)
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
	in.scan = newCSVScanner(in.buf, delim, lim)
	if err := in.readHeader(); err != nil {
		return in, err
	}
	return in, in.locate(maps, in.scan.rec.line)
}

// readHeader reads the header row into in.header.Columns.
func (in *inputReader) readHeader() error {
	rec, err := in.scan.next()
	switch {
	case err == io.EOF:
		return &InputError{Msg: "the input is empty: a header row naming the columns is required"}
	case err != nil:
		return err
	}
	if len(rec.long) > 0 {
		c := rec.long[0]
		return &InputError{Line: rec.line, Msg: fmt.Sprintf("header column %d holds %d bytes, more than a cell may (%s)%s", c.col+1, c.size, byteSize(in.scan.lim.cell), c.quoteHint())}
	}
	in.header.Columns = make([]string, 0, rec.count())
	for i := range rec.count() {
		c := rec.cell(i)
		if !utf8.ValidString(c) {
			return &InputError{Line: rec.line, Msg: fmt.Sprintf("header column %d is not valid UTF-8: save the file as UTF-8 (in Excel: CSV UTF-8)", i+1)}
		}
		in.header.Columns = append(in.header.Columns, strings.TrimSpace(c))
	}
	return nil
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
		if in.usersOnly && f >= fieldMobile {
			markUsed(used, byName[foldColumnName(inputFieldNames[f])]) // known, not read
			continue
		}
		if in.preset != nil && maps[f] == nil {
			continue // the preset's (see presetReader.locate)
		}
		s, err := fieldSourceOf(f, maps[f], cols, byName, column)
		if err != nil {
			return err
		}
		in.sources[f] = s
	}
	if in.preset == nil {
		in.locateSnapshot(byName, used)
	} else if err := in.preset.locate(in, used, line); err != nil {
		return err
	}
	for i, c := range cols {
		if !used[i] && c != "" {
			in.header.Ignored = append(in.header.Ignored, c)
		}
	}
	return in.checkFields(line)
}

// fieldSourceOf finds field f's source: its --map m, or the column named
// like the field (nil when there is none); column finds a named column.
func fieldSourceOf(f int, m *mapSpec, cols []string, byName map[string][]int, column func(name, what string) (int, error)) (*fieldSource, error) {
	if m == nil {
		if len(byName[foldColumnName(inputFieldNames[f])]) == 0 {
			return nil, nil
		}
		c, err := column(inputFieldNames[f], inputFieldNames[f])
		if err != nil {
			return nil, err
		}
		return &fieldSource{col: c, spec: cols[c]}, nil
	}
	what := fmt.Sprintf("--map %q", m.spec)
	s := &fieldSource{col: -1, spec: m.spec}
	for i, name := range m.names {
		c, err := column(name, what)
		if err != nil {
			return nil, err
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
	return s, nil
}

func markUsed(used []bool, idx []int) {
	for _, i := range idx {
		used[i] = true
	}
}

// locateSnapshot recognizes an input that export wrote, by its
// smsSignInState, status and error columns: those columns, and the others
// export writes after them, are known (no warning). Unless only the user is
// read, the status and error are read too (see snapshotProblem).
func (in *inputReader) locateSnapshot(byName map[string][]int, used []bool) {
	for _, name := range snapshotMarkColumns {
		if len(byName[foldColumnName(name)]) == 0 {
			return
		}
	}
	for _, name := range snapshotColumns[numberColumns:] {
		markUsed(used, byName[foldColumnName(name)])
	}
	if !in.usersOnly {
		in.snap = &snapshotInput{status: byName[foldColumnName("status")][0], err: byName[foldColumnName("error")][0]}
	}
}

// checkFields says what the input lacks: a user column, and unless only the
// user is read, a phone column.
func (in *inputReader) checkFields(line int) error {
	cols := in.header.Columns
	delim := ""
	if in.header.Delimiter != ',' {
		delim = fmt.Sprintf(", reading cells separated by %q", in.header.Delimiter)
	}
	if in.preset != nil {
		return in.preset.checkFields(in, line, delim)
	}
	if in.sources[fieldUPN] == nil && in.sources[fieldUserID] == nil {
		return &InputError{Line: line, Msg: fmt.Sprintf("no user column: the header needs userPrincipalName or userId (it has: %s%s); or use --map userPrincipalName=COLUMN", quoteColumns(cols), delim)}
	}
	if !in.usersOnly && in.sources[fieldMobile] == nil && in.sources[fieldAlternateMobile] == nil && in.sources[fieldOffice] == nil {
		return &InputError{Line: line, Msg: fmt.Sprintf("no phone column: the header needs mobile, alternateMobile or office (it has: %s%s); or use --map mobile=COLUMN", quoteColumns(cols), delim)}
	}
	return nil
}

// quoteColumns lists a header's columns for a message, bounded like
// Header.IgnoredSummary, each name quoted.
func quoteColumns(cols []string) string {
	if len(cols) == 0 {
		return "no columns"
	}
	return listBounded(len(cols), func(i int) string { return strconv.Quote(cutName(cols[i])) })
}

// joinColumnNumbers lists 0-based column indexes as 1-based numbers.
func joinColumnNumbers(idx []int) string {
	return listBounded(len(idx), func(i int) string { return strconv.Itoa(idx[i] + 1) })
}

const (
	// maxListedNames is how many names a message lists before "and N more".
	maxListedNames = 10
	// maxListedNameRunes is where a listed name is cut.
	maxListedNameRunes = 40
)

// listBounded lists n items, item(i) the text of the i-th, as English does
// ("a", "a and b", "a, b and c"), but no more than maxListedNames of them:
// "a, b, …, j and 90 more". Messages built with it stay short whatever the
// input's width.
func listBounded(n int, item func(i int) string) string {
	shown := min(n, maxListedNames)
	var b strings.Builder
	for i := range shown {
		switch {
		case i == 0:
		case i == shown-1 && shown == n:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(item(i))
	}
	if n > shown {
		fmt.Fprintf(&b, " and %d more", n-shown)
	}
	return b.String()
}

// cutName cuts a name longer than maxListedNameRunes, marking the cut.
func cutName(s string) string {
	if utf8.RuneCountInString(s) <= maxListedNameRunes {
		return s
	}
	n := 0
	for i := range s {
		if n == maxListedNameRunes-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
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

// next reads the next record that is not blank: io.EOF after the last one,
// an *InputError when the input cannot be read on. What is wrong with the
// record as a whole (more cells than the header, a cell too long) comes
// with its row.
func (in *inputReader) next() (rawInputRow, error) {
	for {
		rec, err := in.scan.next()
		if err != nil {
			return rawInputRow{}, err
		}
		if rec.blankFrom(0) {
			continue
		}
		in.rows++
		rr := rawInputRow{num: in.rows, line: rec.line, problem: in.recordProblem(rec)}
		for f, s := range in.sources {
			if s == nil {
				continue
			}
			if c, ok := s.longCell(rec); ok {
				// An invalid row's key is made of its cells: a mark of the
				// size stands for the text, which is not held.
				rr.cells[f], rr.long[f] = "\x00cell of "+strconv.FormatInt(c.size, 10)+" bytes", true
				continue
			}
			rr.cells[f] = s.value(rec)
		}
		if in.snap != nil {
			rr.status, rr.errText = inputCell(rec, in.snap.status), inputCell(rec, in.snap.err)
		}
		if in.preset != nil {
			rr.src = in.preset.cells(rec)
		}
		return rr, nil
	}
}

// recordProblem says what is wrong with rec as a whole, if anything.
func (in *inputReader) recordProblem(rec *csvRecord) string {
	var problems []string
	// Cells past the header's are fine when empty: spreadsheets write empty
	// cells past the last named column (Excel's "a,b,,"), and they hold
	// nothing to lose. A cell with text there means the row does not line
	// up with the header, most often because a delimiter in a cell is not
	// quoted ("Smith, John"): every cell after it is shifted.
	if n, h := rec.count(), len(in.header.Columns); n > h && !rec.blankFrom(h) {
		problems = append(problems, fmt.Sprintf("has %d cells; the header has %d: is a %s in a cell not quoted?", n, h, delimiterName(in.header.Delimiter)))
	}
	if len(rec.long) > 0 {
		c := rec.long[0]
		p := fmt.Sprintf("%s holds %d bytes, more than a cell may (%s)%s", in.columnName(c.col), c.size, byteSize(in.scan.lim.cell), c.quoteHint())
		if more := len(rec.long) - 1; more > 0 {
			p += fmt.Sprintf(" (and %d more in this row)", more)
		}
		problems = append(problems, p)
	}
	return strings.Join(problems, "; ")
}

// columnName names the input's column col (0-based) for a message.
func (in *inputReader) columnName(col int) string {
	cols := in.header.Columns
	switch {
	case col >= len(cols):
		return fmt.Sprintf("cell %d (past the header's %d columns)", col+1, len(cols))
	case cols[col] == "":
		return fmt.Sprintf("column %d", col+1)
	}
	return fmt.Sprintf("column %d (%s)", col+1, strconv.Quote(cutName(cols[col])))
}

func delimiterName(d rune) string {
	switch d {
	case ',':
		return "comma"
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	}
	return strconv.QuoteRune(d)
}

// byteSize writes a limit for a message: "4 KiB", "64 MiB", "100 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// longCell is a cell too long to hold: where it was, and its size.
type longCell struct {
	col    int   // 0-based
	size   int64 // bytes of its text
	quoted bool  // it opened with a quote
	line   int   // the line it starts on
}

// quoteHint asks about a quote never closed, when the cell opened with one.
func (c longCell) quoteHint() string {
	if !c.quoted {
		return ""
	}
	return fmt.Sprintf(": is the quote (\") that opens it on line %d never closed?", c.line)
}

// csvRecord is one record as csvScanner read it: its cells' text end to end
// in buf, but of a cell too long to hold only its size, in long.
type csvRecord struct {
	line int        // the line it starts on
	buf  []byte     // the cells' text
	ends []int      // where each cell ends in buf
	long []longCell // the cells too long to hold (empty in buf), in order
	size int64      // the bytes read for it
	str  string     // buf as one string, unless big
	big  bool       // buf is longer than smallInputRecordBytes
}

// maxKeptRecordBuffer bounds the buffer a record keeps for the next one.
const maxKeptRecordBuffer = 1 << 20

// reset empties r for the next record, letting go of buffers that grew big
// (a wide header, a record of many cells) instead of keeping them for good.
func (r *csvRecord) reset() {
	buf, ends, long := r.buf[:0], r.ends[:0], r.long[:0]
	if cap(buf) > maxKeptRecordBuffer {
		buf = nil
	}
	if cap(ends) > maxKeptRecordBuffer/8 {
		ends = nil
	}
	if cap(long) > 64 {
		long = nil
	}
	*r = csvRecord{buf: buf, ends: ends, long: long}
}

// finish makes the strings of a record read to its end.
func (r *csvRecord) finish() {
	r.big = len(r.buf) > smallInputRecordBytes
	if !r.big {
		r.str = string(r.buf)
	}
}

func (r *csvRecord) count() int { return len(r.ends) }

// span is where the i-th cell's text is in buf.
func (r *csvRecord) span(i int) (start, end int) {
	if i > 0 {
		start = r.ends[i-1]
	}
	return start, r.ends[i]
}

// cell is the i-th cell's text: "" past the last cell and for a cell too
// long. A big record's cells are strings of their own (see
// smallInputRecordBytes).
func (r *csvRecord) cell(i int) string {
	if i < 0 || i >= len(r.ends) {
		return ""
	}
	start, end := r.span(i)
	if r.big {
		return string(r.buf[start:end])
	}
	return r.str[start:end]
}

func (r *csvRecord) longAt(col int) (longCell, bool) {
	for _, c := range r.long {
		if c.col == col {
			return c, true
		}
	}
	return longCell{}, false
}

// blankFrom reports whether the cells from the i-th on are all empty or
// spaces (a cell too long is neither).
func (r *csvRecord) blankFrom(i int) bool {
	if n := len(r.long); n > 0 && r.long[n-1].col >= i {
		return false
	}
	for ; i < len(r.ends); i++ {
		if start, end := r.span(i); len(bytes.TrimSpace(r.buf[start:end])) > 0 {
			return false
		}
	}
	return true
}

// csvScanner reads the records of CSV text as encoding/csv's Reader does
// with LazyQuotes and FieldsPerRecord -1 (FuzzReadRows holds it to that):
// a quote opens a cell only as its first character, and in a quoted cell a
// quote followed by neither a quote, a delimiter nor a line end is text;
// "\r\n" ends a line as "\n" does and a "\r" that ends the input is
// dropped; empty lines between records are skipped. Unlike that Reader it
// holds a record once, and never a cell longer than lim.cell (only its
// size); a record longer than lim.record stops it. It reads no further than
// the record it returns needs, so a pipe is not waited on for the next one.
// Not safe for concurrent use.
type csvScanner struct {
	br    *bufio.Reader
	comma []byte // the delimiter, UTF-8
	lim   inputLimits
	line  int // the line the next byte is on
	rec   csvRecord
	// The cell being read: how far, where it starts in rec.buf, its size
	// so far, whether it opened with a quote, the line it starts on.
	state      scanState
	cellAt     int
	cellSize   int64
	cellQuoted bool
	cellLine   int
	// The bytes that end a run of text in an unquoted and a quoted cell.
	unquoted, quoted [256]bool
}

type scanState int8

const (
	scanCellStart scanState = iota // before a cell's first byte
	scanUnquoted                   // in a cell that did not open with a quote
	scanQuoted                     // in a quoted cell
	scanQuote                      // just after a quote in a quoted cell
)

// stepResult is how a step of the scan ends.
type stepResult int8

const (
	stepOn   stepResult = iota // go on
	stepMore                   // what follows is not buffered yet
	stepDone                   // the record ended
)

// follow is what the bytes after a cell's text are.
type follow int8

const (
	followText      follow = iota // more text
	followDelimiter               // the delimiter: another cell follows
	followEnd                     // the line, so the record, ends
	followMore                    // cannot tell from what is buffered
)

var (
	quoteText   = []byte{'"'}
	newlineText = []byte{'\n'}
)

func newCSVScanner(br *bufio.Reader, comma rune, lim inputLimits) *csvScanner {
	s := &csvScanner{br: br, comma: utf8.AppendRune(nil, comma), lim: lim, line: 1}
	for _, c := range []byte{s.comma[0], '\n', '\r'} {
		s.unquoted[c] = true
	}
	for _, c := range []byte{'"', '\n', '\r'} {
		s.quoted[c] = true
	}
	return s
}

// next reads the next record: io.EOF after the last one, an *InputError
// when the input cannot be read on or the record is longer than
// lim.record. The record is valid until the next call.
func (s *csvScanner) next() (*csvRecord, error) {
	s.rec.reset()
	if err := s.skipEmptyLines(); err != nil {
		return nil, err
	}
	s.rec.line = s.line
	s.startCell()
	for need := 1; ; {
		w, eof, err := s.window(need)
		if err != nil {
			return nil, s.readError(err)
		}
		n, done := s.scan(w, eof)
		_, _ = s.br.Discard(n)
		if s.rec.size += int64(n); s.rec.size > s.lim.record {
			return nil, s.tooLong()
		}
		if done {
			s.rec.finish()
			return &s.rec, nil
		}
		need = len(w) - n + 1
	}
}

// skipEmptyLines skips the lines with nothing on them before a record; it
// returns io.EOF when the input ends first.
func (s *csvScanner) skipEmptyLines() error {
	for need := 1; ; {
		w, eof, err := s.window(need)
		if err != nil {
			return s.readError(err)
		}
		need = 1
		switch {
		case len(w) == 0:
			return io.EOF
		case w[0] == '\n':
			s.line++
			_, _ = s.br.Discard(1)
		case w[0] != '\r':
			return nil
		case len(w) >= 2 && w[1] == '\n':
			s.line++
			_, _ = s.br.Discard(2)
		case len(w) >= 2:
			return nil // a "\r" that is text
		case eof:
			_, _ = s.br.Discard(1) // a "\r" that ends the input
		default:
			need = 2
		}
	}
}

// window is what br holds unread: at least need bytes, unless the input
// ends first (eof) or cannot be read.
func (s *csvScanner) window(need int) ([]byte, bool, error) {
	if s.br.Buffered() < need {
		if w, err := s.br.Peek(need); len(w) < need {
			if err == io.EOF {
				return w, true, nil
			}
			return nil, false, err
		}
	}
	w, _ := s.br.Peek(s.br.Buffered())
	return w, false, nil
}

func (s *csvScanner) readError(err error) error {
	line := s.rec.line
	if line == 0 {
		line = s.line
	}
	return &InputError{Line: line, Msg: "cannot read the input", Err: err}
}

// tooLong is the error for a record longer than lim.record. It asks about
// a quote never closed only when the record has a quoted cell still open.
func (s *csvScanner) tooLong() error {
	msg := "a record starting here is longer than " + byteSize(s.lim.record)
	if s.state == scanQuoted || s.state == scanQuote {
		msg += fmt.Sprintf(": is the quote (\") that opens its cell %d on line %d never closed?", len(s.rec.ends)+1, s.cellLine)
	} else {
		msg += ", with no quote (\") open in it: is the input a CSV file?"
	}
	return &InputError{Line: s.rec.line, Msg: msg}
}

// scan reads the record on from w, the bytes buffered (with eof, all that
// is left of the input). It returns how many bytes it used and whether the
// record ended; it stops short of the end of w where the meaning of a byte
// depends on bytes not yet buffered ("\r", a quote, part of a delimiter).
func (s *csvScanner) scan(w []byte, eof bool) (int, bool) {
	i, r := 0, stepOn
	for r == stepOn {
		switch s.state {
		case scanCellStart:
			i, r = s.cellStart(w, i, eof)
		case scanUnquoted:
			i, r = s.unquotedText(w, i, eof)
		case scanQuoted:
			i, r = s.quotedText(w, i, eof)
		case scanQuote:
			i, r = s.afterQuote(w, i, eof)
		}
	}
	return i, r == stepDone
}

func (s *csvScanner) cellStart(w []byte, i int, eof bool) (int, stepResult) {
	s.cellLine = s.line
	switch {
	case i < len(w) && w[i] == '"':
		s.state, s.cellQuoted = scanQuoted, true
		return i + 1, stepOn
	case i < len(w) || eof:
		s.state = scanUnquoted
		return i, stepOn
	}
	return i, stepMore
}

func (s *csvScanner) unquotedText(w []byte, i int, eof bool) (int, stepResult) {
	j := i + indexAny(w[i:], &s.unquoted)
	s.add(w[i:j])
	switch what, n := s.follows(w[j:], eof); what {
	case followMore:
		return j, stepMore
	case followText:
		s.add(w[j : j+n])
		return j + n, stepOn
	case followDelimiter:
		s.endCell()
		return j + n, stepOn
	default:
		s.endCell()
		return s.endLine(w, j, n), stepDone
	}
}

func (s *csvScanner) quotedText(w []byte, i int, eof bool) (int, stepResult) {
	j := i + indexAny(w[i:], &s.quoted)
	s.add(w[i:j])
	if j < len(w) && w[j] == '"' {
		s.state = scanQuote
		return j + 1, stepOn
	}
	// w[j:] is empty or starts with "\n" or "\r": a delimiter it is not.
	what, n := s.follows(w[j:], eof)
	switch {
	case what == followMore:
		return j, stepMore
	case n == 0: // the input ends in the cell
		s.endCell()
		return j, stepDone
	case what == followText: // a "\r" that is text
		s.add(w[j : j+n])
	case w[j+n-1] == '\n': // a line break in the cell, "\r\n" or "\n"
		s.add(newlineText)
		s.line++
	}
	return j + n, stepOn
}

func (s *csvScanner) afterQuote(w []byte, i int, eof bool) (int, stepResult) {
	if i < len(w) && w[i] == '"' { // "" stands for one quote
		s.add(quoteText)
		s.state = scanQuoted
		return i + 1, stepOn
	}
	switch what, n := s.follows(w[i:], eof); what {
	case followMore:
		return i, stepMore
	case followDelimiter:
		s.endCell()
		return i + n, stepOn
	case followEnd:
		s.endCell()
		return s.endLine(w, i, n), stepDone
	}
	s.add(quoteText) // a quote that closes nothing is text
	s.state = scanQuoted
	return i, stepOn
}

// follows says what w begins with, for the end of a cell's text, and how
// many bytes that is.
func (s *csvScanner) follows(w []byte, eof bool) (follow, int) {
	switch {
	case len(w) == 0:
		if eof {
			return followEnd, 0
		}
		return followMore, 0
	case w[0] == '\n':
		return followEnd, 1
	case w[0] == '\r':
		switch {
		case len(w) >= 2 && w[1] == '\n':
			return followEnd, 2
		case len(w) >= 2:
			return followText, 1
		case eof:
			return followEnd, 1 // dropped, as encoding/csv does
		}
		return followMore, 0
	case bytes.HasPrefix(w, s.comma):
		return followDelimiter, len(s.comma)
	case !eof && len(w) < len(s.comma) && bytes.HasPrefix(s.comma, w):
		return followMore, 0
	}
	return followText, 1
}

// endLine counts the line end of n bytes at w[i:] and returns where the
// next line starts.
func (s *csvScanner) endLine(w []byte, i, n int) int {
	if n > 0 && w[i+n-1] == '\n' {
		s.line++
	}
	return i + n
}

// add appends p to the cell being read; once the cell is longer than
// lim.cell, only its size grows, and the text it held is let go.
func (s *csvScanner) add(p []byte) {
	s.cellSize += int64(len(p))
	if s.cellSize > s.lim.cell {
		s.rec.buf = s.rec.buf[:s.cellAt]
		return
	}
	s.rec.buf = append(s.rec.buf, p...)
}

func (s *csvScanner) endCell() {
	if s.cellSize > s.lim.cell {
		s.rec.long = append(s.rec.long, longCell{col: len(s.rec.ends), size: s.cellSize, quoted: s.cellQuoted, line: s.cellLine})
	}
	s.rec.ends = append(s.rec.ends, len(s.rec.buf))
	s.startCell()
}

func (s *csvScanner) startCell() {
	s.state, s.cellAt, s.cellSize, s.cellQuoted = scanCellStart, len(s.rec.buf), 0, false
}

// indexAny is the index of the first byte of b that is in set, or len(b).
func indexAny(b []byte, set *[256]bool) int {
	for i, c := range b {
		if set[c] {
			return i
		}
	}
	return len(b)
}

// row normalizes a raw row.
func (in *inputReader) row(rr *rawInputRow) Row {
	row := Row{Num: rr.num, Line: rr.line}
	var problems []string
	if rr.problem != "" {
		problems = append(problems, rr.problem)
	}
	problems = in.readUser(rr, &row, problems)
	problems = checkUser(&row, problems)
	switch {
	case in.usersOnly:
	case in.snap != nil && rr.status != string(StatusSucceeded):
		problems = append(problems, snapshotProblem(rr.status, rr.errText))
	default:
		problems = in.readPhones(rr, &row, problems)
		problems = checkPhones(&row.Phones, problems)
		row.mobile = in.readMobile(rr, &row)
	}
	if len(problems) > 0 {
		row.Invalid = strings.Join(problems, "; ")
	}
	row.Notes = rr.notes
	switch {
	case in.usersOnly:
		row.Key = userKey(&in.key, cell(row.User), cell(row.Invalid))
	case row.Invalid != "" && in.snap != nil:
		// What export found decides the row as well as its cells.
		row.Key = in.key.invalid(in.keyTag+"\x00snapshot\x00"+rr.status, &rr.cells)
	case row.Invalid != "" && rr.src != nil:
		// A preset's rules read more cells than the fields: all of them
		// decide the row.
		row.Key = in.key.invalid(in.keyTag+"\x00"+strings.Join(rr.src, "\x00"), &rr.cells)
	case row.Invalid != "":
		row.Key = in.key.invalid(in.keyTag, &rr.cells)
	default:
		row.Key = in.key.validTagged(row.User, &row.Phones, rr.presetKey)
	}
	return row
}

// readUser reads the row's user cells and its user, and adds what is wrong
// with them to problems.
func (in *inputReader) readUser(rr *rawInputRow, row *Row, problems []string) []string {
	// A field whose cell is too long has its problem in rr.problem: it is
	// not read, but it is there (no "no user" or "no phone" on top).
	for _, f := range []int{fieldUPN, fieldUserID} {
		if rr.long[f] {
			continue
		}
		if p := userTextProblem(rr.cells[f]); p != "" {
			problems = append(problems, inputFieldNames[f]+": "+p)
		}
	}
	if !rr.long[fieldUPN] {
		row.UserPrincipalName = strings.ToValidUTF8(rr.cells[fieldUPN], "\uFFFD")
	}
	if !rr.long[fieldUserID] {
		row.UserID = strings.ToValidUTF8(rr.cells[fieldUserID], "\uFFFD")
	}
	row.User = row.UserID
	if row.User == "" {
		row.User = row.UserPrincipalName
	}
	if row.User == "" && !rr.long[fieldUPN] && !rr.long[fieldUserID] {
		problems = append(problems, "no user: "+in.userColumns()+" empty")
	}
	return problems
}

// readPhones normalizes the row's phones, and adds what is wrong with them
// to problems.
func (in *inputReader) readPhones(rr *rawInputRow, row *Row, problems []string) []string {
	phones := 0
	for i, t := range graphclient.PhoneTypes {
		f := fieldMobile + i
		v := rr.cells[f]
		if v == "" {
			continue
		}
		phones++
		if rr.long[f] {
			continue
		}
		p, err := phone.Normalize(v, in.phone)
		if err != nil {
			problems = append(problems, inputFieldNames[f]+": "+err.Error())
			continue
		}
		if t != graphclient.Office && strings.ContainsRune(p, 'x') {
			problems = append(problems, extensionProblem(t, p))
			continue
		}
		row.Phones.Set(t, p)
	}
	if phones == 0 && rr.noPhone != "" {
		problems = append(problems, rr.noPhone)
	} else if phones == 0 {
		msg := "no phone: " + in.phoneColumns() + " empty"
		if in.snap != nil {
			msg += " (export found no phone method for this user; run adds and updates numbers, it removes none)"
		}
		problems = append(problems, msg)
	}
	return problems
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
	if in.preset != nil {
		return in.preset.userColumns(in)
	}
	return in.listFields(fieldUPN, fieldUserID, "is", "are")
}

func (in *inputReader) phoneColumns() string {
	if in.preset != nil {
		return in.preset.phoneColumns(in)
	}
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
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], k.sum())
	return hex.EncodeToString(b[:])
}

// sum is the key as a number: the value keyHash reads back from String.
func (k *rowKey) sum() uint64 {
	k.h.Reset()
	k.h.Write(k.buf)
	return k.h.Sum64()
}

// valid fingerprints a valid row: the user and the normalized phones.
func (k *rowKey) valid(user string, phones *Phones[string]) string {
	return k.validTagged(user, phones, "")
}

// validTagged is valid with tag added when it is not "" (see
// rawInputRow.presetKey); with "" it is valid's key, as it always was.
func (k *rowKey) validTagged(user string, phones *Phones[string], tag string) string {
	k.begin("row")
	k.add(user)
	for _, t := range graphclient.PhoneTypes {
		k.add(phones.Get(t))
	}
	if tag != "" {
		k.add(tag)
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
