package phone

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Options says how phone numbers written without a country code are read.
type Options struct {
	// DefaultRegion is the ISO 3166 region (like "US" or "GB", any case)
	// whose numbering plan applies to numbers written without +CC or 00CC.
	// Empty: such numbers are rejected.
	DefaultRegion string
}

// Error is why Normalize rejected a number. Its message never
// repeats the number, so it can be logged and written to result files
// without masking.
type Error struct {
	Reason string
}

func (e *Error) Error() string { return e.Reason }

func newError(reason string) error { return &Error{Reason: reason} }

// Reasons that do not depend on the number.
var (
	errEmpty      = newError("empty")
	errNoDigits   = newError("no digits")
	errLetters    = newError("letters are not allowed: write the number with digits (and x before an extension)")
	errPlus       = newError("'+' is allowed only at the start")
	errLong       = newError("too long")
	errShort      = newError("too short")
	errExtDigits  = newError("extension must be digits")
	errExtEmpty   = newError("extension is empty")
	errExtLong    = newError("extension is too long (at most 20 digits)")
	errNoCC       = newError("no country code: write it as +CC… or set --default-region")
	errUnknownCC  = newError("unknown country code: check the digits after +")
	errNotANumber = newError("not a phone number")
	errUnreadable = newError("cannot be read as a phone number")
)

const (
	maxInput       = 250 // phonenumbers' MAX_INPUT_STRING_LENGTH
	maxExtDigits   = 20  // phonenumbers' longest extension (";ext=" and "ext.")
	maxNSN         = phonenumbers.MAX_LENGTH_FOR_NSN
	minNSN         = phonenumbers.MIN_LENGTH_FOR_NSN
	maxCCDigits    = phonenumbers.MAX_LENGTH_COUNTRY_CODE
	nonGeoRegionID = "001"
)

// Normalize returns s in Graph's form: "+{country code} {national
// significant number}", with "x{extension}" when s has one, e.g.
// "+1 2065550100x123".
//
// Accepted: "+12065550100", "+1 (206) 555-0100", "00 44 20 7946 0958" (a
// leading 00 is the international prefix), national numbers like
// "206-555-0100" when o.DefaultRegion is set, Graph's own form, and
// extensions written "x123", "ext. 123", "ext 123", "extn 123", "extension
// 123", "#123" or ";ext=123". Spaces, dashes, dots, slashes and brackets
// between digits are ignored; letters are refused (no vanity numbers). A
// number is accepted only when github.com/nyaruka/phonenumbers parses it
// and IsValidNumber says it is valid; most numbers are decided by an
// equivalent fast path over the same metadata (see fastParse), the rest by
// the library itself.
//
// The error is a *Error whose message an admin can act on and which
// never contains the number. Normalize is safe for concurrent use and
// never panics.
func Normalize(s string, o Options) (string, error) {
	region, err := CanonicalRegion(o.DefaultRegion)
	if err != nil {
		return "", err
	}
	var buf [64]byte
	sc, err := scan(s, buf[:0])
	if err != nil {
		return "", err
	}
	p, ok := fastParse(sc.digits, sc.intl, region)
	if !ok {
		p = libraryParse(sc.canonical(), region)
	}
	if p.err != nil || !p.valid {
		return "", p.reason(sc, region)
	}
	return graphForm(p.cc, p.nsn, sc.ext), nil
}

// CheckRegion reports whether region is a region Normalize knows, as
// a *Error naming the problem.
func CheckRegion(region string) error {
	_, err := CanonicalRegion(region)
	return err
}

// CanonicalRegion returns region as Normalize reads Options.DefaultRegion:
// upper-cased, checked against the library's regions (the error is a
// *Error); "" stays "".
func CanonicalRegion(r string) (string, error) {
	if !isUpperASCII(r) {
		r = strings.ToUpper(strings.TrimSpace(r))
	}
	if r != "" && !phonenumbers.GetSupportedRegions()[r] {
		return "", newError(fmt.Sprintf("unknown default region %q: use a two-letter region code such as US or GB", r))
	}
	return r, nil
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func graphForm(cc int32, nsn, ext string) string {
	var b [64]byte
	out := append(b[:0], '+')
	out = strconv.AppendInt(out, int64(cc), 10)
	out = append(out, ' ')
	out = append(out, nsn...)
	if ext != "" {
		out = append(out, 'x')
		out = append(out, ext...)
	}
	return string(out)
}

// scanned is a number taken apart by scan.
type scanned struct {
	intl   bool   // written with + or 00
	digits string // ASCII digits after the + or 00
	ext    string // extension digits, "" if none
}

// canonical is the number as the library is given it: the same digits, no
// punctuation, and "+" for + or 00.
func (s scanned) canonical() string {
	if s.intl {
		return "+" + s.digits
	}
	return s.digits
}

// scan checks the characters of a phone number and takes it apart. buf
// is scratch space for the digits.
func scan(s string, buf []byte) (scanned, error) {
	var sc scanned
	s = strings.TrimSpace(s)
	// A leading apostrophe is how spreadsheets (and phonereg's result file)
	// mark a cell as text.
	if strings.HasPrefix(s, "'") {
		s = strings.TrimSpace(s[1:])
	}
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = strings.TrimSpace(s[4:])
	}
	if s == "" {
		return sc, errEmpty
	}
	if len(s) > maxInput {
		return sc, errLong
	}
	digits := buf
	pluses := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
			i++
			continue
		case c == '+':
			if len(digits) > 0 {
				return sc, errPlus
			}
			pluses++
			i++
			continue
		case c == ' ' || c == '\t' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' || c == '[' || c == ']':
			i++
			continue
		case c == 'x' || c == 'X' || c == '#' || c == ';' || c == 'e' || c == 'E':
			n := extMarker(s[i:])
			if n == 0 {
				if c == ';' || c == '#' {
					return sc, unexpectedChar(rune(c))
				}
				return sc, errLetters
			}
			ext, err := scanExtension(s[i+n:])
			if err != nil {
				return sc, err
			}
			sc.ext = ext
			i = len(s)
			continue
		case c < utf8.RuneSelf:
			if isASCIILetter(c) {
				return sc, errLetters
			}
			return sc, unexpectedChar(rune(c))
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\uFF0B': // fullwidth plus
			if len(digits) > 0 {
				return sc, errPlus
			}
			pluses++
		case isWideDigit(r):
			digits = append(digits, wideDigit(r))
		case isSeparator(r):
		case unicode.IsLetter(r):
			return sc, errLetters
		default:
			return sc, unexpectedChar(r)
		}
	}
	if len(digits) == 0 {
		return sc, errNoDigits
	}
	sc.intl = pluses > 0
	if !sc.intl && len(digits) >= 2 && digits[0] == '0' && digits[1] == '0' {
		sc.intl = true
		digits = digits[2:]
		if len(digits) == 0 {
			return sc, errShort
		}
	}
	sc.digits = string(digits)
	return sc, nil
}

func unexpectedChar(r rune) error {
	if r == utf8.RuneError {
		return newError("not valid UTF-8 text")
	}
	return newError(fmt.Sprintf("unexpected character %q", r))
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// extMarkers are the ways an extension may be introduced, longest first so
// that "ext." wins over "ext" and "extension" over both.
var extMarkers = []string{";ext=", "extension", "extn.", "extn", "ext.", "ext", "x", "#"}

// extMarker returns the length of the extension marker s starts with, or 0.
func extMarker(s string) int {
	for _, m := range extMarkers {
		if len(s) >= len(m) && strings.EqualFold(s[:len(m)], m) {
			return len(m)
		}
	}
	return 0
}

// scanExtension checks what follows an extension marker.
func scanExtension(s string) (string, error) {
	s = strings.TrimLeft(s, " \t:.")
	s = strings.TrimRight(s, " \t")
	if s == "" {
		return "", errExtEmpty
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", errExtDigits
		}
	}
	if len(s) > maxExtDigits {
		return "", errExtLong
	}
	return s, nil
}

// isWideDigit reports digits the library reads as ASCII digits: fullwidth,
// Arabic-Indic and extended Arabic-Indic.
func isWideDigit(r rune) bool {
	return (r >= '\uFF10' && r <= '\uFF19') || (r >= '\u0660' && r <= '\u0669') || (r >= '\u06F0' && r <= '\u06F9')
}

func wideDigit(r rune) byte {
	switch {
	case r >= '\uFF10' && r <= '\uFF19':
		return byte('0' + r - '\uFF10')
	case r >= '\u0660' && r <= '\u0669':
		return byte('0' + r - '\u0660')
	default:
		return byte('0' + r - '\u06F0')
	}
}

// isSeparator reports the non-ASCII punctuation the library ignores
// between digits (a subset of its VALID_PUNCTUATION): no-break and wide
// spaces, dashes, wide brackets and slashes.
func isSeparator(r rune) bool {
	switch {
	case r == '\u00A0', r == '\u00AD', r == '\u200B', r == '\u2060', r == '\u3000',
		r >= '\u2010' && r <= '\u2015', r == '\u2212', r == '\u30FC',
		r >= '\uFF0D' && r <= '\uFF0F', r == '\uFF08', r == '\uFF09', r == '\uFF3B', r == '\uFF3D':
		return true
	}
	return false
}

// parsed is what phonenumbers.Parse and IsValidNumber decide about a number.
type parsed struct {
	err   error // Parse's error; the rest is meaningless when set
	cc    int32
	nsn   string
	valid bool
}

// reason explains why p is not an acceptable number.
func (p parsed) reason(sc scanned, region string) error {
	switch p.err {
	case nil:
	case phonenumbers.ErrInvalidCountryCode:
		if sc.intl {
			return errUnknownCC
		}
		return errNoCC
	case phonenumbers.ErrTooShortNSN, phonenumbers.ErrTooShortAfterIDD:
		return errShort
	case phonenumbers.ErrNumTooLong:
		return errLong
	case phonenumbers.ErrNotANumber:
		if len(sc.digits) < 3 {
			return errShort
		}
		return errNotANumber
	default:
		return errUnreadable
	}
	var where string
	if !sc.intl && region != "" {
		where = "region " + region
	} else if r, ok := tablesOnce().numberRegion(p.cc, p.nsn); ok && r != "" && r != nonGeoRegionID {
		where = "region " + r
	} else {
		where = fmt.Sprintf("country code +%d", p.cc)
		if regions := phonenumbers.GetRegionCodesForCountryCode(int(p.cc)); len(regions) > 1 {
			if len(regions) > 4 {
				regions = append(regions[:3:3], "…")
			}
			where += " (" + strings.Join(regions, ", ") + ")"
		}
	}
	what, hint := "not a valid number", ""
	switch phonenumbers.IsPossibleNumberWithReason(libraryNumber(p.cc, p.nsn)) {
	case phonenumbers.TOO_SHORT:
		what = "too short"
	case phonenumbers.TOO_LONG:
		what = "too long"
	case phonenumbers.INVALID_LENGTH:
		what = "wrong number of digits"
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		what, hint = "too short", " (a local number without its area code?)"
	}
	if hint == "" && !sc.intl && region != "" {
		hint = " (written without a country code, so read as a " + region + " number: write it as +CC… if it is from elsewhere)"
	}
	msg := what + " for " + where + hint
	return newError(msg)
}

// libraryNumber is the library's representation of a parsed number, as
// parseHelper builds it (setItalianLeadingZerosForPhoneNumber).
func libraryNumber(cc int32, nsn string) *phonenumbers.PhoneNumber {
	v, _ := strconv.ParseUint(nsn, 10, 64)
	pn := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &v}
	if len(nsn) >= 2 && nsn[0] == '0' {
		yes := true
		pn.ItalianLeadingZero = &yes
		zeros := int32(1)
		for int(zeros) < len(nsn)-1 && nsn[zeros] == '0' {
			zeros++
		}
		if zeros != 1 {
			pn.NumberOfLeadingZeros = &zeros
		}
	}
	return pn
}

// libraryParse is the reference: what the library itself says about the
// canonical form of a number. It is the fallback of fastParse and the
// oracle its tests compare against.
func libraryParse(canonical, region string) (p parsed) {
	defer func() {
		if recover() != nil {
			p = parsed{err: errUnreadable}
		}
	}()
	var pn phonenumbers.PhoneNumber
	if err := phonenumbers.ParseToNumber(canonical, region, &pn); err != nil {
		return parsed{err: err}
	}
	return parsed{
		cc:    pn.GetCountryCode(),
		nsn:   phonenumbers.GetNationalSignificantNumber(&pn),
		valid: phonenumbers.IsValidNumber(&pn),
	}
}

// fastParse decides what libraryParse(canonical, region) would, for the
// canonical form of digits (with "+" when intl), without the library's
// per-call regexp lookups: it follows phonenumbers' parseHelper,
// maybeExtractCountryCode, maybeStripNationalPrefixAndCarrierCode,
// testNumberLength, GetRegionCodeForNumber and IsValidNumber step by step
// over the same metadata, matching the metadata's number patterns with DFAs
// compiled from them (see dfa). Where a step is not ported (a number too
// short to be viable, an unknown country code the library would retry as a
// national number, a national number that may start with the region's
// international prefix, metadata the library would crash on) it returns
// ok=false and the caller asks the library. region is "" or a supported
// region.
func fastParse(digits string, intl bool, region string) (p parsed, ok bool) {
	n := len(digits)
	if intl {
		n++
	}
	if n > maxInput {
		return parsed{err: phonenumbers.ErrNumTooLong}, true
	}
	if len(digits) < 3 {
		// Viability of one- and two-digit numbers depends on punctuation
		// the canonical form has dropped; rare enough to ask the library.
		return parsed{}, false
	}
	if region == "" && !intl {
		return parsed{err: phonenumbers.ErrInvalidCountryCode}, true
	}
	t := tablesOnce()
	if t.initErr != nil {
		return parsed{}, false
	}
	var rm *regionMeta
	if region != "" {
		if rm = t.regions[region]; rm == nil {
			return parsed{}, false
		}
	}

	// maybeExtractCountryCode.
	var cc int32
	var national string
	if intl {
		if cc, national = t.extractCountryCode(digits); cc == 0 {
			return parsed{}, false
		}
	} else {
		c := rm.compiled()
		if c.idd == nil || c.general == nil || c.idd.prefix(digits) {
			return parsed{}, false
		}
		if strings.HasPrefix(digits, rm.ccString) {
			pot, ok := rm.stripNationalPrefix(digits[len(rm.ccString):])
			if !ok {
				return parsed{}, false
			}
			tooLong, ok := rm.testLength(len(digits))
			if !ok {
				return parsed{}, false
			}
			if (!c.general.full(digits) && c.general.full(pot)) || tooLong == phonenumbers.TOO_LONG {
				cc, national = rm.cc, pot
			}
		}
	}

	// parseHelper.
	if cc != 0 {
		if main := t.mainRegion(cc); main != region {
			rm = t.metaFor(cc, main)
		}
	} else {
		national = digits
		cc = rm.cc
	}
	if len(national) < minNSN {
		return parsed{err: phonenumbers.ErrTooShortNSN}, true
	}
	if rm != nil {
		pot, ok := rm.stripNationalPrefix(national)
		if !ok {
			return parsed{}, false
		}
		v, ok := rm.testLength(len(pot))
		if !ok {
			return parsed{}, false
		}
		if v != phonenumbers.TOO_SHORT && v != phonenumbers.IS_POSSIBLE_LOCAL_ONLY && v != phonenumbers.INVALID_LENGTH {
			national = pot
		}
	}
	if len(national) < minNSN {
		return parsed{err: phonenumbers.ErrTooShortNSN}, true
	}
	if len(national) > maxNSN {
		return parsed{err: phonenumbers.ErrNumTooLong}, true
	}
	// The library stores the number as an integer plus a count of leading
	// zeros; GetNationalSignificantNumber gives back exactly these digits.

	valid, ok := t.isValid(cc, national)
	if !ok {
		return parsed{}, false
	}
	return parsed{cc: cc, nsn: national, valid: valid}, true
}

// tables is the library's metadata, indexed for fastParse. Built once,
// read-only after.
type tables struct {
	regions   map[string]*regionMeta // supported regions
	nonGeo    map[int32]*regionMeta  // country codes of region "001"
	ccRegions [1000][]string         // GetRegionCodesForCountryCode
	initErr   error
}

var tablesOnce = sync.OnceValue(func() *tables {
	t := &tables{regions: map[string]*regionMeta{}, nonGeo: map[int32]*regionMeta{}}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.initErr = err
		return t
	}
	supported := phonenumbers.GetSupportedRegions()
	for _, m := range coll.GetMetadata() {
		mi := newRegionMeta(m)
		if m.GetId() == nonGeoRegionID {
			t.nonGeo[m.GetCountryCode()] = mi
		} else if supported[m.GetId()] {
			t.regions[m.GetId()] = mi
		}
	}
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		if cc > 0 && cc < len(t.ccRegions) {
			t.ccRegions[cc] = phonenumbers.GetRegionCodesForCountryCode(cc)
		}
	}
	return t
})

// extractCountryCode is the library's extractCountryCode: the shortest
// known calling code the digits start with, and the rest.
func (t *tables) extractCountryCode(digits string) (int32, string) {
	if digits == "" || digits[0] == '0' {
		return 0, ""
	}
	cc := 0
	for i := 0; i < maxCCDigits && i < len(digits); i++ {
		cc = cc*10 + int(digits[i]-'0')
		if len(t.ccRegions[cc]) > 0 {
			return int32(cc), digits[i+1:]
		}
	}
	return 0, ""
}

// mainRegion is GetRegionCodeForCountryCode.
func (t *tables) mainRegion(cc int32) string {
	if cc > 0 && int(cc) < len(t.ccRegions) && len(t.ccRegions[cc]) > 0 {
		return t.ccRegions[cc][0]
	}
	return phonenumbers.UNKNOWN_REGION
}

// metaFor is getMetadataForRegionOrCallingCode; nil when the library has none.
func (t *tables) metaFor(cc int32, region string) *regionMeta {
	if region == nonGeoRegionID {
		return t.nonGeo[cc]
	}
	return t.regions[region]
}

// numberRegion is GetRegionCodeForNumber.
func (t *tables) numberRegion(cc int32, nsn string) (string, bool) {
	if cc <= 0 || int(cc) >= len(t.ccRegions) {
		return "", true
	}
	regions := t.ccRegions[cc]
	switch len(regions) {
	case 0:
		return "", true
	case 1:
		return regions[0], true
	}
	for _, r := range regions {
		m := t.regions[r]
		if m == nil {
			return "", false // the library would dereference nil metadata
		}
		c := m.compiled()
		if m.meta.GetLeadingDigits() != "" {
			if c.leading == nil {
				return "", false
			}
			if c.leading.prefix(nsn) {
				return r, true
			}
			continue
		}
		known, ok := m.typeKnown(nsn)
		if !ok {
			return "", false
		}
		if known {
			return r, true
		}
	}
	return "", true
}

// isValid is IsValidNumber for a number with calling code cc and national
// significant number nsn.
func (t *tables) isValid(cc int32, nsn string) (valid, ok bool) {
	region, ok := t.numberRegion(cc, nsn)
	if !ok {
		return false, false
	}
	m := t.metaFor(cc, region)
	if m == nil {
		return false, true
	}
	if region != nonGeoRegionID && cc != m.cc {
		return false, true
	}
	return m.typeKnown(nsn)
}

// regionMeta is one region's metadata with its patterns compiled on first use.
type regionMeta struct {
	meta     *phonenumbers.PhoneMetadata
	cc       int32
	ccString string
	once     sync.Once
	c        *compiledMeta
}

type compiledMeta struct {
	general *patternMatcher // nil: no usable general description
	// descs are the descriptions whose match makes a number's type known,
	// in getNumberTypeHelper's order; mobile comes last and only when its
	// pattern differs from fixed line's.
	descs   []descMatcher
	leading *patternMatcher // prefix matcher for leadingDigits; nil if none
	idd     *patternMatcher // prefix matcher for internationalPrefix; nil if unusable
	// nationalPrefix: literal when the pattern is plain digits, else re.
	npLiteral string
	npRe      *regexp.Regexp
	npGroups  int
	badDescs  bool // a description the library would dereference is nil
}

type descMatcher struct {
	lengths []int32
	m       *patternMatcher
}

func newRegionMeta(m *phonenumbers.PhoneMetadata) *regionMeta {
	return &regionMeta{meta: m, cc: m.GetCountryCode(), ccString: strconv.Itoa(int(m.GetCountryCode()))}
}

func (mi *regionMeta) compiled() *compiledMeta {
	mi.once.Do(func() { mi.c = compileMeta(mi.meta) })
	return mi.c
}

func compileMeta(m *phonenumbers.PhoneMetadata) *compiledMeta {
	c := &compiledMeta{}
	if g := m.GetGeneralDesc(); g != nil {
		c.general = newPatternMatcher(g.GetNationalNumberPattern(), true)
	}
	ds := []*phonenumbers.PhoneNumberDesc{
		m.GetPremiumRate(), m.GetTollFree(), m.GetSharedCost(), m.GetVoip(),
		m.GetPersonalNumber(), m.GetPager(), m.GetUan(), m.GetVoicemail(), m.GetFixedLine(),
	}
	if !m.GetSameMobileAndFixedLinePattern() {
		ds = append(ds, m.GetMobile())
	}
	for _, d := range ds {
		if d == nil {
			c.badDescs = true
			continue
		}
		c.descs = append(c.descs, descMatcher{lengths: d.GetPossibleLength(), m: newPatternMatcher(d.GetNationalNumberPattern(), true)})
	}
	if ld := m.GetLeadingDigits(); ld != "" {
		c.leading = newPatternMatcher(ld, false)
	}
	if idd := m.GetInternationalPrefix(); idd != "" {
		c.idd = newPatternMatcher(idd, false)
	}
	if np := m.GetNationalPrefixForParsing(); np != "" {
		if allASCIIDigits(np) {
			c.npLiteral = np
		} else if re, err := regexp.Compile("^(?:" + np + ")"); err == nil {
			c.npRe = re
			c.npGroups = re.NumSubexp()
		}
	}
	return c
}

func allASCIIDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// typeKnown is getNumberTypeHelper(nsn, metadata) != UNKNOWN.
func (mi *regionMeta) typeKnown(nsn string) (known, ok bool) {
	c := mi.compiled()
	if c.general == nil || c.badDescs {
		return false, false
	}
	if !descMatches(nsn, mi.meta.GetGeneralDesc().GetPossibleLength(), c.general) {
		return false, true
	}
	for _, d := range c.descs {
		if descMatches(nsn, d.lengths, d.m) {
			return true, true
		}
	}
	return false, true
}

// descMatches is isNumberMatchingDesc.
func descMatches(nsn string, lengths []int32, m *patternMatcher) bool {
	if len(lengths) > 0 && !slices.Contains(lengths, int32(len(nsn))) {
		return false
	}
	return m.full(nsn)
}

// stripNationalPrefix is maybeStripNationalPrefixAndCarrierCode: the
// national number with its national prefix (and carrier code) removed or
// transformed, or n unchanged.
func (mi *regionMeta) stripNationalPrefix(n string) (string, bool) {
	np := mi.meta.GetNationalPrefixForParsing()
	if n == "" || np == "" {
		return n, true
	}
	c := mi.compiled()
	if c.general == nil {
		return "", false
	}
	transform := mi.meta.GetNationalPrefixTransformRule()
	if c.npLiteral != "" {
		if !strings.HasPrefix(n, c.npLiteral) {
			return n, true
		}
		if transform != "" {
			return "", false // a literal prefix with a transform rule: not in today's metadata
		}
		rest := n[len(c.npLiteral):]
		if c.general.full(n) && !c.general.full(rest) {
			return n, true
		}
		return rest, true
	}
	if c.npRe == nil {
		return "", false
	}
	groups := c.npRe.FindStringSubmatchIndex(n)
	if groups == nil {
		return n, true
	}
	viable := c.general.full(n)
	if transform == "" || groups[c.npGroups*2] < 0 {
		if viable && !c.general.full(n[groups[1]:]) {
			return n, true
		}
		return n[groups[1]:], true
	}
	transformed := c.npRe.ReplaceAllString(n, transform)
	if viable && !c.general.full(transformed) {
		return n, true
	}
	return transformed, true
}

// testLength is testNumberLength(number, metadata, UNKNOWN) for a number of
// n digits.
func (mi *regionMeta) testLength(n int) (phonenumbers.ValidationResult, bool) {
	g := mi.meta.GetGeneralDesc()
	if g == nil {
		return 0, false
	}
	possible := g.GetPossibleLength()
	if len(possible) == 0 {
		return 0, false // the library would index an empty slice
	}
	if possible[0] == -1 {
		return phonenumbers.INVALID_LENGTH, true
	}
	l := int32(n)
	if slices.Contains(g.GetPossibleLengthLocalOnly(), l) {
		return phonenumbers.IS_POSSIBLE_LOCAL_ONLY, true
	}
	switch {
	case possible[0] == l:
		return phonenumbers.IS_POSSIBLE, true
	case possible[0] > l:
		return phonenumbers.TOO_SHORT, true
	case possible[len(possible)-1] < l:
		return phonenumbers.TOO_LONG, true
	case slices.Contains(possible[1:], l):
		return phonenumbers.IS_POSSIBLE, true
	}
	return phonenumbers.INVALID_LENGTH, true
}

// patternMatcher answers the two questions the library asks of a metadata
// pattern p: does "^(?:p)$" match (full), or does "^(?:p)" match (prefix).
// It runs a DFA over the digits when p compiles to one, else the regexp.
type patternMatcher struct {
	d  *dfa
	re *regexp.Regexp
}

func newPatternMatcher(p string, full bool) *patternMatcher {
	if d, err := compileDFA(p, maxDFAStates); err == nil {
		return &patternMatcher{d: d}
	}
	expr := "^(?:" + p + ")"
	if full {
		expr += "$"
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		// The library would panic on this pattern (regexp.MustCompile):
		// a never-matching matcher keeps us alive; the equivalence tests
		// show today's metadata has no such pattern.
		re = regexp.MustCompile(`[^\s\S]`)
	}
	return &patternMatcher{re: re}
}

func (m *patternMatcher) full(s string) bool {
	if m.d != nil {
		return m.d.full(s)
	}
	return m.re.MatchString(s)
}

func (m *patternMatcher) prefix(s string) bool {
	if m.d != nil {
		return m.d.prefix(s)
	}
	return m.re.MatchString(s)
}

// maxDFAStates bounds one pattern's DFA; today's largest has under 300.
const maxDFAStates = 20000

// dfa is a deterministic automaton over the ASCII digits for the language
// of a regular expression. Membership is all the library asks of its
// metadata patterns (MatchString on "^(?:p)$", or on "^(?:p)" which is
// "some prefix is in the language"), so any automaton for the same
// language gives the same answers as package regexp, whatever the match
// semantics.
type dfa struct {
	next   []int32 // next[state*10+digit]; -1 is the dead state
	accept []bool
	start  int32 // -1: the language is empty
}

var errDFAUnsupported = errors.New("pattern uses assertions")

// compileDFA parses p as regexp does (syntax.Perl), compiles it to the
// same Thompson program, and determinizes it over '0'..'9' by the subset
// construction. Patterns with assertions (^, $, \b) are refused.
func compileDFA(p string, maxStates int) (*dfa, error) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return nil, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, err
	}
	for _, in := range prog.Inst {
		if in.Op == syntax.InstEmptyWidth {
			return nil, errDFAUnsupported
		}
	}
	d := &dfa{}
	var (
		sets  [][]uint32
		index = map[string]int32{}
		mark  = make([]uint32, len(prog.Inst))
		gen   uint32
		stack []uint32
		keyb  []byte
	)
	closure := func(from []uint32) []uint32 {
		gen++
		var out []uint32
		stack = append(stack[:0], from...)
		for len(stack) > 0 {
			pc := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if mark[pc] == gen {
				continue
			}
			mark[pc] = gen
			in := &prog.Inst[pc]
			switch in.Op {
			case syntax.InstAlt, syntax.InstAltMatch:
				stack = append(stack, in.Arg, in.Out)
			case syntax.InstCapture, syntax.InstNop:
				stack = append(stack, in.Out)
			case syntax.InstFail:
			default: // InstMatch and the rune instructions
				out = append(out, pc)
			}
		}
		slices.Sort(out)
		return out
	}
	state := func(set []uint32) (int32, error) {
		if len(set) == 0 {
			return -1, nil
		}
		keyb = keyb[:0]
		for _, pc := range set {
			keyb = append(keyb, byte(pc), byte(pc>>8), byte(pc>>16), byte(pc>>24))
		}
		if id, ok := index[string(keyb)]; ok {
			return id, nil
		}
		if len(sets) >= maxStates {
			return 0, errors.New("too many DFA states")
		}
		id := int32(len(sets))
		index[string(keyb)] = id
		sets = append(sets, set)
		acc := false
		for _, pc := range set {
			acc = acc || prog.Inst[pc].Op == syntax.InstMatch
		}
		d.accept = append(d.accept, acc)
		d.next = append(d.next, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)
		return id, nil
	}
	if d.start, err = state(closure([]uint32{uint32(prog.Start)})); err != nil {
		return nil, err
	}
	var step []uint32
	for s := 0; s < len(sets); s++ {
		for c := rune(0); c < 10; c++ {
			step = step[:0]
			for _, pc := range sets[s] {
				in := &prog.Inst[pc]
				if in.Op != syntax.InstMatch && in.MatchRune('0'+c) {
					step = append(step, in.Out)
				}
			}
			id, err := state(closure(step))
			if err != nil {
				return nil, err
			}
			d.next[s*10+int(c)] = id
		}
	}
	return d, nil
}

// full reports whether s is in the language; s is expected to be digits,
// anything else does not match.
func (d *dfa) full(s string) bool {
	st := d.start
	for i := 0; i < len(s) && st >= 0; i++ {
		c := s[i] - '0'
		if c > 9 {
			return false
		}
		st = d.next[int(st)*10+int(c)]
	}
	return st >= 0 && d.accept[st]
}

// prefix reports whether some prefix of s (maybe empty) is in the language.
func (d *dfa) prefix(s string) bool {
	st := d.start
	for i := 0; st >= 0; i++ {
		if d.accept[st] {
			return true
		}
		if i == len(s) {
			return false
		}
		c := s[i] - '0'
		if c > 9 {
			return false
		}
		st = d.next[int(st)*10+int(c)]
	}
	return false
}
