package graphsim

// Knobs, the behaviour settings that can change while the emulator runs, and
// their validation. What they do is done in throttle.go, random.go and graph.go.

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ThrottleScope says which requests the throttle counts.
type ThrottleScope string

// Throttle scopes.
const (
	ThrottleWrites ThrottleScope = "writes"
	ThrottleAll    ThrottleScope = "all"
)

// SmsRefusalStyle says how a refused enableSmsSignIn tells why, since Graph does
// not document it (GRAPH.md).
type SmsRefusalStyle string

// Refusal styles.
const (
	// RefusalStateAndCode: the method's smsSignInState shows the reason and the
	// error's code names it too.
	RefusalStateAndCode SmsRefusalStyle = "state-and-code"
	// RefusalStateOnly: the state shows it; the error is a plain badRequest.
	RefusalStateOnly SmsRefusalStyle = "state"
	// RefusalCodeOnly: the error code names it; the state stays notEnabled.
	RefusalCodeOnly SmsRefusalStyle = "code"
	// RefusalSilent: neither; a plain badRequest and the state stays notEnabled.
	RefusalSilent SmsRefusalStyle = "silent"
)

// Knobs are the emulator's behaviour settings. The zero value is a well-behaved
// service: no throttling, no latency, no faults, documented status codes.
type Knobs struct {
	// ThrottleRate is the token bucket's refill, requests per second; 0 turns
	// throttling off.
	ThrottleRate float64 `json:"throttleRate"`
	// ThrottleBurst is the bucket's size; default max(1, ThrottleRate).
	ThrottleBurst int `json:"throttleBurst"`
	// ThrottleScope: writes (default) or all requests.
	ThrottleScope ThrottleScope `json:"throttleScope"`
	// FractionalRetryAfter sends Retry-After with milliseconds ("2.128") instead
	// of whole seconds rounded up.
	FractionalRetryAfter bool `json:"fractionalRetryAfter"`
	// OmitRetryAfter sends 429s without Retry-After.
	OmitRetryAfter bool `json:"omitRetryAfter"`

	// Latency is added to every Graph request: LatencyBase plus an exponentially
	// distributed extra with mean LatencyJitter, capped at LatencyBase +
	// 10*LatencyJitter.
	LatencyBase   time.Duration `json:"latencyBase"`
	LatencyJitter time.Duration `json:"latencyJitter"`
	// ThrottleAfterLatency adds the latency before the throttle decides, as
	// if all of it were the network's: requests reach the bucket reordered
	// and bunched by the jitter. By default the throttle decides on arrival
	// (a 429 comes back at once) and the latency is the processing of an
	// accepted request, as at Graph's gateway.
	ThrottleAfterLatency bool `json:"throttleAfterLatency"`

	// Fault rates, each a probability in [0,1] for every Graph request (token
	// requests are never faulted).
	// Fault503 answers 503 serviceNotAvailable (with Retry-After: 1 half the time).
	Fault503 float64 `json:"fault503"`
	// FaultReset drops the connection before the request is handled.
	FaultReset float64 `json:"faultReset"`
	// FaultAmbiguous applies a write, then drops the connection before the
	// response: the client cannot know whether it happened.
	FaultAmbiguous float64 `json:"faultAmbiguous"`

	// Create200 answers a successful create with 200 instead of 201.
	Create200 bool `json:"create200"`
	// Legacy200 answers update and enableSmsSignIn with 200 (older beta pages)
	// instead of 204.
	Legacy200 bool `json:"legacy200"`
	// NotUniqueConflict: a mobile create or update whose automatic SMS sign-in
	// registration collides with another user's number answers 409
	// phoneNumberNotUnique, while the method is created anyway.
	NotUniqueConflict bool `json:"notUniqueConflict"`
	// DuplicateTypeConflict answers a create of a phone type the user already
	// has with 409 instead of 400 (Graph does not document which).
	DuplicateTypeConflict bool `json:"duplicateTypeConflict"`
	// SmsRefusal is how a refused enableSmsSignIn says why; default
	// RefusalStateAndCode.
	SmsRefusal SmsRefusalStyle `json:"smsRefusal"`
	// PhoneRoleLegacy applies the older reference pages' rule: enabling and
	// disabling SMS sign-in need UserAuthenticationMethod.ReadWrite.All, and
	// UserAuthMethod-Phone.ReadWrite.All only reads, creates and updates. By
	// default either role enables and disables, as the current pages mark the
	// phone role least privileged (GRAPH.md). Delete needs
	// UserAuthenticationMethod.ReadWrite.All either way.
	PhoneRoleLegacy bool `json:"phoneRoleLegacy"`

	// Seed seeds the fault and latency randomness; 0 uses a random seed.
	Seed int64 `json:"seed"`
}

// Knobs returns the current behaviour settings.
func (em *Emulator) Knobs() Knobs {
	em.knobsMu.Lock()
	defer em.knobsMu.Unlock()
	return em.knobs
}

// SetKnobs replaces the behaviour settings; requests that arrive afterwards see
// them. The throttle bucket starts full when its rate or burst changes.
func (em *Emulator) SetKnobs(k Knobs) error {
	if err := k.validate(); err != nil {
		return err
	}
	if k.ThrottleScope == "" {
		k.ThrottleScope = ThrottleWrites
	}
	if k.SmsRefusal == "" {
		k.SmsRefusal = RefusalStateAndCode
	}
	if k.ThrottleRate > 0 && k.ThrottleBurst <= 0 {
		k.ThrottleBurst = max(1, int(k.ThrottleRate))
	}
	em.knobsMu.Lock()
	defer em.knobsMu.Unlock()
	if em.rng == nil || k.Seed != em.knobs.Seed {
		em.rng = newLockedRand(k.Seed)
	}
	if k.ThrottleRate != em.knobs.ThrottleRate || k.ThrottleBurst != em.knobs.ThrottleBurst {
		em.bucket.reset(k.ThrottleRate, k.ThrottleBurst, time.Now())
	}
	em.knobs = k
	return nil
}

func (k Knobs) validate() error {
	for name, p := range map[string]float64{"fault503": k.Fault503, "faultReset": k.FaultReset, "faultAmbiguous": k.FaultAmbiguous} {
		if !(p >= 0 && p <= 1) { // NaN too
			return fmt.Errorf("graphsim: %s must be a probability between 0 and 1, got %v", name, p)
		}
	}
	if !(k.ThrottleRate >= 0) || math.IsInf(k.ThrottleRate, 0) || k.ThrottleBurst < 0 {
		return errors.New("graphsim: throttle rate and burst cannot be negative")
	}
	if k.LatencyBase < 0 || k.LatencyJitter < 0 {
		return errors.New("graphsim: latency cannot be negative")
	}
	switch k.ThrottleScope {
	case "", ThrottleWrites, ThrottleAll:
	default:
		return fmt.Errorf("graphsim: throttle scope must be %q or %q, got %q", ThrottleWrites, ThrottleAll, k.ThrottleScope)
	}
	switch k.SmsRefusal {
	case "", RefusalStateAndCode, RefusalStateOnly, RefusalCodeOnly, RefusalSilent:
	default:
		return fmt.Errorf("graphsim: SMS refusal style must be one of state-and-code, state, code, silent; got %q", k.SmsRefusal)
	}
	return nil
}

// snapshot returns the knobs and the random source for one request.
func (em *Emulator) snapshot() (Knobs, *lockedRand) {
	em.knobsMu.Lock()
	defer em.knobsMu.Unlock()
	return em.knobs, em.rng
}
