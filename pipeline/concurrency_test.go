package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient"
)

// busyGraph answers every create after a pause and records how many calls
// were in flight at most: a fake of Run's Graph, for the pool's logic only.
type busyGraph struct {
	inFlight, most atomic.Int32
}

func (g *busyGraph) enter() func() {
	n := g.inFlight.Add(1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(2 * time.Millisecond)
	return func() { g.inFlight.Add(-1) }
}

func (g *busyGraph) ListPhoneMethods(context.Context, string) ([]graphclient.PhoneMethod, error) {
	defer g.enter()()
	return nil, nil
}

func (g *busyGraph) CreatePhoneMethod(_ context.Context, _ string, t graphclient.PhoneType, n string) (graphclient.PhoneMethod, error) {
	defer g.enter()()
	return graphclient.PhoneMethod{ID: t.MethodID(), PhoneNumber: n, PhoneType: t, SmsSignInState: "ready"}, nil
}

func (g *busyGraph) UpdatePhoneMethod(context.Context, string, string, string) error { return nil }
func (g *busyGraph) EnableSmsSignIn(context.Context, string) error                   { return nil }

// TestConcurrencyFollowsWant: of Workers goroutines, only as many as
// Concurrency says take rows at once; the rest wait, and the run still
// finishes every row.
func TestConcurrencyFollowsWant(t *testing.T) {
	tests := []struct {
		name          string
		workers, want int
		wantMost      int32
	}{
		{"want below the cap", 16, 3, 3},
		{"want above the cap", 4, 50, 4},
		{"want zero still runs", 8, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in strings.Builder
			in.WriteString("userPrincipalName,mobile\n")
			for k := range 60 {
				fmt.Fprintf(&in, "u%d@contoso.com,+1 206 55%05d\n", k, k)
			}
			g := &busyGraph{}
			var mu sync.Mutex
			var asked []int
			sum, err := Run(t.Context(), g, Config{
				Input: strings.NewReader(in.String()), Out: filepath.Join(t.TempDir(), "r.csv"), Workers: tt.workers,
				Concurrency: func(limit int) int {
					mu.Lock()
					asked = append(asked, limit)
					mu.Unlock()
					return tt.want
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Processed != 60 || sum.Failed() != 0 {
				t.Errorf("processed %d, failed %d; want 60 and 0", sum.Processed, sum.Failed())
			}
			if got := g.most.Load(); got != tt.wantMost {
				t.Errorf("at most %d calls in flight; want %d", got, tt.wantMost)
			}
			if len(asked) == 0 || asked[0] != tt.workers {
				t.Errorf("Concurrency asked with %v; want the cap %d", asked, tt.workers)
			}
		})
	}
}
