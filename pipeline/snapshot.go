package pipeline

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/phonereg/phonereg/graphclient"
)

// Export's snapshot (SPEC §1) is known here and nowhere else: its columns,
// how a Result becomes a line and a line a Result again, and the key resume
// finds a line by. It is input for run as it is: the user columns the input
// had (userPrincipalName, userId, or both, as given), then the numbers in
// Graph's form, then what run does not need as input. Its lines carry no row
// number: a line's key is its user, lower-cased, so resume finds a user's
// line wherever it stood, and compaction copies it under any row. Like the
// result file, every line is one physical line, and cells a spreadsheet
// would run as a formula start with ' (the input reader drops it again).

// snapshotColumns follow the user columns, in order; a snapshot may have
// more after them (a spreadsheet's), which readers ignore.
var snapshotColumns = []string{"mobile", "alternateMobile", "office", "smsSignInState", "status", "error", "retryable", "requestId", "finishedAt"}

// numberColumns is how many of snapshotColumns hold numbers (the phone
// fields' names): run reads them, export's input reader ignores them.
const numberColumns = 3

// The snapshot's columns after the user columns, by index.
const (
	snapMobile = iota
	snapAlternateMobile
	snapOffice
	snapSmsSignInState
	snapStatus
	snapError
	snapRetryable
	snapRequestID
	snapFinishedAt
	numSnapColumns
)

// snapshotMarkColumns are the columns that mark an input as a snapshot
// export wrote (see inputReader.locateSnapshot).
var snapshotMarkColumns = []string{"smsSignInState", "status", "error"}

// ErrNotSnapshot is returned when an existing --out of export is not a
// snapshot of an input with the same user columns.
var ErrNotSnapshot = errors.New("not a phonereg snapshot")

// snapshotLine is what a snapshot line holds of a user besides the fields
// of Result: the input's user cells as given, and what export read. Run's
// results leave it empty, but for the user cells of an invalid row.
type snapshotLine struct {
	upn, userID string
	numbers     Phones[string]
	// sms is the mobile's smsSignInState; "" without a mobile.
	sms graphclient.SmsSignInState
}

// read records the user's methods: each known type's number as Graph wrote
// it, and the mobile's SMS sign-in state.
func (s *snapshotLine) read(ms []graphclient.PhoneMethod) {
	for _, t := range graphclient.PhoneTypes {
		if m, ok := graphclient.Find(ms, t); ok {
			s.numbers.Set(t, m.PhoneNumber)
			if t == graphclient.Mobile {
				s.sms = m.SmsSignInState
			}
		}
	}
}

// snapshotProblem is why run does not run a snapshot row export could not
// read: it holds no numbers to put back.
func snapshotProblem(status, errText string) string {
	if status == "" {
		status = "none"
	}
	msg := fmt.Sprintf("export could not read this user (status %s)", status)
	if errText != "" {
		msg += ": " + errText
	}
	return msg + "; export again before putting numbers back"
}

// userKeyOf sets k to the key of a users-only row (export), from its user
// cell and, for an invalid row, its error cell, both as a snapshot line
// holds them (after cell): the user, lower-cased, read back as the input
// reader reads a cell; an invalid row's key adds its problem, so that a row
// fixed in the input is read on resume. The reader (with cell of the row's
// user and problem) and the snapshot's scan (with the line's cells) both
// come here, so the two keys agree whatever the text.
func userKeyOf(k *rowKey, userCell, invalidCell string) {
	user := strings.ToLower(inputText(userCell))
	if id, ok := canonicalObjectID(user); ok {
		user = id // the reader's Row.User: "{…}" is the id without braces
	}
	if invalidCell == "" {
		k.begin("user")
		k.add(user)
		return
	}
	k.begin("invalid-user")
	k.add(user)
	k.add(inputText(invalidCell))
}

// userKey is userKeyOf's key as Row.Key holds it.
func userKey(k *rowKey, userCell, invalidCell string) string {
	userKeyOf(k, userCell, invalidCell)
	return k.String()
}

// snapshotCodec is the snapshot's lineCodec, for an input with the user
// columns upn and userID (one of them at least). Not safe for concurrent use:
// scan keeps a key's scratch.
type snapshotCodec struct {
	upn, userID bool
	columns     []string
	head        string
	key         rowKey
}

func newSnapshotCodec(upn, userID bool) *snapshotCodec {
	c := &snapshotCodec{upn: upn, userID: userID}
	if upn {
		c.columns = append(c.columns, inputFieldNames[fieldUPN])
	}
	if userID || !upn {
		c.userID = true
		c.columns = append(c.columns, inputFieldNames[fieldUserID])
	}
	c.columns = append(c.columns, snapshotColumns...)
	c.head = strings.Join(c.columns, ",") + "\n"
	return c
}

func (c *snapshotCodec) header() string { return c.head }

// users is how many user columns the snapshot has.
func (c *snapshotCodec) users() int { return len(c.columns) - numSnapColumns }

func (c *snapshotCodec) checkHeader(line []byte) error {
	cells := headerCells(line)
	if len(cells) < len(c.columns) || !slices.Equal(cells[:len(c.columns)], c.columns) {
		return fmt.Errorf("%w of this input: its first line is not %q", ErrNotSnapshot, strings.TrimSuffix(c.head, "\n"))
	}
	return nil
}

// fields reads a line's cells, unquoted, into f (the columns it knows; more
// are ignored). ok is false for a line with fewer cells or broken quoting.
func (c *snapshotCodec) fields(line []byte, f []string) bool {
	s := newFieldScanner(line)
	col := 0
	for ; ; col++ {
		b, quoted, more, bad := s.next()
		if bad {
			return false
		}
		if !more {
			break
		}
		switch {
		case col >= len(f):
		case quoted:
			f[col] = string(bytes.ReplaceAll(b, []byte(`""`), []byte(`"`)))
		default:
			f[col] = string(b)
		}
	}
	return col >= len(f)
}

// user is the line's user cell that counts, as run reads it: the userId's
// when set, else the userPrincipalName's.
func (c *snapshotCodec) user(f []string) string {
	if c.userID {
		if id := f[c.users()-1]; inputText(id) != "" || !c.upn {
			return id
		}
	}
	return f[0]
}

func (c *snapshotCodec) scan(line []byte) (int, rowState, uint64, bool) {
	var buf [16]string
	f := buf[:len(c.columns)]
	if !c.fields(line, f) {
		return 0, 0, 0, false
	}
	rest := f[c.users():]
	status := Status(rest[snapStatus])
	if !status.known() {
		return 0, 0, 0, false
	}
	invalid := ""
	if status == StatusInvalid {
		invalid = rest[snapError]
	}
	userKeyOf(&c.key, c.user(f), invalid)
	return 0, stateOf(Result{Status: status, Retryable: rest[snapRetryable] == "true"}), c.key.sum(), true
}

func (c *snapshotCodec) decode(line []byte) (Result, bool) {
	var buf [16]string
	f := buf[:len(c.columns)]
	if !c.fields(line, f) {
		return Result{}, false
	}
	rest := f[c.users():]
	st := Status(rest[snapStatus])
	if !st.known() {
		return Result{}, false
	}
	r := Result{
		Status: st, Error: uncell(rest[snapError]), Retryable: rest[snapRetryable] == "true", RequestID: uncell(rest[snapRequestID]),
		snap: snapshotLine{
			numbers: Phones[string]{Mobile: uncell(rest[snapMobile]), AlternateMobile: uncell(rest[snapAlternateMobile]), Office: uncell(rest[snapOffice])},
			sms:     graphclient.SmsSignInState(uncell(rest[snapSmsSignInState])),
		},
	}
	if c.upn {
		r.snap.upn = uncell(f[0])
	}
	if c.userID {
		r.snap.userID = uncell(f[c.users()-1])
	}
	r.User = uncell(c.user(f))
	if t, err := time.Parse(time.RFC3339, rest[snapFinishedAt]); err == nil {
		r.FinishedAt = t
	}
	return r, true
}

func (c *snapshotCodec) newEncoder(w io.Writer) lineEncoder {
	return &snapshotEncoder{c: c, w: csv.NewWriter(w), fields: make([]string, len(c.columns))}
}

// snapshotEncoder writes snapshot lines: one physical line each, cells a
// spreadsheet would run as a formula guarded with a leading '.
type snapshotEncoder struct {
	c      *snapshotCodec
	w      *csv.Writer
	fields []string
}

func (e *snapshotEncoder) encode(r Result) error {
	f := e.fields
	upn, id := r.snap.upn, r.snap.userID
	if upn == "" && id == "" {
		upn, id = r.User, r.User // a line of another origin: its user in each column it has
	}
	n := 0
	if e.c.upn {
		f[n] = cell(upn)
		n++
	}
	if e.c.userID {
		f[n] = cell(id)
		n++
	}
	rest := f[n:]
	rest[snapMobile] = cell(r.snap.numbers.Mobile)
	rest[snapAlternateMobile] = cell(r.snap.numbers.AlternateMobile)
	rest[snapOffice] = cell(r.snap.numbers.Office)
	rest[snapSmsSignInState] = cell(string(r.snap.sms))
	rest[snapStatus] = string(r.Status)
	rest[snapError] = cell(r.Error)
	rest[snapRetryable] = strconv.FormatBool(r.Retryable)
	rest[snapRequestID] = cell(r.RequestID)
	rest[snapFinishedAt] = ""
	if !r.FinishedAt.IsZero() {
		rest[snapFinishedAt] = r.FinishedAt.UTC().Format(time.RFC3339)
	}
	if err := e.w.Write(f); err != nil {
		return err
	}
	e.w.Flush()
	return e.w.Error()
}
