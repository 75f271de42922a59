package phone

import (
	"math/rand"
	"strconv"
	"sync"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// benchPhones is a pool of phone numbers written the ways people write
// them: mobile and fixed-line numbers of US, GB, DE, FR, IN, BR, JP and AU
// with varied digits, in international, E.164, 00, national (US, read with
// default region US) and Graph forms, some with extensions. One in twenty
// is not a valid number (too short). It is the same pool as pipeline's
// benchmarks read (same seed, same steps), so figures compare.
var benchPhones = sync.OnceValue(func() []string {
	rng := rand.New(rand.NewSource(42))
	var out []string
	regions := []string{"US", "US", "US", "GB", "DE", "FR", "IN", "BR", "JP", "AU"}
	for len(out) < 4000 {
		region := regions[rng.Intn(len(regions))]
		typ := phonenumbers.MOBILE
		if rng.Intn(3) == 0 {
			typ = phonenumbers.FIXED_LINE
		}
		ex := phonenumbers.GetExampleNumberForType(region, typ)
		if ex == nil {
			continue
		}
		nsn := []byte(phonenumbers.GetNationalSignificantNumber(ex))
		for i := len(nsn) - 3; i < len(nsn); i++ {
			nsn[i] = byte('0' + rng.Intn(10))
		}
		pn, err := phonenumbers.Parse("+"+strconv.Itoa(int(ex.GetCountryCode()))+string(nsn), "")
		if err != nil {
			continue
		}
		var s string
		switch k := rng.Intn(10); {
		case k < 4:
			s = phonenumbers.Format(pn, phonenumbers.INTERNATIONAL)
		case k < 6:
			s = phonenumbers.Format(pn, phonenumbers.E164)
		case k < 7:
			s = "00" + phonenumbers.Format(pn, phonenumbers.E164)[1:]
		case k < 9 && region == "US":
			s = phonenumbers.Format(pn, phonenumbers.NATIONAL)
		default:
			s = graphForm(pn.GetCountryCode(), phonenumbers.GetNationalSignificantNumber(pn), "")
		}
		if rng.Intn(10) == 0 {
			s += " x" + strconv.Itoa(100+rng.Intn(900))
		}
		if rng.Intn(20) == 0 {
			s = s[:len(s)-3]
		}
		out = append(out, s)
	}
	return out
})

// BenchmarkNormalize normalizes the mixed pool of numbers.
func BenchmarkNormalize(b *testing.B) {
	phones := benchPhones()
	o := Options{DefaultRegion: "US"}
	b.ReportAllocs()
	for i := range b.N {
		_, _ = Normalize(phones[i%len(phones)], o)
	}
}

// BenchmarkNormalizeLibrary is the plain library path on the same
// numbers, for comparison: phonenumbers.Parse + IsValidNumber + Format.
func BenchmarkNormalizeLibrary(b *testing.B) {
	phones := benchPhones()
	b.ReportAllocs()
	for i := range b.N {
		_, _ = libraryNormalizeText(phones[i%len(phones)], "US")
	}
}
