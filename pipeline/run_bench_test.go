package pipeline

import (
	"context"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient"
)

// nopGraph answers every write at once, like a Graph with no latency, so that
// a benchmark measures the pipeline itself: reading, scheduling, the result
// file. (Against the real client and the emulator, see BenchmarkRunEmulator.)
type nopGraph struct{}

func (nopGraph) ListPhoneMethods(context.Context, string) ([]graphclient.PhoneMethod, error) {
	return []graphclient.PhoneMethod{}, nil
}

func (nopGraph) CreatePhoneMethod(_ context.Context, _ string, t graphclient.PhoneType, n string) (graphclient.PhoneMethod, error) {
	return graphclient.PhoneMethod{ID: t.MethodID(), PhoneNumber: n, PhoneType: t, SmsSignInState: graphclient.SmsReady}, nil
}
func (nopGraph) UpdatePhoneMethod(context.Context, string, string, string) error { return nil }
func (nopGraph) EnableSmsSignIn(context.Context, string) error                   { return nil }

// BenchmarkRunMemory1M runs a generated 1,000,000-row input through Run (a
// Graph that answers at once) and reports rows/s, the peak memory the Go
// runtime held during that run and a resume over the finished 1M-row result
// file (peak-sys-MiB approximates RSS; the goal is ≤ 64 MiB), and the resume's
// time. It uses GOGC 50, as the phonereg binary does. Run it alone (-bench
// RunMemory1M): other benchmarks' data would count in the peaks.
func BenchmarkRunMemory1M(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(50))
	const n = 1_000_000
	phones := benchPhones()
	mem := startMemSampler()
	dir := b.TempDir()
	var resume time.Duration
	b.ResetTimer()
	for i := range b.N {
		out := filepath.Join(dir, "r.csv")
		sum, err := Run(context.Background(), nopGraph{}, Config{
			Input: &rowGenerator{n: n, phones: phones}, Out: out, Read: benchOptions,
			SmsSignIn: true, Workers: 16, Restart: true,
		})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Rows != n {
			b.Fatalf("got %d rows; want %d", sum.Rows, n)
		}
		if i == 0 {
			start := time.Now()
			sum, err = Run(context.Background(), nopGraph{}, Config{Input: &rowGenerator{n: n, phones: phones}, Out: out, Read: benchOptions})
			if err != nil || sum.Skipped != n {
				b.Fatalf("resume: %v, skipped %d", err, sum.Skipped)
			}
			resume = time.Since(start)
		}
	}
	b.StopTimer()
	peakHeap, peakSys := mem.stop()
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakSys)/(1<<20), "peak-sys-MiB")
	b.ReportMetric(resume.Seconds(), "resume-1M-s")
}

// memSampler samples the Go runtime's memory every 5 ms and keeps the peaks:
// heap in use, and memory held from the OS (Sys less what was released),
// which approximates RSS.
type memSampler struct {
	peakHeap, peakSys atomic.Uint64
	done              chan struct{}
	wg                sync.WaitGroup
}

func startMemSampler() *memSampler {
	m := &memSampler{done: make(chan struct{})}
	m.wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.done:
				return
			case <-t.C:
			}
		}
	})
	return m
}

func (m *memSampler) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.peakHeap.Store(max(m.peakHeap.Load(), ms.HeapInuse))
	m.peakSys.Store(max(m.peakSys.Load(), ms.Sys-ms.HeapReleased))
}

// stop ends the sampling, takes a last sample, and returns the peaks.
func (m *memSampler) stop() (heap, sys uint64) {
	close(m.done)
	m.wg.Wait()
	m.sample()
	return m.peakHeap.Load(), m.peakSys.Load()
}
