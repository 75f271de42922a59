package graphclient

// Masking of phone numbers. phonereg's logs, result files and summaries are
// read by more people than the directory's admins (a ticket, a monitor, a CI
// log), so numbers show as "+1 ******0100" unless the user asked to see them.
// Graph's error messages quote the number a request carried ("Invalid phone
// number \"+1 2065550150x123\""), so the client masks them too, before they
// reach an *Error: whatever prints one cannot leak the number.

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaskPhone hides all but a number's country code and last four digits:
// "+1 2065550100" → "+1 ******0100", "+44 2079460958x12" →
// "+44 ******0958x***". n is taken to be one number, in Graph's form or as
// Graph holds it: digits after an "x" are an extension, hidden whole (its
// length too); a number with four digits or fewer after its country code is
// hidden whole; characters other than digits are kept. Two numbers that
// differ in their last four digits stay visibly different.
func MaskPhone(n string) string {
	main, _, hasExt := strings.Cut(n, "x")
	if hasExt {
		return maskDigits(main) + "x***"
	}
	return maskDigits(main)
}

// MaskPhones returns text with every run in it that looks like a phone number
// masked the way MaskPhone masks one; text without one comes back unchanged.
// A run is 7 to 15 digits, perhaps after a "+", with spaces, dashes, dots and
// parentheses between them and perhaps an extension after them ("x123",
// "ext. 123", "#123"), that stands on its own: not part of a word, a GUID, a
// host name, a number longer than 15 digits, an IPv4 address or a date
// ("2024-01-02", "02.01.2024", "20240102"). So request-ids, dates, status
// codes and counts are left alone. It errs towards masking: a run it cannot
// tell from a number (a Unix time, an order number) is masked too.
//
// It is meant for free text that is not phonereg's own, like Graph's error
// messages; it takes time linear in len(text).
func MaskPhones(text string) string {
	var b strings.Builder
	done := 0 // text[:done] is in b
	for i := 0; i < len(text); i++ {
		if !runStart(text, i) {
			continue
		}
		end, ext, ok := phoneRun(text, i)
		if !ok {
			continue
		}
		b.WriteString(text[done:i])
		b.WriteString(maskDigits(text[i:ext]))
		b.WriteString(maskExtension(text[ext:end]))
		done, i = end, end-1
	}
	if done == 0 {
		return text
	}
	b.WriteString(text[done:])
	return b.String()
}

// Bounds of a phone number's digits (E.164 allows at most 15; the shortest
// numbers with their country code have 7), and of the bytes of a run without
// its extension, which keeps MaskPhones linear.
const (
	minPhoneDigits = 7
	maxPhoneDigits = 15
	maxRunBytes    = 40
)

// runStart reports whether a phone number may start at text[i]: a digit, or a
// "+" before one, that does not continue a word, a number or a dotted or
// dashed name.
func runStart(text string, i int) bool {
	c := text[i]
	if !isDigit(c) && !(c == '+' && i+1 < len(text) && isDigit(text[i+1])) {
		return false
	}
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return !isWordRune(r) && !strings.ContainsRune(".-+%", r)
}

// phoneRun reads the phone number that runStart found at text[i]: it ends at
// end, its extension (if any) starts at ext. ok is false when the run is not
// a phone number after all. A run that does not stand on its own or is too
// long may still hold a number up to its last space ("+1 2065550100 2024-…").
func phoneRun(text string, i int) (end, ext int, ok bool) {
	full, cut := scanRun(text, i)
	for _, ext := range []int{full, cut} {
		if ext == 0 {
			continue
		}
		if end, ok := phoneEnd(text, i, ext); ok {
			return end, ext, true
		}
	}
	return 0, 0, false
}

// phoneEnd reports whether text[i:ext], digits and separators, is a phone
// number, and where it ends with its extension.
func phoneEnd(text string, i, ext int) (end int, ok bool) {
	s := text[i:ext]
	if n := countDigits(s); n < minPhoneDigits || n > maxPhoneDigits || notAPhone(s) {
		return 0, false
	}
	if end := extensionEnd(text, ext); end > ext && runEnds(text, end) {
		return end, true
	}
	return ext, runEnds(text, ext)
}

// scanRun reads the digits and separators from text[i] (a "+" or a digit):
// the whole run's last digit is at full-1, and the last digit before its last
// space at cut-1. full is 0 when the run is longer than any phone number, cut
// when it has no space.
func scanRun(text string, i int) (full, cut int) {
	j, digits, seps := i, 0, 0
	if text[j] == '+' {
		j++
	}
	for ; j < len(text); j++ {
		switch c := text[j]; {
		case isDigit(c):
			digits, seps, full = digits+1, 0, j+1
		case isRunSep(c) && seps < 2:
			if c == ' ' {
				cut = full
			}
			seps++
		default:
			return full, cut
		}
		if digits > maxPhoneDigits || j-i >= maxRunBytes {
			return 0, cut
		}
	}
	return full, cut
}

// notAPhone reports whether s, a run of digits and separators, is an IPv4
// address or starts with a date.
func notAPhone(s string) bool {
	if s[0] == '+' {
		return false
	}
	groups := strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	switch {
	case len(groups) == 1 && len(s) == 8:
		_, err := time.Parse("20060102", s)
		return err == nil
	case len(groups) == 4 && s == strings.Join(groups, "."):
		return !slices.ContainsFunc(groups, func(g string) bool { return len(g) > 3 })
	case len(groups) < 3:
		return false
	}
	sep := s[len(groups[0]) : len(groups[0])+1]
	dated := (sep == "-" || sep == ".") && strings.HasPrefix(s, groups[0]+sep+groups[1]+sep+groups[2])
	l0, l1, l2 := len(groups[0]), len(groups[1]), len(groups[2])
	return dated && l1 <= 2 && (l0 == 4 && l2 <= 2 || l0 <= 2 && l2 == 4)
}

// extensionEnd reads an extension at text[i:]: perhaps a space, a marker
// ("x", "ext", "ext.", "#", any case), perhaps a space, digits. It returns
// where the extension ends, or i when there is none.
func extensionEnd(text string, i int) int {
	j := i
	if j < len(text) && text[j] == ' ' {
		j++
	}
	m := 0
	for _, mark := range []string{"ext.", "ext", "x", "#"} {
		if len(text)-j >= len(mark) && strings.EqualFold(text[j:j+len(mark)], mark) {
			m = len(mark)
			break
		}
	}
	if m == 0 {
		return i
	}
	j += m
	if m > 1 && j < len(text) && text[j] == ' ' {
		j++
	}
	k := j
	for k < len(text) && isDigit(text[k]) {
		k++
	}
	if k == j {
		return i
	}
	return k
}

// runEnds reports whether a run ending at text[i] stands on its own: it is
// not followed by a letter, a digit or "_", nor by "-" or "." and one of
// those (a GUID, a host name, a word).
func runEnds(text string, i int) bool {
	if i == len(text) {
		return true
	}
	r, n := utf8.DecodeRuneInString(text[i:])
	if isWordRune(r) {
		return false
	}
	if (r == '-' || r == '.') && i+n < len(text) {
		next, _ := utf8.DecodeRuneInString(text[i+n:])
		return !isWordRune(next)
	}
	return true
}

// maskDigits replaces with "*" every digit of s but a leading "+CC" country
// code (1 to 3 digits followed by something else) and the last four digits;
// with four digits or fewer after the country code, all of them.
func maskDigits(s string) string {
	b := []byte(s)
	from := 0
	if len(b) > 1 && b[0] == '+' {
		k := 1
		for k < len(b) && isDigit(b[k]) {
			k++
		}
		if k > 1 && k <= 4 && k < len(b) {
			from = k
		}
	}
	n := countDigits(s[from:])
	hide := n - 4
	if n <= 4 {
		hide = n
	}
	for i := from; i < len(b) && hide > 0; i++ {
		if isDigit(b[i]) {
			b[i] = '*'
			hide--
		}
	}
	return string(b)
}

// maskExtension keeps an extension's marker and hides its digits, their
// number too: " ext. 1234" → " ext. ***".
func maskExtension(ext string) string {
	if ext == "" {
		return ""
	}
	i := strings.IndexFunc(ext, unicode.IsDigit)
	return ext[:i] + "***"
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

// isRunSep reports whether c may stand between a phone number's digits.
func isRunSep(c byte) bool { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' }

// isWordRune reports whether r continues a word: a letter, a digit or "_".
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
}

// piiMask is a client's masking of the text it did not write itself: Graph's
// error messages and transport failures. The zero value masks.
type piiMask struct {
	show bool // Config.ShowPII
}

// text is s masked, unless PII is shown.
func (m piiMask) text(s string) string {
	if m.show {
		return s
	}
	return MaskPhones(s)
}

// err is err with its message masked, unless PII is shown or there was
// nothing to mask; errors.Is and errors.As still see err.
func (m piiMask) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if masked := m.text(msg); masked != msg {
		return &maskedError{msg: masked, err: err}
	}
	return err
}

// maskedError is an error whose message had phone numbers masked.
type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }
