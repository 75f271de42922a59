package pipeline

import (
	"bytes"
	"context"
	"io"
	"math/rand"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// benchPhones is a pool of phone numbers written the ways people write
// them: mobile and fixed-line numbers of US, GB, DE, FR, IN, BR, JP and AU
// with varied digits, in international, E.164, 00, national (US, read with
// --default-region US) and Graph forms, some with extensions. One in
// twenty is not a valid number (too short).
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
			s = "+" + strconv.Itoa(int(pn.GetCountryCode())) + " " + phonenumbers.GetNationalSignificantNumber(pn) // Graph's form
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

var benchOptions = InputOptions{Phone: PhoneOptions{DefaultRegion: "US"}}

// appendBenchRow appends data row i: a user and one or two numbers (every
// third row has an office number too), plus two columns phonereg ignores.
func appendBenchRow(b []byte, i int, phones []string) []byte {
	b = append(b, "user"...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, "@contoso.com,"...)
	b = appendCSVCell(b, phones[(i*7)%len(phones)])
	b = append(b, ',', ',')
	if i%3 == 0 {
		b = appendCSVCell(b, phones[(i*13+5)%len(phones)])
	}
	b = append(b, ",User "...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, ",\"Sales, EMEA\"\n"...)
	return b
}

func appendCSVCell(b []byte, s string) []byte {
	if bytes.ContainsAny([]byte(s), ",\"") {
		return append(append(append(b, '"'), s...), '"')
	}
	return append(b, s...)
}

const benchHeader = "userPrincipalName,mobile,alternateMobile,office,Display Name,Department\n"

var benchInput = sync.OnceValue(func() []byte {
	phones := benchPhones()
	b := []byte(benchHeader)
	for i := range 100_000 {
		b = appendBenchRow(b, i, phones)
	}
	return b
})

// BenchmarkReadRows reads and normalizes a 100,000-row file held in memory.
func BenchmarkReadRows(b *testing.B) {
	data := benchInput()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rows := 0
	b.ResetTimer()
	for range b.N {
		_, err := ReadRows(context.Background(), bytes.NewReader(data), benchOptions, func(Row) error {
			rows++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// rowGenerator is an io.Reader producing a header and n rows on the fly,
// so that reading a huge input needs no huge buffer.
type rowGenerator struct {
	n, i    int
	phones  []string
	pending []byte
}

func (g *rowGenerator) Read(p []byte) (int, error) {
	if g.pending == nil {
		g.pending = []byte(benchHeader)
	}
	n := 0
	for n < len(p) {
		if len(g.pending) == 0 {
			if g.i == g.n {
				break
			}
			g.pending = appendBenchRow(g.pending[:0], g.i, g.phones)
			g.i++
		}
		c := copy(p[n:], g.pending)
		n += c
		g.pending = g.pending[c:]
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// BenchmarkReadRowsMemory streams 1,000,000 generated rows and reports
// memory while doing so: reading must not grow with the input (the
// product's goal is 64 MiB of RSS for a whole run over a million rows).
// live-MiB is the most the heap held after a collection forced every
// 100,000 rows, less what it held before reading: ReadRows' own working
// set. peak-heap-MiB and peak-sys-MiB are sampled every 5 ms and include
// garbage not yet collected (the GC lets the heap grow to about twice what
// is live, so run this benchmark alone for meaningful figures).
func BenchmarkReadRowsMemory(b *testing.B) {
	const n = 1_000_000
	phones := benchPhones()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	mem := startMemSampler()
	rows := 0
	var live uint64
	b.ResetTimer()
	for range b.N {
		_, err := ReadRows(context.Background(), &rowGenerator{n: n, phones: phones}, benchOptions, func(Row) error {
			rows++
			if rows%100_000 == 0 {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				live = max(live, ms.HeapInuse)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	peakHeap, peakSys := mem.stop()
	if rows != n*b.N {
		b.Fatalf("got %d rows; want %d", rows, n*b.N)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(live-min(live, base.HeapInuse))/(1<<20), "live-MiB")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakSys)/(1<<20), "peak-sys-MiB")
}
