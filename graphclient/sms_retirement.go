package graphclient

import "time"

// What Microsoft has announced about SMS sign-in (GRAPH.md, "SMS sign-in and
// SMS/voice retirement"): phonereg tells the admin once per run, and never
// lets it change what the phone steps do.

// SmsRetirement is when Microsoft-provided SMS and voice, and with them SMS
// sign-in as a primary authentication method, retire in the public cloud: 1
// February 2027 (read as 00:00 UTC). Other clouds follow later, on no
// announced date.
var SmsRetirement = time.Date(2027, time.February, 1, 0, 0, 0, 0, time.UTC)

// SmsSignInAvailable reports whether the cloud offers enableSmsSignIn and
// disableSmsSignIn: every cloud but China (21Vianet), where the reference
// pages mark both not available (create, list and delete are).
func (c Cloud) SmsSignInAvailable() bool { return c.Name != "china" }

// SmsSignInNotice is what a run that enables SMS sign-in in cloud c should
// say about the retirement at now, in one paragraph; "" where nothing was
// announced (the national clouds). Before SmsRetirement it announces it;
// from then on it says it happened and that Graph's answer to the step is
// not documented, so a refusal is recorded as the step's outcome.
func SmsSignInNotice(c Cloud, now time.Time) string {
	if c.Name != "global" {
		return ""
	}
	const tail = " A customer-managed telephony provider does not support SMS sign-in; the phones stay useful for MFA and SSPR through one, and passkeys replace SMS sign-in. --sms-sign-in=false adds the phones without it."
	if now.Before(SmsRetirement) {
		return "SMS sign-in: Microsoft retires SMS sign-in as a primary authentication method, with Microsoft-provided SMS and voice, on 1 February 2027." + tail
	}
	return "SMS sign-in: Microsoft retired SMS sign-in as a primary authentication method, with Microsoft-provided SMS and voice, on 1 February 2027, and what Graph answers to enableSmsSignIn since is not documented: a refusal is recorded as the step's outcome (the row partial, its phones added), never retried." + tail
}
