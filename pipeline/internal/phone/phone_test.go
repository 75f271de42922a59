package phone

import (
	"errors"
	"fmt"
	"math/rand"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		region  string
		want    string
		wantErr string // substring of the error; "" when no error is expected
	}{
		// Accepted forms from SPEC §2.
		{name: "E.164", in: "+12065550100", want: "+1 2065550100"},
		{name: "US punctuated", in: "+1 (206) 555-0100", want: "+1 2065550100"},
		{name: "00 prefix", in: "00 44 20 7946 0958", want: "+44 2079460958"},
		{name: "00 prefix with region", in: "0044 20 7946 0958", region: "US", want: "+44 2079460958"},
		{name: "national with default region", in: "206-555-0100", region: "US", want: "+1 2065550100"},
		{name: "national with lower-case region", in: "206.555.0100", region: "us", want: "+1 2065550100"},
		{name: "national with trunk 1", in: "1 206 555 0100", region: "US", want: "+1 2065550100"},
		{name: "ext x", in: "+1 206 555 0100 x123", want: "+1 2065550100x123"},
		{name: "ext X no space", in: "+1 206 555 0100X123", want: "+1 2065550100x123"},
		{name: "ext ext.", in: "+1 206 555 0100 ext. 123", want: "+1 2065550100x123"},
		{name: "ext ext", in: "+1 206 555 0100 ext 123", want: "+1 2065550100x123"},
		{name: "ext Ext:", in: "+1 206 555 0100 Ext: 123", want: "+1 2065550100x123"},
		{name: "ext extn", in: "+1 206 555 0100 extn. 123", want: "+1 2065550100x123"},
		{name: "ext extension", in: "+1 206 555 0100 extension 123", want: "+1 2065550100x123"},
		{name: "ext hash", in: "+1 206 555 0100 #123", want: "+1 2065550100x123"},
		{name: "ext rfc3966", in: "+1-206-555-0100;ext=123", want: "+1 2065550100x123"},
		{name: "ext leading zero kept", in: "+1 206 555 0100 x0012", want: "+1 2065550100x0012"},
		{name: "graph form", in: "+1 2065550100x123", want: "+1 2065550100x123"},
		{name: "graph form no ext", in: "+44 2079460958", want: "+44 2079460958"},
		{name: "tel URI", in: "tel:+1-206-555-0100", want: "+1 2065550100"},
		{name: "spreadsheet apostrophe", in: "'+1 206 555 0100", want: "+1 2065550100"},
		{name: "surrounding spaces", in: "  +1 206 555 0100  ", want: "+1 2065550100"},
		{name: "no-break spaces and dashes", in: "+44\u00a020\u20137946\u00a00958", want: "+44 2079460958"},
		{name: "fullwidth digits", in: "＋８１ ３ １２３４ ５６７８", want: "+81 312345678"},
		{name: "double plus", in: "++44 20 7946 0958", want: "+44 2079460958"},
		{name: "bracketed plus", in: "(+44) 20 7946 0958", want: "+44 2079460958"},

		// Countries.
		{name: "GB national", in: "020 7946 0958", region: "GB", want: "+44 2079460958"},
		{name: "GB mobile", in: "+44 7400 123456", want: "+44 7400123456"},
		{name: "GB (0) style", in: "+44 (0)20 7946 0958", want: "+44 2079460958"},
		{name: "DE intl", in: "+49 30 123456", want: "+49 30123456"},
		{name: "DE national", in: "030 123456", region: "DE", want: "+49 30123456"},
		{name: "DE mobile", in: "+49 151 23456789", want: "+49 15123456789"},
		{name: "FR intl", in: "+33 1 23 45 67 89", want: "+33 123456789"},
		{name: "FR national", in: "01 23 45 67 89", region: "FR", want: "+33 123456789"},
		{name: "FR mobile", in: "06 12 34 56 78", region: "FR", want: "+33 612345678"},
		{name: "IN mobile", in: "+91 98765 43210", want: "+91 9876543210"},
		{name: "IN national", in: "098765 43210", region: "IN", want: "+91 9876543210"},
		{name: "BR mobile", in: "+55 11 91234-5678", want: "+55 11912345678"},
		{name: "BR national with carrier code", in: "0 21 11 91234 5678", region: "BR", want: "+55 11912345678"},
		{name: "JP fixed", in: "+81 3-1234-5678", want: "+81 312345678"},
		{name: "JP national mobile", in: "090-1234-5678", region: "JP", want: "+81 9012345678"},
		{name: "AU mobile", in: "+61 412 345 678", want: "+61 412345678"},
		{name: "AU national", in: "(02) 9876 5432", region: "AU", want: "+61 298765432"},
		{name: "CA via +1", in: "+1 613 555 0123", want: "+1 6135550123"},
		{name: "IT leading zero", in: "+39 06 1234 5678", want: "+39 0612345678"},
		{name: "non-geographic", in: "+800 1234 5678", want: "+800 12345678"},
		{name: "intl number with other default region", in: "+44 20 7946 0958", region: "DE", want: "+44 2079460958"},

		// Rejected.
		{name: "empty", in: "   ", wantErr: "empty"},
		{name: "no country code", in: "206-555-0100", wantErr: "no country code: write it as +CC… or set --default-region"},
		{name: "unknown region", in: "+1 206 555 0100", region: "XX", wantErr: `unknown default region "XX"`},
		{name: "letters", in: "+1 206 555 CALL", wantErr: "letters are not allowed"},
		{name: "letters vanity", in: "1-800-FLOWERS", region: "US", wantErr: "letters are not allowed"},
		{name: "scientific notation", in: "1.20656E+10", wantErr: "letters are not allowed"},
		{name: "too short", in: "+44 207", wantErr: "too short for country code +44 (GB, GG, IM, JE)"},
		{name: "local number", in: "555 0100", region: "US", wantErr: "too short for region US (a local number without its area code?)"},
		{name: "too long", in: "+44 20 7946 0958 12345", wantErr: "too long for country code +44 (GB, GG, IM, JE)"},
		{name: "wrong region", in: "+44 206 555 0100", wantErr: "not a valid number for country code +44 (GB, GG, IM, JE)"},
		{name: "wrong region single-region country", in: "+49 0", wantErr: "too short"},
		{name: "invalid for its region", in: "+33 0 00 00 00 00", wantErr: "not a valid number for region FR"},
		{name: "invalid national GB", in: "0 1", region: "GB", wantErr: "too short"},
		{name: "national read in default region", in: "206 555 0100", region: "GB", wantErr: "written without a country code, so read as a GB number"},
		{name: "invalid US area code", in: "+1 106 555 0100", wantErr: "not a valid number for country code +1 (US, AG, AI, …)"},
		{name: "unknown country code", in: "+999 1234 5678", wantErr: "unknown country code"},
		{name: "plus in the middle", in: "44+20 7946 0958", wantErr: "'+' is allowed only at the start"},
		{name: "extension letters", in: "+1 206 555 0100 x12a", wantErr: "extension must be digits"},
		{name: "extension empty", in: "+1 206 555 0100 ext.", wantErr: "extension is empty"},
		{name: "extension too long", in: "+1 206 555 0100 x123456789012345678901", wantErr: "extension is too long"},
		{name: "stray symbol", in: "+1 206 555 0100!", wantErr: `unexpected character '!'`},
		{name: "semicolon", in: "+1 206 555 0100; 555 0101", wantErr: `unexpected character ';'`},
		{name: "only punctuation", in: "--", wantErr: "no digits"},
		{name: "only 00", in: "00", wantErr: "too short"},
		{name: "one digit", in: "+1", wantErr: "too short"},
		{name: "invalid UTF-8", in: "+1 206\xff555 0100", wantErr: "not valid UTF-8"},
		{name: "very long", in: strings.Repeat("1", 300), wantErr: "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.in, Options{DefaultRegion: tt.region})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Normalize(%q, %q) = %q, %v; want error containing %q", tt.in, tt.region, got, err, tt.wantErr)
				}
				var pe *Error
				if !errors.As(err, &pe) {
					t.Errorf("error %T; want *Error", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Normalize(%q, %q) = %q, %v; want %q", tt.in, tt.region, got, err, tt.want)
			}
			// Graph's form reads back as itself.
			again, err := Normalize(got, Options{})
			if err != nil || again != got {
				t.Errorf("Normalize(%q) = %q, %v; want it unchanged", got, again, err)
			}
		})
	}
}

// TestErrorHidesNumber: reasons go to logs and result files, where
// numbers must be masked, so they never repeat the digits.
func TestErrorHidesNumber(t *testing.T) {
	for _, in := range []string{"+44 206 555 0100", "206 555 0199", "+1 106 555 0100", "+44 20 7946", "+999 1234 5678"} {
		_, err := Normalize(in, Options{DefaultRegion: "GB"})
		if err == nil {
			t.Fatalf("Normalize(%q) succeeded; want an error", in)
		}
		if strings.Contains(err.Error(), "555") || strings.Contains(err.Error(), "7946") || strings.Contains(err.Error(), "1234") {
			t.Errorf("Normalize(%q) error %q repeats the number", in, err)
		}
	}
}

// equivalenceCase is a canonical number (digits, + or not) read with a
// default region.
type equivalenceCase struct {
	digits string
	intl   bool
	region string
}

func (c equivalenceCase) canonical() string {
	return scanned{intl: c.intl, digits: c.digits}.canonical()
}

// exampleTypes are the number types the metadata has examples for.
var exampleTypes = []phonenumbers.PhoneNumberType{
	phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE,
	phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.PAGER,
	phonenumbers.UAN, phonenumbers.VOICEMAIL,
}

// exampleNumbers returns the metadata's example numbers: every type of every
// region, and the non-geographic entities.
func exampleNumbers() []*phonenumbers.PhoneNumber {
	var out []*phonenumbers.PhoneNumber
	regions := sortedRegions()
	for _, r := range regions {
		for _, typ := range exampleTypes {
			if pn := phonenumbers.GetExampleNumberForType(r, typ); pn != nil {
				out = append(out, pn)
			}
		}
	}
	var nonGeo []int
	for cc := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		nonGeo = append(nonGeo, cc)
	}
	slices.Sort(nonGeo)
	for _, cc := range nonGeo {
		if pn := phonenumbers.GetExampleNumberForNonGeoEntity(cc); pn != nil {
			out = append(out, pn)
		}
	}
	return out
}

func sortedRegions() []string {
	var regions []string
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	return regions
}

// equivalenceCases generates valid and invalid numbers in several regions:
// every example number of the metadata written internationally, nationally
// (with and without the national prefix), read with the wrong default
// region, and mutated (a digit changed, dropped or added), plus random
// digit strings.
func equivalenceCases(rng *rand.Rand, perExample int) []equivalenceCase {
	regions := sortedRegions()
	common := []string{"", "US", "GB", "DE", "FR", "IN", "BR", "JP", "AU", "CA", "IT", "AR", "MX", "RU", "CN"}
	var cases []equivalenceCase
	add := func(digits string, intl bool, region string) {
		cases = append(cases, equivalenceCase{digits: digits, intl: intl, region: region})
	}
	for _, pn := range exampleNumbers() {
		cc := strconv.Itoa(int(pn.GetCountryCode()))
		nsn := phonenumbers.GetNationalSignificantNumber(pn)
		region := phonenumbers.GetRegionCodeForNumber(pn)
		if region == nonGeoRegionID {
			region = ""
		}
		ndd := phonenumbers.GetNddPrefixForRegion(region, true)
		add(cc+nsn, true, "")
		add(cc+nsn, true, common[rng.Intn(len(common))])
		if region != "" {
			add(nsn, false, region)
			add(ndd+nsn, false, region)
			add(cc+nsn, false, region)
			add(cc+ndd+nsn, true, "")
			add(nsn, false, regions[rng.Intn(len(regions))])
		}
		for i := 0; i < perExample; i++ {
			m := mutateDigits(rng, nsn)
			add(cc+m, true, "")
			if region != "" {
				add(m, false, region)
				add(ndd+m, false, region)
			}
		}
	}
	for i := 0; i < 20*perExample*len(common); i++ {
		n := 1 + rng.Intn(18)
		var b strings.Builder
		for j := 0; j < n; j++ {
			b.WriteByte(byte('0' + rng.Intn(10)))
		}
		region := common[rng.Intn(len(common))]
		add(b.String(), region == "" || rng.Intn(2) == 0, region)
	}
	return cases
}

func mutateDigits(rng *rand.Rand, s string) string {
	b := []byte(s)
	switch rng.Intn(4) {
	case 0:
		if len(b) > 0 {
			b[rng.Intn(len(b))] = byte('0' + rng.Intn(10))
		}
	case 1:
		if len(b) > 1 {
			b = b[:len(b)-1]
		}
	case 2:
		b = append(b, byte('0'+rng.Intn(10)))
	default:
		i := rng.Intn(len(b) + 1)
		b = slices.Insert(b, i, byte('0'+rng.Intn(10)))
	}
	return string(b)
}

func sameParse(a, b parsed) bool {
	if a.err != nil || b.err != nil {
		return a.err == b.err
	}
	return a.cc == b.cc && a.nsn == b.nsn && a.valid == b.valid
}

func (p parsed) String() string {
	if p.err != nil {
		return "error " + p.err.Error()
	}
	return fmt.Sprintf("+%d %s valid=%v", p.cc, p.nsn, p.valid)
}

// TestFastParseMatchesLibrary proves the fast path equivalent to the
// library: on tens of thousands of generated numbers, whenever fastParse
// decides, it decides what phonenumbers.Parse + IsValidNumber decide (same
// error, same country code and national number, same validity). It also
// checks that the fast path decides nearly all of them, or it would not be
// a fast path.
func TestFastParseMatchesLibrary(t *testing.T) {
	perExample := 4
	if testing.Short() {
		perExample = 1
	}
	rng := rand.New(rand.NewSource(1))
	cases := equivalenceCases(rng, perExample)
	var decided, valid, mismatches int
	for _, c := range cases {
		fast, ok := fastParse(c.digits, c.intl, c.region)
		if !ok {
			continue
		}
		decided++
		lib := libraryParse(c.canonical(), c.region)
		if lib.err == nil && lib.valid {
			valid++
		}
		if !sameParse(fast, lib) {
			mismatches++
			if mismatches <= 20 {
				t.Errorf("%q region %q: fast path %v; library %v", c.canonical(), c.region, fast, lib)
			}
		}
	}
	t.Logf("%d cases: fast path decided %d (%d valid), %d mismatches", len(cases), decided, valid, mismatches)
	if mismatches > 0 {
		t.Fatalf("got %d mismatches; want 0", mismatches)
	}
	if decided < len(cases)*9/10 {
		t.Errorf("fast path decided %d of %d cases; want at least 90%%", decided, len(cases))
	}
	if valid < len(cases)/5 {
		t.Errorf("only %d valid numbers among %d cases; want a fair share of valid ones", valid, len(cases))
	}
}

// TestNormalizeMatchesLibraryOnRawInput compares Normalize on
// numbers written the way people write them (the library's own
// international, national and RFC 3966 formats, with extensions) with the
// library reading the same text.
func TestNormalizeMatchesLibraryOnRawInput(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	extForms := []string{"", " x%s", " ext. %s", " ext %s", " #%s", ";ext=%s", " extension %s", "x%s"}
	var n, mismatches, valid int
	for _, pn := range exampleNumbers() {
		region := phonenumbers.GetRegionCodeForNumber(pn)
		if region == nonGeoRegionID {
			region = ""
		}
		for i := 0; i < 3; i++ {
			num := pn
			if i > 0 {
				mutated, err := phonenumbers.Parse("+"+strconv.Itoa(int(pn.GetCountryCode()))+mutateDigits(rng, phonenumbers.GetNationalSignificantNumber(pn)), "")
				if err != nil {
					continue
				}
				num = mutated
			}
			ext := ""
			form := extForms[rng.Intn(len(extForms))]
			if form != "" {
				ext = strconv.Itoa(rng.Intn(100000))
			}
			texts := []struct{ text, region string }{
				{phonenumbers.Format(num, phonenumbers.INTERNATIONAL), ""},
				{phonenumbers.Format(num, phonenumbers.E164), ""},
				{phonenumbers.Format(num, phonenumbers.RFC3966), ""},
			}
			if region != "" {
				texts = append(texts, struct{ text, region string }{phonenumbers.Format(num, phonenumbers.NATIONAL), region})
			}
			for _, tx := range texts {
				text := tx.text
				if ext != "" {
					text += fmt.Sprintf(form, ext)
				}
				if hasLetters(tx.text) {
					continue // we refuse letters the library would read
				}
				n++
				got, gotErr := Normalize(text, Options{DefaultRegion: tx.region})
				want, wantOK := libraryNormalizeText(text, tx.region)
				if wantOK {
					valid++
				}
				if (gotErr == nil) != wantOK || (wantOK && got != want) {
					mismatches++
					if mismatches <= 20 {
						t.Errorf("%q region %q: got %q, %v; library %q, valid=%v", text, tx.region, got, gotErr, want, wantOK)
					}
				}
			}
		}
	}
	t.Logf("%d texts, %d valid, %d mismatches", n, valid, mismatches)
	if valid < n/3 {
		t.Errorf("only %d of %d texts valid; want more", valid, n)
	}
}

func hasLetters(s string) bool {
	s = strings.TrimPrefix(s, "tel:")
	return strings.ContainsFunc(s, func(r rune) bool { return r < 128 && isASCIILetter(byte(r)) })
}

// libraryNormalizeText is the plain library path on raw text.
func libraryNormalizeText(text, region string) (string, bool) {
	pn, err := phonenumbers.Parse(text, region)
	if err != nil || !phonenumbers.IsValidNumber(pn) {
		return "", false
	}
	return graphForm(pn.GetCountryCode(), phonenumbers.GetNationalSignificantNumber(pn), pn.GetExtension()), true
}

// TestDFAMatchesRegexp checks the automata against package regexp on every
// pattern of the metadata that fastParse matches: example numbers, their
// prefixes and mutations, and random digit strings.
func TestDFAMatchesRegexp(t *testing.T) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(3))
	var patterns, checks int
	for _, m := range coll.GetMetadata() {
		descs := []*phonenumbers.PhoneNumberDesc{m.GetGeneralDesc(), m.GetFixedLine(), m.GetMobile(), m.GetTollFree(),
			m.GetPremiumRate(), m.GetSharedCost(), m.GetPersonalNumber(), m.GetVoip(), m.GetPager(), m.GetUan(), m.GetVoicemail()}
		type pat struct {
			p       string
			example string
		}
		var pats []pat
		for _, d := range descs {
			pats = append(pats, pat{d.GetNationalNumberPattern(), d.GetExampleNumber()})
		}
		pats = append(pats, pat{m.GetLeadingDigits(), ""}, pat{m.GetInternationalPrefix(), ""})
		for _, p := range pats {
			d, err := compileDFA(p.p, maxDFAStates)
			if err != nil {
				t.Errorf("region %s: pattern %q does not compile to a DFA: %v", m.GetId(), p.p, err)
				continue
			}
			patterns++
			full := regexp.MustCompile("^(?:" + p.p + ")$")
			prefix := regexp.MustCompile("^(?:" + p.p + ")")
			inputs := []string{"", p.example}
			for i := 0; i <= len(p.example); i++ {
				inputs = append(inputs, p.example[:i])
			}
			for i := 0; i < 60; i++ {
				if p.example != "" && i%2 == 0 {
					inputs = append(inputs, mutateDigits(rng, p.example))
					continue
				}
				b := make([]byte, rng.Intn(18))
				for j := range b {
					b[j] = byte('0' + rng.Intn(10))
				}
				inputs = append(inputs, string(b))
			}
			for _, in := range inputs {
				checks++
				if got, want := d.full(in), full.MatchString(in); got != want {
					t.Errorf("region %s pattern %q: dfa full(%q) = %v; want %v", m.GetId(), p.p, in, got, want)
				}
				if got, want := d.prefix(in), prefix.MatchString(in); got != want {
					t.Errorf("region %s pattern %q: dfa prefix(%q) = %v; want %v", m.GetId(), p.p, in, got, want)
				}
			}
		}
	}
	t.Logf("%d patterns, %d checks", patterns, checks)
}

func TestCompileDFA(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		in      string
		full    bool
		prefix  bool
	}{
		{name: "literal", pattern: "011", in: "011", full: true, prefix: true},
		{name: "literal prefix", pattern: "011", in: "0114420", full: false, prefix: true},
		{name: "class and count", pattern: `[2-9]\d{2}`, in: "206", full: true, prefix: true},
		{name: "class miss", pattern: `[2-9]\d{2}`, in: "106", full: false, prefix: false},
		{name: "alternation", pattern: `1[78]|2`, in: "2", full: true, prefix: true},
		{name: "optional", pattern: `0?(?:1\d)`, in: "12", full: true, prefix: true},
		{name: "empty pattern", pattern: ``, in: "", full: true, prefix: true},
		{name: "empty pattern vs digits", pattern: ``, in: "1", full: false, prefix: true},
		{name: "non-digit input", pattern: `\d+`, in: "1a", full: false, prefix: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := compileDFA(tt.pattern, 100)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.full(tt.in); got != tt.full {
				t.Errorf("full(%q) = %v; want %v", tt.in, got, tt.full)
			}
			if got := d.prefix(tt.in); got != tt.prefix {
				t.Errorf("prefix(%q) = %v; want %v", tt.in, got, tt.prefix)
			}
		})
	}
	if _, err := compileDFA(`1$|2`, 100); err == nil {
		t.Error("compileDFA accepted an assertion; want an error")
	}
	if _, err := compileDFA(`\d{1,40}`, 10); err == nil {
		t.Error("compileDFA exceeded its state bound; want an error")
	}
}

// graphFormRE is Graph's form of a number, as Normalize writes it.
var graphFormRE = regexp.MustCompile(`^\+[1-9][0-9]{0,2} [0-9]{2,17}(x[0-9]{1,20})?$`)

// FuzzNormalize: no input makes Normalize panic; what it accepts
// is in Graph's form and reads back as itself; and wherever the fast path
// decides, it agrees with the library.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"+12065550100", "+1 (206) 555-0100", "00 44 20 7946 0958", "206-555-0100", "+1 206 555 0100 ext. 123",
		"+1 2065550100x123", "#123", ";ext=1", "+44 (0)20 7946 0958", "0 21 11 91234 5678", "+0", "++", "x", "ext",
		"０９０-１２３４-５６７８", "tel:+1-206", "'+1", "+800 1234 5678", "+979 123456789", "+54 9 11 1234 5678",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
	}
	regions := []string{"", "US", "GB", "DE", "FR", "IN", "BR", "JP", "AU", "AR", "MX", "IT", "RU", "BB", "SM", "xx"}
	f.Fuzz(func(t *testing.T, s string, ri uint8) {
		region := regions[int(ri)%len(regions)]
		got, err := Normalize(s, Options{DefaultRegion: region})
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Reason == "" {
				t.Fatalf("Normalize(%q, %q): error %v (%T); want a *Error with a reason", s, region, err, err)
			}
		} else {
			if !graphFormRE.MatchString(got) {
				t.Fatalf("Normalize(%q, %q) = %q; want Graph's form", s, region, got)
			}
			if again, err := Normalize(got, Options{}); err != nil || again != got {
				t.Fatalf("Normalize(%q) = %q, %v; want it unchanged", got, again, err)
			}
		}
		sc, err := scan(s, nil)
		if err != nil {
			return
		}
		canonRegion, err := CanonicalRegion(region)
		if err != nil {
			return
		}
		if fast, ok := fastParse(sc.digits, sc.intl, canonRegion); ok {
			if lib := libraryParse(sc.canonical(), canonRegion); !sameParse(fast, lib) {
				t.Fatalf("%q region %q: fast path %v; library %v", sc.canonical(), canonRegion, fast, lib)
			}
		}
	})
}
