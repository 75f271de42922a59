package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	// phonereg waits on Graph far more than it computes; a tighter GC keeps a
	// million-row run (whose resume index alone is 17 MiB) well under 64 MiB
	// of RSS at no visible cost. GOGC still overrides it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go secondSignal(ctx, stop)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err))
}

// secondSignal waits for the first SIGINT/SIGTERM (which cancels ctx: the run
// stops taking rows and finishes those in flight), then exits at once on a
// second one. The result file is an append-only journal, so it stays
// consistent; the next run resumes from it.
func secondSignal(ctx context.Context, stop context.CancelFunc) {
	<-ctx.Done()
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	stop()
	<-c
	fmt.Fprintln(os.Stderr, "\nphonereg: second signal: exiting now; the result file is consistent, run the same command again to resume")
	os.Exit(exitInterrupted)
}
