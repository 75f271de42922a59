package pipeline

// Presets (--from): a legacy MFA provider's export read as phonereg's input.
// A Preset names the columns it reads (matched loosely, as phonereg's own
// are: ignoring case, spaces, '_', '-' and '.') and holds the provider's
// rules, which turn a row's cells into the cells of phonereg's fields; from
// there the row is read as any other (normalization, the extension rule, the
// key). A --map of a field overrides the preset's value for that field.
//
// Two shapes of export exist. One row per user (MFA Server): the preset's
// row rule gives the row's phones. One row per phone (Okta's factors, Duo's
// phones): the preset's phone rule reads one phone, and the rows of one user
// that stand next to each other are read as a group and given their types
// together (assignGroup): the preferred type of each, one phone per type, a
// mobile first where an alternateMobile needs one. This file is the
// machinery; preset_rules.go holds the providers.

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/pipeline/internal/phone"
)

// Preset is a legacy MFA provider's export that ReadRows reads with
// InputOptions.From: the columns it reads and the provider's rules.
type Preset struct {
	// Name is --from's value.
	Name string
	// Summary says in a line which export it reads and how it maps it.
	Summary string

	// columns are the columns the rules read; columns[0] is the user.
	columns []presetColumn
	// need lists, for the phones, sets of columns of which the header must
	// have one each (unless a --map gives a phone field).
	need [][]int
	// phoneCols are the columns that hold numbers, for "no phone" messages.
	phoneCols []int
	// Exactly one of row and phone is set: row for one row per user, phone
	// for one row per phone.
	row   func(src []string, o PhoneOptions) presetRow
	phone func(src []string, o PhoneOptions) presetPhone
}

// presetColumn is a column a preset reads: the names it goes by, the
// export's own first.
type presetColumn struct {
	names []string
}

// presetRow is what a row rule says of a row: the text of its phones
// (before normalization) and its notes.
type presetRow struct {
	cells Phones[string]
	notes []presetNote
}

// presetNote is a warning about one field of a row; a --map of that field
// drops it with the preset's value.
type presetNote struct {
	field graphclient.PhoneType
	text  string
}

// presetPhone is what a phone rule says of a row of one phone.
type presetPhone struct {
	number  string                  // its text, extension included; "" none
	kind    string                  // what the provider calls it (sms, call, mobile, …), for the row's key
	wants   []graphclient.PhoneType // the types it may take, the preferred first
	rank    int                     // in a group, rows of lower rank choose first
	note    string                  // how it was read, when that needs saying
	problem string                  // the row cannot be read: invalid for this
	noPhone string                  // why there is no number, when there is none
}

// Presets lists the presets, in the order help shows them.
func Presets() []Preset {
	out := make([]Preset, len(presets))
	for i, p := range presets {
		out[i] = *p
	}
	return out
}

// PresetNames lists the presets' names, as --from takes them.
func PresetNames() []string {
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.Name
	}
	return names
}

// lookupPreset finds the preset called name, ignoring case and spaces.
func lookupPreset(name string) *Preset {
	for _, p := range presets {
		if strings.EqualFold(strings.TrimSpace(name), p.Name) {
			return p
		}
	}
	return nil
}

// CheckPreset reports whether name is a preset --from knows, as an error
// naming those it knows.
func CheckPreset(name string) error {
	if lookupPreset(name) == nil {
		return fmt.Errorf("unknown preset %q: want %s", name, orList(PresetNames()))
	}
	return nil
}

// checkPresetName is CheckPreset's error as ReadRows returns it.
func checkPresetName(name string) error {
	if err := CheckPreset(name); err != nil {
		return &InputError{Msg: "--from: " + err.Error()}
	}
	return nil
}

// orList joins names as English does: "a", "a or b", "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// presetReader applies a preset to an input: it owns the preset's columns
// and, for a preset of one row per phone, the group of rows being read and
// what earlier groups gave each user. Not safe for concurrent use: the
// inputReader's.
type presetReader struct {
	p      *Preset
	phone  PhoneOptions
	mapped [numInputFields]bool // fields a --map gives
	cols   []int                // each preset column's header column, -1 absent
	// group holds the adjacent rows of one user (groupUser, folded) not yet
	// handed on.
	group     []rawInputRow
	groupUser string
	// lastUser is the user of the group handed on last.
	lastUser string
	// users holds, per user (a hash of the folded name), what earlier groups
	// gave it: rows of a user that do not stand together, or more than a
	// group holds, still get one phone per type. 24 bytes and a map entry a
	// user, for presets of one row per phone only.
	users map[uint64]presetUser
}

// presetUser is what earlier groups gave a user: the types they took (bits
// by typeBit) and a hash of each one's number (numberHash).
type presetUser struct {
	taken  uint8
	number [3]uint32
}

// maxPresetGroup bounds a group: a user's later rows start a new group,
// which still knows the types the earlier took.
const maxPresetGroup = 64

// newPresetReader is the reader of the preset called name (CheckPreset
// passed it), with the --map values maps and the phone options o.
func newPresetReader(name string, maps [numInputFields]*mapSpec, o PhoneOptions) *presetReader {
	r := &presetReader{p: lookupPreset(name), phone: o}
	for f, m := range maps {
		r.mapped[f] = m != nil
	}
	if r.p.phone != nil {
		r.users = map[uint64]presetUser{}
	}
	return r
}

// presetFold folds a column name for a preset: as foldColumnName, and
// ignoring '.' too, so that "profile.phoneNumber", "profile_phoneNumber"
// and "Profile Phone Number" are one name.
func presetFold(s string) string {
	return strings.ReplaceAll(foldColumnName(s), ".", "")
}

// locate finds the preset's columns in in's header and marks them used; the
// user column is the userPrincipalName field's source unless a --map gives
// a user field. A name that two columns match is an error, as it is for
// phonereg's own columns.
func (r *presetReader) locate(in *inputReader, used []bool, line int) error {
	cols := in.header.Columns
	byName := map[string][]int{}
	for i, c := range cols {
		if n := presetFold(c); n != "" {
			byName[n] = append(byName[n], i)
		}
	}
	r.cols = make([]int, len(r.p.columns))
	for i, pc := range r.p.columns {
		r.cols[i] = -1
		for _, name := range pc.names {
			idx := byName[presetFold(name)]
			if len(idx) > 1 {
				return &InputError{Line: line, Msg: fmt.Sprintf("--from %s: the header has %d columns named like %q (columns %s)", r.p.Name, len(idx), name, joinColumnNumbers(idx))}
			}
			if len(idx) == 1 {
				r.cols[i] = idx[0]
				used[idx[0]] = true
				break
			}
		}
	}
	if c := r.cols[0]; c >= 0 && !r.mapped[fieldUPN] && !r.mapped[fieldUserID] {
		in.sources[fieldUPN] = &fieldSource{col: c, spec: cols[c]}
	}
	return nil
}

// checkFields says what the input lacks for the preset: a user column and,
// unless only the user is read or a --map gives a phone field, a column of
// each set the preset needs. delim describes a delimiter other than ','.
func (r *presetReader) checkFields(in *inputReader, line int, delim string) error {
	cols := in.header.Columns
	if in.sources[fieldUPN] == nil && in.sources[fieldUserID] == nil {
		return &InputError{Line: line, Msg: fmt.Sprintf("--from %s: no user column: the header needs %s (it has: %s%s); or use --map userPrincipalName=COLUMN",
			r.p.Name, r.p.columns[0].names[0], quoteColumns(cols), delim)}
	}
	if in.usersOnly || r.mapped[fieldMobile] || r.mapped[fieldAlternateMobile] || r.mapped[fieldOffice] {
		return nil
	}
	for _, set := range r.p.need {
		if slices.ContainsFunc(set, func(c int) bool { return r.cols[c] >= 0 }) {
			continue
		}
		names := make([]string, len(set))
		for i, c := range set {
			names[i] = r.p.columns[c].names[0]
		}
		return &InputError{Line: line, Msg: fmt.Sprintf("--from %s: the header needs %s (it has: %s%s)", r.p.Name, orList(names), quoteColumns(cols), delim)}
	}
	return nil
}

// userColumns names the user column for a "no user" message.
func (r *presetReader) userColumns(in *inputReader) string {
	if r.mapped[fieldUPN] || r.mapped[fieldUserID] || r.cols[0] < 0 {
		return in.listFields(fieldUPN, fieldUserID, "is", "are")
	}
	return in.header.Columns[r.cols[0]] + " is"
}

// phoneColumns names the columns the phones come from, for a "no phone"
// message: the preset's number columns the header has, and the phone fields
// a --map gives.
func (r *presetReader) phoneColumns(in *inputReader) string {
	var names []string
	for _, c := range r.p.phoneCols {
		if r.cols[c] >= 0 {
			names = append(names, in.header.Columns[r.cols[c]])
		}
	}
	for f := fieldMobile; f <= fieldOffice; f++ {
		if r.mapped[f] {
			names = append(names, inputFieldNames[f])
		}
	}
	if len(names) == 1 {
		return names[0] + " is"
	}
	return listBounded(len(names), func(i int) string { return names[i] }) + " are"
}

// cells are the preset's columns' cells in rec, as fields read them.
func (r *presetReader) cells(rec *csvRecord) []string {
	src := make([]string, len(r.cols))
	for i, c := range r.cols {
		if c >= 0 {
			src[i] = inputCell(rec, c)
		}
	}
	return src
}

// emit hands rr on to fn as a Row, through the preset's rules when the input
// has one: a row of one row per user at once, a row of one row per phone
// once its user's group is complete (the next row is another user's, or the
// input ends: see flushPreset). Rows reach fn in input order.
func (in *inputReader) emit(rr *rawInputRow, fn func(Row) error) error {
	r := in.preset
	switch {
	case r == nil || in.usersOnly:
		return fn(in.row(rr))
	case r.p.row != nil:
		r.applyRow(rr)
		return fn(in.row(rr))
	}
	user := groupUser(rr)
	if len(r.group) > 0 && (user == "" || user != r.groupUser || len(r.group) >= maxPresetGroup) {
		if err := in.flushPreset(fn); err != nil {
			return err
		}
	}
	r.group, r.groupUser = append(r.group, *rr), user
	if user == "" { // no user: invalid, and no one's group
		return in.flushPreset(fn)
	}
	return nil
}

// flushPreset hands on the group of rows the preset holds, if any.
func (in *inputReader) flushPreset(fn func(Row) error) error {
	r := in.preset
	if r == nil || len(r.group) == 0 {
		return nil
	}
	r.assignGroup(r.group)
	defer func() { clear(r.group); r.group = r.group[:0] }()
	for i := range r.group {
		if err := fn(in.row(&r.group[i])); err != nil {
			return err
		}
	}
	return nil
}

// groupUser is the user a row's phones go to, folded: its userId, else its
// userPrincipalName.
func groupUser(rr *rawInputRow) string {
	u := rr.cells[fieldUserID]
	if u == "" {
		u = rr.cells[fieldUPN]
	}
	return strings.ToLower(u)
}

// applyRow applies a row rule to rr.
func (r *presetReader) applyRow(rr *rawInputRow) {
	out := r.p.row(rr.src, r.phone)
	r.checkUser(rr)
	for _, t := range graphclient.PhoneTypes {
		r.setCell(rr, t, out.cells.Get(t))
	}
	for _, n := range out.notes {
		r.note(rr, n.field, n.text)
	}
}

// setCell sets rr's cell of type t to the preset's text, unless a --map
// gives that field.
func (r *presetReader) setCell(rr *rawInputRow, t graphclient.PhoneType, text string) {
	if f := phoneField(t); !r.mapped[f] {
		rr.cells[f] = text
	}
}

// note adds a note about field t to rr, unless a --map gives that field.
func (r *presetReader) note(rr *rawInputRow, t graphclient.PhoneType, text string) {
	if !r.mapped[phoneField(t)] {
		rr.notes = append(rr.notes, text)
	}
}

// checkUser makes rr invalid when the user the preset's column gives cannot
// be an Entra user: Graph takes a userPrincipalName (with an @) or an object
// id, and legacy exports often hold a down-level or short name ("CONTOSO\ada",
// "ada"), which would only be "not found".
func (r *presetReader) checkUser(rr *rawInputRow) {
	u := rr.cells[fieldUPN]
	if r.mapped[fieldUPN] || r.mapped[fieldUserID] || u == "" || strings.Contains(u, "@") {
		return
	}
	if _, ok := canonicalObjectID(u); ok {
		// The provider's user column holds an object id: it is the userId.
		rr.cells[fieldUserID], rr.cells[fieldUPN] = u, ""
		return
	}
	name := r.p.columns[0].names[0]
	addProblem(rr, fmt.Sprintf("%s \"%s\" is not a userPrincipalName (no @) nor an object id: Graph would not find the user; "+
		"read the UPN from another column (--map userPrincipalName=COLUMN) or build it (--map 'userPrincipalName={%s}@contoso.com')", name, cutName(u), name))
}

// addProblem adds a problem of the record to rr.
func addProblem(rr *rawInputRow, p string) {
	switch {
	case p == "":
	case rr.problem == "":
		rr.problem = p
	default:
		rr.problem += "; " + p
	}
}

// typeIndex is phone type t's place in graphclient.PhoneTypes.
func typeIndex(t graphclient.PhoneType) int {
	return slices.Index(graphclient.PhoneTypes, t)
}

// phoneField is the field of phone type t.
func phoneField(t graphclient.PhoneType) int {
	return fieldMobile + typeIndex(t)
}

// typeBit is phone type t's bit in presetUser.taken.
func typeBit(t graphclient.PhoneType) uint8 {
	return 1 << typeIndex(t)
}

// userHash is the key of a folded user name in presetReader.users.
func userHash(user string) uint64 {
	h := fnv.New64a()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(user)))
	h.Write(n[:])
	h.Write([]byte(user))
	return h.Sum64()
}

// numberHash is a number in Graph's form as presetUser keeps it: a hash
// that ignores spaces and case, as sameNumber does.
func numberHash(n string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(strings.ReplaceAll(n, " ", ""))))
	return h.Sum32()
}

// presetSlots are the types a group gives its user, by typeIndex: which
// row took each (an index in the group; -1 none) and its number,
// normalized; earlier is what earlier groups took.
type presetSlots struct {
	earlier presetUser
	at      [3]int
	number  [3]string
}

// free reports whether no row took type t.
func (s *presetSlots) free(t graphclient.PhoneType) bool {
	return s.earlier.taken&typeBit(t) == 0 && s.at[typeIndex(t)] < 0
}

// holds reports whether a row took type k (a typeIndex) with number n.
func (s *presetSlots) holds(k int, n string) bool {
	if s.at[k] >= 0 {
		return sameNumber(s.number[k], n)
	}
	return s.earlier.taken&(1<<k) != 0 && s.earlier.number[k] == numberHash(n)
}

// take records that row i took type t with number n.
func (s *presetSlots) take(t graphclient.PhoneType, i int, n string) {
	s.at[typeIndex(t)], s.number[typeIndex(t)] = i, n
}

// after is what the user has after the group: the earlier groups' and the
// group's types.
func (s *presetSlots) after() presetUser {
	u := s.earlier
	for k, i := range s.at {
		if i >= 0 {
			u.taken |= 1 << k
			u.number[k] = numberHash(s.number[k])
		}
	}
	return u
}

// assignGroup gives each row of g, one user's adjacent rows of one phone
// each, its type: rows choose in order of rank, then of input; each takes
// the first type it wants that no row took, or the type of a row with the
// same number; a row that finds every type it wants taken is invalid, with
// the rows that took them. Then a row whose phone went to alternateMobile
// while the user's mobile comes on a later row adds that mobile too, first
// (Graph adds an alternateMobile only to a user with a mobile; the later
// row then finds it there).
func (r *presetReader) assignGroup(g []rawInputRow) {
	phones := make([]presetPhone, len(g))
	order := make([]int, len(g))
	for i := range g {
		phones[i], order[i] = r.p.phone(g[i].src, r.phone), i
	}
	slices.SortStableFunc(order, func(a, b int) int { return phones[a].rank - phones[b].rank })
	st := r.startGroup(g)
	for _, i := range order {
		r.place(g, i, &phones[i], &st)
	}
	r.carryMobile(g, &st)
	if r.groupUser != "" {
		r.users[userHash(r.groupUser)] = st.after()
	}
	r.lastUser = r.groupUser
}

// startGroup is the slots of g's user before g: what earlier groups took. A
// user seen before another user's rows gets a note on g's first row: its
// rows should stand together.
func (r *presetReader) startGroup(g []rawInputRow) presetSlots {
	st := presetSlots{at: [3]int{-1, -1, -1}}
	if r.groupUser == "" {
		return st
	}
	prev, seen := r.users[userHash(r.groupUser)]
	st.earlier = prev
	if seen && r.groupUser != r.lastUser {
		g[0].notes = append(g[0].notes, fmt.Sprintf("this user has rows earlier in the input, not next to this one: --from %s reads a user's adjacent rows together; sort the export by user", r.p.Name))
	}
	return st
}

// place gives row i of g its type by ph (see assignGroup).
func (r *presetReader) place(g []rawInputRow, i int, ph *presetPhone, st *presetSlots) {
	rr := &g[i]
	r.checkUser(rr)
	// A row whose phone is not added says why where it would say "no phone".
	switch {
	case ph.problem != "":
		rr.noPhone = ph.problem
		return
	case ph.number == "" || len(ph.wants) == 0:
		rr.noPhone = ph.noPhone
		return
	}
	n, err := phone.Normalize(ph.number, r.phone)
	ext := err == nil && strings.ContainsRune(n, 'x') && ph.wants[0] != graphclient.Office
	if err != nil || ext || rr.problem != "" {
		r.setCell(rr, ph.wants[0], ph.number) // invalid, and takes nothing: readPhones says why
		return
	}
	if ph.note != "" {
		r.note(rr, ph.wants[0], ph.note)
	}
	rr.presetKey = ph.kind + "\x00" + n
	for k, t := range graphclient.PhoneTypes {
		if st.holds(k, n) {
			r.setCell(rr, t, ph.number) // the same phone again: it finds itself there
			return
		}
	}
	for _, t := range ph.wants {
		if st.free(t) {
			st.take(t, i, n)
			r.setCell(rr, t, ph.number)
			return
		}
	}
	rr.noPhone = r.takenProblem(g, ph.wants, st)
}

// takenProblem says why a row whose wanted types are all taken adds nothing.
func (r *presetReader) takenProblem(g []rawInputRow, wants []graphclient.PhoneType, st *presetSlots) string {
	parts := make([]string, len(wants))
	for k, t := range wants {
		from := "an earlier row"
		if i := st.at[typeIndex(t)]; i >= 0 {
			from = "row " + strconv.Itoa(g[i].num)
		}
		parts[k] = fmt.Sprintf("%s is %s's", t, from)
	}
	return fmt.Sprintf("%s: this phone is not added: Entra holds one phone of each type, and this user's %s", r.p.Name, strings.Join(parts, ", "))
}

// carryMobile gives the mobile of g's user to the rows before it whose
// phone went to alternateMobile (see assignGroup).
func (r *presetReader) carryMobile(g []rawInputRow, st *presetSlots) {
	m := st.at[typeIndex(graphclient.Mobile)]
	if m <= 0 || r.mapped[fieldMobile] || r.mapped[fieldAlternateMobile] {
		return
	}
	for i := range g[:m] {
		rr := &g[i]
		if rr.cells[fieldAlternateMobile] == "" || rr.cells[fieldMobile] != "" || rr.problem != "" {
			continue
		}
		rr.cells[fieldMobile] = g[m].cells[fieldMobile]
		rr.notes = append(rr.notes, fmt.Sprintf("adds row %d's mobile first: Graph adds an alternateMobile only to a user with a mobile (row %d then finds it there)", g[m].num, g[m].num))
	}
}

// extensionProblem is why a mobile or alternateMobile n (in Graph's form,
// with an extension) is not added; it shows n masked.
func extensionProblem(t graphclient.PhoneType, n string) string {
	return fmt.Sprintf("%s: %s has an extension: Graph accepts it, but sign-in cannot dial an extension on a mobile or alternateMobile phone "+
		"(extensions work only on office phones): put the number in the office column, or drop the extension", t, MaskPhone(n))
}

// logRowNotes logs each note of row as a warning.
func logRowNotes(log *zap.Logger, row Row) {
	for _, n := range row.Notes {
		log.Warn("row warning", zap.Int("row", row.Num), zap.String("user", row.User), zap.String("warning", n))
	}
}
