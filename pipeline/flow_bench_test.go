package pipeline

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// flowCell is one cell of make bench's flow-control matrix.
type flowCell struct {
	R        float64       `json:"budget"`      // the emulator's bucket, requests/s
	Burst    int           `json:"burst"`       // its size
	RA       string        `json:"retryAfter"`  // whole, fractional, absent
	Latency  time.Duration `json:"-"`           // mean latency of an accepted request
	LatMS    int           `json:"latencyMs"`   //
	Rate     float64       `json:"rate"`        // --rate
	Useful   int64         `json:"useful"`      // requests answered other than 429
	Sent     int64         `json:"sent"`        // requests sent
	Refused  int64         `json:"throttled"`   // 429s
	Failed   int           `json:"failedRows"`  // rows not succeeded
	Seconds  float64       `json:"seconds"`     // wall time of the run
	Util     float64       `json:"utilization"` // useful/s ÷ budget
	Goal     float64       `json:"goal"`
	Refusals float64       `json:"throttledShare"`
	Met      bool          `json:"met"`
}

// flowEnv starts graphsim with knobs and a client with rate against it.
func flowEnv(tb testing.TB, knobs graphsim.Knobs, rate float64) (*graphsim.Server, *graphclient.Client) {
	tb.Helper()
	srv, err := graphsim.NewServer(graphsim.Options{AutoCreateUsers: true, Knobs: knobs})
	if err != nil {
		tb.Fatal(err)
	}
	client := simGraphClient(tb, srv, graphclient.Config{Rate: rate})
	// The token first, so that the run measures Graph's requests only.
	if _, err := client.CheckPermissions(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return srv, client
}

func flowKnobs(r float64, burst int, ra string, latency time.Duration) graphsim.Knobs {
	return graphsim.Knobs{
		ThrottleRate: r, ThrottleBurst: burst,
		FractionalRetryAfter: ra == "fractional", OmitRetryAfter: ra == "absent",
		LatencyBase: latency * 8 / 10, LatencyJitter: latency * 2 / 10, Seed: 7,
	}
}

// users writes n users with a mobile and an office phone: two creates each
// (graphsim registers the mobile for SMS sign-in by itself).
func users(prefix string, n int) string {
	var b strings.Builder
	b.WriteString("userPrincipalName,mobile,office\n")
	for k := range n {
		fmt.Fprintf(&b, "%s%d@contoso.com,+1 206 55%05d,+1 425 55%05d\n", prefix, k, k%100000, k%100000)
	}
	return b.String()
}

// runCell runs phonereg's pipeline with default workers (the cap, and the
// client's Concurrency below it) on one cell for about d.
func runCell(tb testing.TB, c flowCell, d time.Duration, dir string) flowCell {
	dir, err := os.MkdirTemp(dir, "cell")
	if err != nil {
		tb.Fatal(err)
	}
	srv, client := flowEnv(tb, flowKnobs(c.R, c.Burst, c.RA, c.Latency), c.Rate)
	defer srv.Close()
	n := int(c.R * d.Seconds() / 2)
	start := time.Now()
	sum, err := Run(context.Background(), client, Config{
		Input: strings.NewReader(users("u", n)), Out: filepath.Join(dir, fmt.Sprintf("r%v-%d-%s-%d-%v.csv", c.R, c.Burst, c.RA, c.LatMS, c.Rate)),
		SmsSignIn: true, Workers: 256, Concurrency: client.Concurrency,
	})
	if err != nil {
		tb.Fatal(err)
	}
	c.Seconds = time.Since(start).Seconds()
	c.Failed = sum.Failed()
	st := client.Stats()
	c.Sent, c.Refused = st.Tries, st.Throttled
	c.Useful = st.Tries - st.Throttled
	c.Util = float64(c.Useful) / c.Seconds / c.R
	c.Refusals = float64(c.Refused) / float64(max(1, c.Sent))
	c.Goal = 0.95
	if c.Rate > c.R {
		c.Goal = 0.90
	}
	c.Met = c.Util >= c.Goal && c.Failed == 0 && (c.Rate > c.R || c.Refusals <= 0.01)
	return c
}

// serialScript is the way a simple script does the job: one request at a
// time, and after a 429 a sleep for its Retry-After (1 s when absent).
func serialScript(tb testing.TB, srv *graphsim.Server, n int) (useful int, elapsed time.Duration) {
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CertPool()}, ForceAttemptHTTP2: true}}
	form := "grant_type=client_credentials&client_id=" + srv.ClientID() + "&client_secret=" + srv.ClientSecret() + "&scope=" + srv.GraphURL() + "/.default"
	resp, err := hc.Post(srv.AuthorityHost()+"/"+srv.TenantID()+"/oauth2/v2.0/token", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		tb.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	start := time.Now()
	for k := range n {
		for _, ph := range []struct{ t, n string }{{"mobile", fmt.Sprintf("+1 206 55%05d", k)}, {"office", fmt.Sprintf("+1 425 55%05d", k)}} {
			for {
				req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/v1.0/users/s%d@contoso.com/authentication/phoneMethods", srv.GraphURL(), k),
					strings.NewReader(`{"phoneNumber":"`+ph.n+`","phoneType":"`+ph.t+`"}`))
				req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					tb.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusTooManyRequests {
					useful++
					break
				}
				ra, err := strconv.ParseFloat(resp.Header.Get("Retry-After"), 64)
				if err != nil {
					ra = 1
				}
				time.Sleep(time.Duration(ra * float64(time.Second)))
			}
		}
	}
	return useful, time.Since(start)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFlow is make bench's flow-control table (run it with -benchtime
// 1x; it runs once whatever b.N). FLOW_SECONDS sets each cell's length
// (default 20), FLOW_LOAD the requests/s that the cells running side by side
// may add up to (default 600; each cell has its own emulator and bucket),
// FLOW_JSON where the table is written (default flow-bench.json in the
// module's root).
func BenchmarkFlow(b *testing.B) {
	if b.N > 1 {
		b.Skip("runs once: -benchtime 1x")
	}
	d := envSeconds("FLOW_SECONDS", 20)
	load := envSeconds("FLOW_LOAD", 600).Seconds()
	dir := b.TempDir()
	var cells []flowCell
	for _, mult := range []float64{1, 2} {
		for _, r := range []float64{20, 80, 200} {
			for _, burst := range []int{5, 50} {
				for _, ra := range []string{"whole", "fractional", "absent"} {
					for _, l := range []int{20, 100, 300} {
						cells = append(cells, flowCell{R: r, Burst: burst, RA: ra, Latency: time.Duration(l) * time.Millisecond, LatMS: l, Rate: mult * r})
					}
				}
			}
		}
	}
	if only := os.Getenv("FLOW_ONLY"); only != "" { // e.g. FLOW_ONLY=20 runs the cells with budget 20
		var keep []flowCell
		for _, c := range cells {
			if strconv.FormatFloat(c.R, 'f', -1, 64) == only {
				keep = append(keep, c)
			}
		}
		cells = keep
	}
	// Cells run side by side while their budgets (what their emulators
	// accept, whatever the ceiling) add up to at most load requests/s: a
	// few tenths of one core (the engine line), so that no cell's pace
	// suffers from the others' CPU. At 1000 the cells at R 80 with a burst
	// of 5 already lost a few points to the jitter.
	out := make([]flowCell, len(cells))
	sem := semaphore.NewWeighted(int64(load))
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range cells {
		w := int64(min(c.R, load))
		if err := sem.Acquire(context.Background(), w); err != nil {
			b.Fatal(err)
		}
		wg.Go(func() {
			defer sem.Release(w)
			out[i] = runCell(b, c, d, dir)
		})
	}
	wg.Wait()
	matrixTime := time.Since(start)

	// 2. Serial script vs phonereg, side by side: R 200/s, 100 ms, burst 50,
	// whole-second Retry-After, default flags but --rate.
	knobs := flowKnobs(200, 50, "whole", 100*time.Millisecond)
	var serialRate, phoneregRate float64
	var swg sync.WaitGroup
	swg.Go(func() {
		srv, err := graphsim.NewServer(graphsim.Options{AutoCreateUsers: true, Knobs: knobs})
		if err != nil {
			b.Error(err)
			return
		}
		defer srv.Close()
		n, el := serialScript(b, srv, int(d.Seconds()*5/2))
		serialRate = float64(n) / el.Seconds()
	})
	swg.Go(func() {
		c := runCell(b, flowCell{R: 200, Burst: 50, RA: "whole", Latency: 100 * time.Millisecond, LatMS: 100, Rate: 200}, d, dir)
		phoneregRate = float64(c.Useful) / c.Seconds
	})
	swg.Wait()

	// 3. Engine speed, limits off, alone.
	srv, client := flowEnv(b, graphsim.Knobs{}, 0)
	const engineRows = 20000
	cpu0, t0 := cpuTime(), time.Now()
	if _, err := Run(context.Background(), client, Config{Input: strings.NewReader(users("e", engineRows)), Out: filepath.Join(dir, "engine.csv"), SmsSignIn: true, Workers: 64}); err != nil {
		b.Fatal(err)
	}
	engineSecs, engineCPU := time.Since(t0).Seconds(), cpuTime()-cpu0
	srv.Close()

	var tb strings.Builder
	fmt.Fprintf(&tb, "flow control: useful requests/s ÷ budget, %v per cell, side by side up to %v requests/s in all (%v in all)\n", d, load, matrixTime.Round(time.Second))
	fmt.Fprintf(&tb, "%-6s %-5s %-10s %-7s %-6s %8s %6s %8s %6s %s\n", "budget", "burst", "RetryAfter", "latency", "--rate", "util", "goal", "429s", "failed", "")
	met := 0
	for _, c := range out {
		mark := "ok"
		if !c.Met {
			mark = "MISSED"
		} else {
			met++
		}
		fmt.Fprintf(&tb, "%-6v %-5d %-10s %-7s %-6v %8.3f %6.2f %7.2f%% %6d %s\n", c.R, c.Burst, c.RA, fmt.Sprintf("%dms", c.LatMS), c.Rate, c.Util, c.Goal, 100*c.Refusals, c.Failed, mark)
	}
	fmt.Fprintf(&tb, "goals met: %d of %d cells\n", met, len(out))
	fmt.Fprintf(&tb, "serial script %.1f req/s, phonereg %.1f req/s: %.1fx (goal 18x; R 200/s, 100 ms, --rate 200, default workers)\n", serialRate, phoneregRate, phoneregRate/serialRate)
	fmt.Fprintf(&tb, "engine, limits off: %d rows (2 creates each) in %.2fs = %.0f rows/s, %.0f µs CPU per row (client and emulator share the 2 cores)\n",
		engineRows, engineSecs, engineRows/engineSecs, float64(engineCPU.Microseconds())/engineRows)
	fmt.Print(tb.String())
	path := os.Getenv("FLOW_JSON")
	if path == "" {
		path = filepath.Join("..", "flow-bench.json")
	}
	doc := map[string]any{"cells": out, "serialRequestsPerSecond": round1(serialRate), "phoneregRequestsPerSecond": round1(phoneregRate),
		"speedup": round1(phoneregRate / serialRate), "engineRowsPerSecond": math.Round(engineRows / engineSecs),
		"engineCPUMicrosPerRow": math.Round(float64(engineCPU.Microseconds()) / engineRows), "cellSeconds": d.Seconds(), "load": load}
	if js, err := json.MarshalIndent(doc, "", "  "); err == nil {
		os.WriteFile(path, append(js, '\n'), 0o644)
	}
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func envSeconds(name string, def float64) time.Duration {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil && v > 0 {
		return time.Duration(v * float64(time.Second))
	}
	return time.Duration(def * float64(time.Second))
}
