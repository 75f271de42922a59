package graphclient

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// The flow controller's constants. They were chosen by measuring (make bench,
// and TestFlowSimulated's matrix on a fake clock), not by guessing.
const (
	// flowBurst is how many tries may leave together after a pause.
	flowBurst = 2
	// minRate is the floor of the adaptive rate, in tries per second.
	minRate = 0.2
	// cutPrior and cutPriorWeight shape the estimate of what the server
	// accepts after a 429 when few answers tell: as if cutPriorWeight answers
	// had come back, a cutPrior share of them accepted.
	cutPrior       = 0.7
	cutPriorWeight = 3.0
	// aim is the share of the estimated capacity the rate returns to after a
	// cut: just under the limit, so that the jitter of the network does not
	// make the server's bucket run dry.
	aim = 0.97
	// recoverTau is the time constant of the return to aim·capacity; probe is
	// the relative growth per second above it, to find capacity that freed up.
	recoverTau = time.Second
	probe      = 0.005
	// goodFor is how long a pace must hold without a 429 before it counts as
	// known to be accepted.
	goodFor = 3 * time.Second
	// fullAfter is how long a gate must have stayed closed for the server's
	// bucket to count as full again when it opens.
	fullAfter = 500 * time.Millisecond
	// lateLimit: x-ms-throttle-limit-percentage at or above it slows the rate;
	// growth stops from holdLimit on.
	holdLimit = 0.8
	lateLimit = 0.9
	// slowEvery is the least time between two slowdowns for the limit
	// percentage.
	slowEvery = time.Second
)

// flow is the client's flow controller: every try, retries included, waits
// for its turn (wait) and reports its answer (observe). It owns
//
//   - the pace: tries leave evenly at the current rate, at most flowBurst
//     together after a pause, and never more than the ceiling (Config.Rate)
//     in any one-second window;
//   - the gate: after a 429, or a 503 with Retry-After, no try leaves before
//     the moment the server named (Graph throttles per application and
//     tenant: one refused request means every request would be); no turns
//     are saved up while the gate is closed, and the tries that waited leave
//     paced when it opens;
//   - the rate: on a 429 it is cut to what the server was seen to accept; as
//     x-ms-throttle-limit-percentage nears 1 it slows before a 429 comes;
//     while answers are clean it recovers gradually, then probes slowly
//     upward for capacity that other applications freed.
//
// Safe for concurrent use.
type flow struct {
	turn chan struct{} // the turnstile: one waiter at a time looks for its turn, in arrival order

	mu       sync.Mutex
	ceiling  float64 // tries per second; +Inf: none
	window   sendWindow
	rate     float64   // current pace; +Inf: unpaced (no ceiling and never throttled)
	est      float64   // estimated capacity, tries per second; +Inf: unknown
	tat      time.Time // the pace's theoretical arrival time of the next try
	until    time.Time // the gate: no try leaves before it
	grown    time.Time // when the rate last grew
	cutAt    time.Time // when the rate was last cut or slowed
	slowAt   time.Time // when the rate was last slowed for the limit percentage
	ep       *episode  // the 429 whose answers are being counted
	noRA     int       // 429 episodes in a row without Retry-After
	lat      float64   // moving average of an exchange, seconds; 0: none yet
	percent  float64   // the last x-ms-throttle-limit-percentage; 0 once a success came without it
	start    time.Time // the first try
	history  []paceSample
	known    float64 // the highest pace held goodFor without a 429; 0: none yet
	failedAt float64 // the pace the last 429 came at
	probe    float64 // the growth per second above aim·est, slowed by 429s near failedAt
	// The phases between gate closures, for fitFromPhases.
	phase, lastPhase phase
	recent           sendMeter

	base, limit time.Duration // backoff after a 429 without Retry-After
	jitter      func() float64

	throttled atomic.Int64 // 429 answers
	cuts      atomic.Int64 // times the rate was cut or slowed
}

// phase is the time from a start or a reopened gate to the next 429: the
// tries it sent, how long it lasted, and whether the server's bucket may be
// taken as full at its start (a start, or a long closure before it).
type phase struct {
	start time.Time
	sends int
	dur   time.Duration
	full  bool
	done  bool
}

type paceSample struct {
	at   time.Time
	rate float64
}

// episode counts the answers to the tries that were already on their way
// when a 429 came: their share accepted, at the rate they were sent at, is
// what the server accepts.
type episode struct {
	firstSent time.Time // when the try answered by the 429 left
	openedAt  time.Time // when the 429 came; later tries are not counted
	sendRate  float64
	accepted  int
	refused   int
	settleAt  time.Time
	fit       float64 // what fitFromPhases found; 0: nothing
}

// fitFromPhases estimates the server's rate from two phases that each
// started with its bucket full and ended with it empty: each accepted
// bucket + rate·duration tries, so the rate is the difference of the tries
// over the difference of the durations. 0 when the phases cannot tell.
func fitFromPhases(a, b phase, sendRate float64) float64 {
	if !a.done || !b.done || !a.full || !b.full {
		return 0
	}
	dt := (b.dur - a.dur).Seconds()
	if math.Abs(dt) < 0.1 {
		return 0
	}
	r := float64(b.sends-a.sends) / dt
	if r < 0.2*sendRate || r > sendRate {
		return 0
	}
	return r
}

// newFlow returns a flow controller with ceiling tries per second (0: no
// ceiling) whose hold after a 429 without Retry-After backs off from base up
// to limit, with jitter.
func newFlow(ceiling float64, base, limit time.Duration) *flow {
	if ceiling <= 0 || math.IsNaN(ceiling) {
		ceiling = math.Inf(1)
	}
	f := &flow{
		turn: make(chan struct{}, 1), ceiling: ceiling, rate: ceiling, est: math.Inf(1),
		base: base, limit: limit, jitter: rand.Float64, probe: probe,
	}
	if !math.IsInf(ceiling, 1) {
		f.window = newSendWindow(ceiling)
	}
	f.history = make([]paceSample, 0, 64)
	return f
}

// wait blocks until the try may leave, or ctx is done, and returns when it
// left (the send time observe wants) and how long it waited.
func (f *flow) wait(ctx context.Context) (time.Time, time.Duration, error) {
	start := time.Now()
	select {
	case f.turn <- struct{}{}:
	case <-ctx.Done():
		return time.Time{}, time.Since(start), ctx.Err()
	}
	defer func() { <-f.turn }()
	for {
		now := time.Now()
		d := f.reserve(now)
		if d <= 0 {
			return now, now.Sub(start), nil
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return time.Time{}, time.Since(start), ctx.Err()
		}
	}
}

// reserve takes the turn at now and returns 0, or returns how long until a
// turn may be there (the caller asks again then: the rate or the gate may
// have changed meanwhile).
func (f *flow) reserve(now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle(now)
	if d := f.until.Sub(now); d > 0 {
		return d
	}
	var d time.Duration
	paced := !math.IsInf(f.rate, 1)
	var interval time.Duration
	if paced {
		interval = durationOf(1 / f.rate)
		f.tat = later(f.tat, now) // no turns saved up from an idle time
		if early := f.tat.Sub(now) - (flowBurst-1)*interval; early > 0 {
			d = early
		}
	}
	if w := f.window.wait(now); w > d {
		d = w
	}
	if d > 0 {
		return d
	}
	if paced {
		f.tat = f.tat.Add(interval)
	}
	f.window.add(now)
	f.recent.add(now)
	if f.start.IsZero() {
		f.start = now
		f.phase = phase{start: now, full: true}
	}
	if f.phase.done {
		f.lastPhase = f.phase
		f.phase = phase{start: now, full: !f.cutAt.IsZero() && now.Sub(f.cutAt) >= fullAfter}
	}
	f.phase.sends++
	return 0
}

// hold closes the gate until t, unless it is already closed for longer; the
// pace starts again from t, one try at a time. f.mu must be held.
func (f *flow) hold(t time.Time) {
	if !t.After(f.until) {
		return
	}
	f.until = t
	if !math.IsInf(f.rate, 1) {
		f.tat = later(f.tat, t.Add((flowBurst-1)*durationOf(1/f.rate)))
	}
}

// Until returns when the gate opens; the zero time or a past one means open.
func (f *flow) Until() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.until
}

// limitPercentage is the last x-ms-throttle-limit-percentage, as a share
// (0.8 and up near the limit), or 0 once a success came without it.
func (f *flow) limitPercentage() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.percent
}

// answer is what observe needs of a try's response.
type answer struct {
	status     int           // 0: no response (a transport failure)
	retryAfter time.Duration // 0: none named
	percent    float64       // x-ms-throttle-limit-percentage; 0: not sent
}

func answerOf(resp *http.Response) answer {
	if resp == nil {
		return answer{}
	}
	a := answer{status: resp.StatusCode, retryAfter: retryAfter(resp.Header)}
	if v := resp.Header.Get("x-ms-throttle-limit-percentage"); v != "" {
		if p, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && p > 0 && p < 100 {
			if p > 1.5 {
				p /= 100 // sent as a percentage
			}
			a.percent = p
		}
	}
	return a
}

// observe takes the answer at now to a try that left at sent, and returns
// how long that try must wait before it is sent again when it was throttled
// (the gate holds every other try as long).
func (f *flow) observe(now, sent time.Time, a answer) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a.status != 0 && a.status != http.StatusTooManyRequests {
		x := now.Sub(sent).Seconds()
		if f.lat == 0 {
			f.lat = x
		} else {
			f.lat += 0.1 * (x - f.lat)
		}
	}
	if a.percent > 0 {
		f.percent = a.percent
	} else if a.status >= 200 && a.status < 300 {
		f.percent = 0
	}
	f.settle(now)
	switch {
	case a.status == http.StatusTooManyRequests:
		f.throttled.Add(1)
		if a.retryAfter > 0 {
			f.noRA = 0
		}
		if f.ep != nil && !sent.Before(f.ep.firstSent) && sent.Before(f.ep.openedAt) {
			f.ep.refused++
		} else if f.ep == nil && !sent.Before(f.cutAt) {
			// A 429 for a try sent at the rate of the last change, once the
			// last episode settled: until then the server's bucket has not
			// had the time to show what the new rate does.
			f.cut(now, sent)
			if a.retryAfter <= 0 {
				f.noRA++
			}
		}
		d := a.retryAfter
		if d <= 0 {
			d = f.backoff()
		}
		f.hold(now.Add(d))
		return d
	case a.status == http.StatusServiceUnavailable && a.retryAfter > 0:
		f.hold(now.Add(a.retryAfter))
	case a.status == 0 || a.status >= 500:
		// Says nothing about the rate.
	default:
		if f.ep != nil && !sent.Before(f.ep.firstSent) && sent.Before(f.ep.openedAt) {
			f.ep.accepted++
		}
		f.clean(now, sent, a.percent)
	}
	return 0
}

// backoff is the hold after a 429 without Retry-After: exponential in the
// episodes in a row without one, with jitter (half to all of it).
func (f *flow) backoff() time.Duration {
	d := f.base
	for i := 1; i < f.noRA && d < f.limit; i++ {
		d *= 2
	}
	d = min(d, f.limit)
	return d/2 + time.Duration(f.jitter()*float64(d/2))
}

// cut starts an episode: the rate drops to a provisional share at once, and
// is set from the answers counted when the episode settles.
func (f *flow) cut(now, sent time.Time) {
	r := f.paceOf(now)
	settle := 2*durationOf(f.lat) + 50*time.Millisecond
	f.ep = &episode{firstSent: sent, openedAt: now, sendRate: r, refused: 1, settleAt: now.Add(settle)}
	if !f.phase.done && !f.phase.start.IsZero() {
		inFlight := int(now.Sub(sent).Seconds() * r)
		f.phase.sends = max(0, f.phase.sends-inFlight-1)
		f.phase.dur = sent.Sub(f.phase.start)
		f.phase.done = true
		f.ep.fit = fitFromPhases(f.lastPhase, f.phase, r)
	}
	f.setRate(r * cutPrior * cutPriorWeight / (cutPriorWeight + 1))
	f.cutAt = now
	f.cuts.Add(1)
}

// settle ends the episode once its answers are in.
func (f *flow) settle(now time.Time) {
	if f.ep != nil && !now.Before(f.ep.settleAt) {
		f.conclude()
	}
}

// conclude sets the estimate and the rate from the episode's answers.
func (f *flow) conclude() {
	ep := f.ep
	if ep == nil {
		return
	}
	f.ep = nil
	n := float64(ep.accepted + ep.refused)
	share := (float64(ep.accepted) + cutPrior*cutPriorWeight) / (n + cutPriorWeight)
	sampled := ep.sendRate * share
	// The rate that failed bounds the capacity from above; the more answers
	// were counted, the closer the bound comes to what they showed.
	w := max(0, (n-cutPriorWeight)/(n+cutPriorWeight))
	f.est = max(minRate, w*sampled+(1-w)*ep.sendRate)
	r := sampled
	if ep.fit > 0 && w < 0.5 {
		f.est, r = ep.fit, ep.fit
	}
	// A pace held for long without a 429 was accepted: the burst of the
	// server's bucket could not have hidden an excess that long. A 429 at or
	// under it says the service now accepts less (other applications, or
	// the jitter of the network bunching tries): the pace known to pass
	// comes down with it.
	if good := f.good(ep.openedAt); good > 0 {
		f.known = max(f.known, good)
	}
	if f.known > 0 {
		r = max(r, min(f.known, ep.sendRate)*0.99)
		if ep.sendRate <= f.known {
			f.known = ep.sendRate * aim
		}
	}
	// Probing slows down each time it fails again near where it failed
	// last: the limit is there, and each 429 costs a closed gate.
	if f.failedAt > 0 && ep.sendRate >= aim*f.failedAt {
		f.probe = max(f.probe/2, probe/16)
	} else {
		f.probe = probe
	}
	f.failedAt = ep.sendRate
	f.setRate(min(r, aim*f.est))
}

// good is the lowest pace of the goodFor before now, when there was no cut
// in it; 0 otherwise.
func (f *flow) good(now time.Time) float64 {
	since := f.cutAt
	if since.IsZero() {
		since = f.start
	}
	from := now.Add(-goodFor)
	if since.IsZero() || since.After(from) {
		return 0
	}
	// The pace only grows between cuts: the lowest of the span is the first.
	for _, p := range f.history {
		if !p.at.Before(from) {
			return p.rate
		}
	}
	return f.rate
}

// clean takes an accepted answer: the rate recovers, unless the limit
// percentage says the application nears its limit.
func (f *flow) clean(now, sent time.Time, percent float64) {
	if f.ep != nil || sent.Before(f.cutAt) || now.Before(f.until) {
		return // what the episode counts, or news older than the last cut
	}
	f.noRA = 0
	if percent >= lateLimit {
		if !sent.Before(f.slowAt) && now.Sub(f.slowAt) >= slowEvery && now.Sub(f.cutAt) >= slowEvery {
			// At most once a second, not within a second of a 429's cut,
			// and never on an answer to a try sent before the last change:
			// the server's bucket refills slowly, so its level lags the
			// rate, and the answers on their way say the same.
			p := f.paceOf(now)
			f.est = min(f.est, p)
			f.setRate(p * (1 - 0.5*(percent-holdLimit)))
			f.slowAt = now
			f.cuts.Add(1)
		}
		f.grown = now
		return
	}
	if percent >= holdLimit {
		f.grown = now
		return
	}
	if f.grown.IsZero() || f.grown.Before(f.cutAt) {
		f.grown = now
		return
	}
	dt := min(now.Sub(f.grown), time.Second).Seconds()
	f.grown = now
	if math.IsInf(f.rate, 1) {
		return
	}
	r := f.rate
	goal := min(aim*f.est, f.ceiling)
	switch {
	case r < goal && !math.IsInf(goal, 1):
		r = goal - (goal-r)*math.Exp(-dt/recoverTau.Seconds())
		r += f.probe * r * dt
	default:
		r *= 1 + f.probe*dt
		f.est = max(f.est, r/aim)
	}
	f.rate = min(r, f.ceiling)
	f.note(now)
}

// note keeps the pace's history for good, a sample every 100 ms.
func (f *flow) note(now time.Time) {
	if n := len(f.history); n > 0 && now.Sub(f.history[n-1].at) < 100*time.Millisecond {
		return
	}
	if len(f.history) == cap(f.history) && len(f.history) > 0 {
		copy(f.history, f.history[1:])
		f.history = f.history[:len(f.history)-1]
	}
	f.history = append(f.history, paceSample{now, f.rate})
}

// paceOf is the current pace; for an unpaced client, what it sent in the
// last second.
func (f *flow) paceOf(now time.Time) float64 {
	if math.IsInf(f.rate, 1) {
		return max(minRate, f.recent.rate(now))
	}
	return f.rate
}

// setRate sets the pace (at most the ceiling, at least minRate).
func (f *flow) setRate(r float64) {
	f.rate = max(minRate, min(r, f.ceiling))
	f.history = f.history[:0]
}

// FlowStats are the flow controller's state, for progress and summaries.
type FlowStats struct {
	// Rate is the current pace, tries per second; +Inf: unpaced.
	Rate float64
	// Ceiling is the configured rate; +Inf: none.
	Ceiling float64
	// Latency is the moving average of one exchange with Graph; 0: none yet.
	Latency time.Duration
	// Cuts counts the times the rate was cut (a 429) or slowed (the limit
	// percentage).
	Cuts int64
}

func (f *flow) stats() FlowStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return FlowStats{Rate: f.rate, Ceiling: f.ceiling, Latency: durationOf(f.lat), Cuts: f.cuts.Load()}
}

// sendWindow remembers the send times of the last cap(times) tries, to keep
// at most that many in any span.
type sendWindow struct {
	span  time.Duration
	times []time.Time // a ring; next is the oldest once full
	next  int
}

// newSendWindow keeps at most ceiling tries in any second (for a ceiling
// under one a second, one try in any 1/ceiling).
func newSendWindow(ceiling float64) sendWindow {
	n := int(math.Floor(ceiling))
	span := time.Second
	if n < 1 {
		n, span = 1, durationOf(1/ceiling)
	}
	return sendWindow{span: span, times: make([]time.Time, 0, n)}
}

// wait is how long until one more try fits in the window.
func (w *sendWindow) wait(now time.Time) time.Duration {
	if cap(w.times) == 0 || len(w.times) < cap(w.times) {
		return 0 // no ceiling, or room left
	}
	return w.times[w.next].Add(w.span).Sub(now)
}

func (w *sendWindow) add(now time.Time) {
	switch {
	case cap(w.times) == 0:
	case len(w.times) < cap(w.times):
		w.times = append(w.times, now)
	default:
		w.times[w.next] = now
		w.next = (w.next + 1) % len(w.times)
	}
}

// sendMeter measures an unpaced client's sends per second: the count of the
// second under way plus the share of the one before that the last second
// still covers.
type sendMeter struct {
	from      time.Time // start of the second under way
	cur, prev int
}

func (m *sendMeter) add(now time.Time) {
	m.roll(now)
	m.cur++
}

func (m *sendMeter) roll(now time.Time) {
	switch d := now.Sub(m.from); {
	case d < time.Second:
	case d < 2*time.Second:
		m.from, m.prev, m.cur = m.from.Add(time.Second), m.cur, 0
	default:
		m.from, m.prev, m.cur = now, 0, 0
	}
}

func (m *sendMeter) rate(now time.Time) float64 {
	m.roll(now)
	frac := now.Sub(m.from).Seconds()
	return float64(m.cur) + float64(m.prev)*(1-frac)
}

func durationOf(s float64) time.Duration {
	if math.IsInf(s, 0) || math.IsNaN(s) || s > 1e9 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(s * float64(time.Second))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// throttleRetry sends a try again after a 429, for as long as the server asks
// and the request's throttle budget lasts, without azcore's retry policy
// seeing it: waiting out throttling does not use up MaxAttempts. It sits
// before tryPolicy, so every try has its own client-request-id and log line.
type throttleRetry struct {
	budget time.Duration // the most one request waits out 429s in all
}

func (p throttleRetry) Do(req *policy.Request) (*http.Response, error) {
	var waited time.Duration
	for {
		resp, err := req.Clone(req.Raw().Context()).Next()
		if err != nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			return resp, err
		}
		st := statsOf(req)
		d := time.Duration(0)
		if st != nil {
			d = st.hold
		}
		if waited+d > p.budget {
			return resp, nil // the caller sees the 429: ErrThrottled, retryable
		}
		runtime.Drain(resp)
		if err := req.RewindBody(); err != nil {
			return nil, err
		}
		// The wait itself happens in flowPolicy, at the gate.
		waited += max(d, time.Millisecond)
	}
}

// flowPolicy waits for the flow controller's turn before every try and
// reports the answer after it.
type flowPolicy struct {
	f *flow
}

func (p flowPolicy) Do(req *policy.Request) (*http.Response, error) {
	sent, waited, err := p.f.wait(req.Raw().Context())
	addWait(req, waited)
	if err != nil {
		return nil, err
	}
	resp, err := req.Next()
	a := answerOf(resp)
	if err != nil {
		a = answer{}
	}
	hold := p.f.observe(time.Now(), sent, a)
	if st := statsOf(req); st != nil {
		st.hold = hold
	}
	return resp, err
}
