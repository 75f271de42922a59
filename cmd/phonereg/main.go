// Command phonereg onboards phone authentication methods into Microsoft Entra ID
// through Microsoft Graph, in bulk. See README.md and `phonereg --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
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
