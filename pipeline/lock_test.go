package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient"
)

// gateGraph holds every create until release is closed, and says when the
// first one arrived: a run that stays in the middle of its work.
type gateGraph struct {
	busyGraph
	started chan struct{}
	release chan struct{}
	once    bool
}

func (g *gateGraph) CreatePhoneMethod(ctx context.Context, user string, t graphclient.PhoneType, n string) (graphclient.PhoneMethod, error) {
	if !g.once {
		g.once = true
		close(g.started)
	}
	select {
	case <-g.release:
	case <-ctx.Done():
		return graphclient.PhoneMethod{}, ctx.Err()
	}
	return g.busyGraph.CreatePhoneMethod(ctx, user, t, n)
}

// TestSecondRunRefused: while one run works on a result file, a second run
// on it is refused with a *LockedError naming the holder, and touches
// nothing; once the first is done, the file is free again.
func TestSecondRunRefused(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	input := "userPrincipalName,mobile\n" + strings.Repeat("ada@contoso.com,+1 2065550100\n", 1)
	g := &gateGraph{started: make(chan struct{}), release: make(chan struct{})}
	first := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), g, Config{Input: strings.NewReader(input), Out: out, Workers: 1,
			Read: InputOptions{Phone: PhoneOptions{DefaultRegion: "US"}}})
		first <- err
	}()
	<-g.started

	before, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart=%v", restart), func(t *testing.T) {
			sum, err := Run(context.Background(), &busyGraph{}, Config{Input: strings.NewReader(input), Out: out, Restart: restart,
				Read: InputOptions{Phone: PhoneOptions{DefaultRegion: "US"}}})
			var le *LockedError
			if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || le.PID != os.Getpid() || sum != nil {
				t.Fatalf("got %v (%T), summary %v; want a *LockedError naming pid %d", err, err, sum, os.Getpid())
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
				t.Errorf("message %q does not name the holder's pid", err)
			}
			if after, _ := os.ReadFile(out); string(after) != string(before) {
				t.Errorf("the refused run changed the result file")
			}
			if _, err := os.Stat(out + ".bak"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the refused run made a .bak: %v", err)
			}
		})
	}
	close(g.release)
	if err := <-first; err != nil {
		t.Fatalf("first run: %v", err)
	}
	if _, err := os.Stat(out + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock file is still there after the run: %v", err)
	}
	if _, err := Run(context.Background(), &busyGraph{}, Config{Input: strings.NewReader(input), Out: out,
		Read: InputOptions{Phone: PhoneOptions{DefaultRegion: "US"}}}); err != nil {
		t.Errorf("a run after the first finished: %v", err)
	}
}

// TestLockLeftByKilledRun: a lock file whose holder is gone (a run killed
// with SIGKILL leaves the file, the kernel drops the lock) does not stop the
// next run.
func TestLockLeftByKilledRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.csv")
	if err := os.WriteFile(out+".lock", []byte("999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	input := "userPrincipalName,mobile\nada@contoso.com,+1 2065550100\n"
	if _, err := Run(context.Background(), &busyGraph{}, Config{Input: strings.NewReader(input), Out: out,
		Read: InputOptions{Phone: PhoneOptions{DefaultRegion: "US"}}}); err != nil {
		t.Fatalf("got %v; want the run to take the stale lock file over", err)
	}
}
