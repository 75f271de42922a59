package main

import (
	"time"

	"go.uber.org/zap"

	"github.com/phonereg/phonereg/graphclient"
)

// What the cloud and the date make of run's SMS sign-in step (GRAPH.md):
// China offers no enableSmsSignIn or disableSmsSignIn, so the step is off
// there; in the global cloud Microsoft retires SMS sign-in on 1 February
// 2027, which run says once. Neither changes what the phone steps do.

// smsCloud is the cloud --cloud names, for what it offers of SMS sign-in;
// with --sim too (the emulator stands in for that cloud). --cloud was
// checked before (connOptions.validate): an unknown name is the global
// cloud here.
func smsCloud(c connOptions) graphclient.Cloud {
	cloud, err := graphclient.LookupCloud(c.cloud)
	if err != nil {
		cloud, _ = graphclient.LookupCloud("global")
	}
	return cloud
}

// checkSmsCloud refuses an explicit --sms-sign-in=true in a cloud that does
// not offer it (a usage error, exit 2): the run could not do what it was
// asked. Left out, the flag's default gives way to the cloud.
func (o runOptions) checkSmsCloud() error {
	cloud := smsCloud(o.conn)
	if o.smsSignInSet && o.smsSignIn && !cloud.SmsSignInAvailable() {
		return usagef("--sms-sign-in=true with --cloud %s: Microsoft Graph does not offer enableSmsSignIn in the %s cloud (21Vianet), so SMS sign-in cannot be enabled there; leave --sms-sign-in out (the phones are added, rows record unavailable-in-cloud) or pass --sms-sign-in=false",
			cloud.Name, cloud.Name)
	}
	return nil
}

// smsNotice says once, at the start of a run that wants SMS sign-in, what
// the cloud and now make of the step: in China that it is off (info); in
// the global cloud that Microsoft retires SMS sign-in on 1 February 2027, or
// retired it (a warning: it asks the admin to act, and
// --sms-sign-in=false silences it). One log line: readable on a terminal,
// one record in JSON.
func smsNotice(log *zap.Logger, o runOptions, now time.Time) {
	if !o.smsSignIn {
		return
	}
	cloud := smsCloud(o.conn)
	if !cloud.SmsSignInAvailable() {
		log.Info("SMS sign-in is not available in the "+cloud.Name+" cloud (Graph does not offer enableSmsSignIn there): the SMS step is off, rows with a mobile record unavailable-in-cloud, and the phones are added as usual",
			zap.String("cloud", cloud.Name))
		return
	}
	if msg := graphclient.SmsSignInNotice(cloud, now); msg != "" {
		log.Warn(msg, zap.String("retirement", graphclient.SmsRetirement.Format(time.DateOnly)))
	}
}

// undoSmsNotice says once, at the start of an undo in a cloud that offers
// no disableSmsSignIn (China), that undo leaves SMS sign-in as it is.
func undoSmsNotice(log *zap.Logger, c connOptions) {
	if cloud := smsCloud(c); !cloud.SmsSignInAvailable() {
		log.Info("SMS sign-in is not available in the "+cloud.Name+" cloud (Graph does not offer disableSmsSignIn there): undo leaves SMS sign-in as the run left it; a row whose run enabled it on a mobile that stays records unavailable-in-cloud and is partial",
			zap.String("cloud", cloud.Name))
	}
}
