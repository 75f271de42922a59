package pipeline

import (
	"context"
	"sync"
	"time"
)

// workLimit is how many of the run's workers may take a row at once: the
// pool has Config.Workers goroutines (the cap), and Config.Concurrency, when
// set, says how many of them the pace needs (Little's law: rate × latency).
// Worker i takes rows only while i < the limit; a worker past it finishes its
// row and waits. Safe for concurrent use.
type workLimit struct {
	mu      sync.Mutex
	n       int
	changed chan struct{} // closed and replaced when n changes
}

func newWorkLimit(n int) *workLimit {
	return &workLimit{n: n, changed: make(chan struct{})}
}

// set changes the limit.
func (l *workLimit) set(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n == l.n {
		return
	}
	l.n = n
	close(l.changed)
	l.changed = make(chan struct{})
}

// admit blocks until worker i may take a row, the work is over (closed), or
// ctx is done.
func (l *workLimit) admit(ctx context.Context, i int, over <-chan struct{}) error {
	for {
		l.mu.Lock()
		ok, ch := i < l.n, l.changed
		l.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-over:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// refresh sets the limit to what want says, at least 1 and at most limit.
func (l *workLimit) refresh(want func(limit int) int, limit int) {
	l.set(max(1, min(want(limit), limit)))
}

// follow refreshes the limit every interval until ctx is done.
func (l *workLimit) follow(ctx context.Context, want func(limit int) int, limit int, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			l.refresh(want, limit)
		case <-ctx.Done():
			return
		}
	}
}
