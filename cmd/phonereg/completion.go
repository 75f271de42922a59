package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phonereg/phonereg/graphclient"
)

// flagValues are the values a flag takes, for shell completion: each value,
// with a tab and a few words that zsh, fish and PowerShell show beside it.
type flagValues struct {
	flag string
	// commands limits the values to the commands of these names (a flag
	// name that could mean other things elsewhere, like --format); nil for
	// every command that has the flag.
	commands []string
	values   []string
}

// completedFlags lists every flag with a closed set of values. A flag that a
// command does not have (yet) is passed over: completeValues does nothing
// for it, so its values complete once the flag lands.
func completedFlags() []flagValues {
	auth := make([]string, 0, len(graphclient.AuthModes))
	for _, m := range graphclient.AuthModes {
		auth = append(auth, m+"\t"+authHelp[m])
	}
	return []flagValues{
		{flag: "on-existing", values: []string{"fail\ta different number is a conflict: the row fails", "skip\tkeep the user's number", "update\treplace it (the old one goes to previous)"}},
		{flag: "cloud", values: []string{"global\tgraph.microsoft.com", "usgov\tGCC High (L4)", "usgovdod\tDoD (L5)", "china\t21Vianet (no SMS sign-in)"}},
		{flag: "auth", values: auth},
		{flag: "from", values: []string{"mfa-server\tAzure MFA Server's export", "okta\tOkta's factors export", "duo\tDuo's users export"}},
		{flag: "format", commands: []string{"report"}, values: []string{"text", "json", "markdown", "html", "csv"}},
		{flag: "log-format", values: []string{"auto\tconsole on a terminal, JSON otherwise", "console", "json"}},
		{flag: "api-version", values: []string{"v1.0", "beta"}},
		{flag: "progress", values: []string{"auto\ta bar on a terminal, a log line every 10s otherwise", "bar", "log", "none"}},
		{flag: "delimiter", values: []string{",", ";", "tab"}},
		{flag: "throttle-scope", commands: []string{"sim"}, values: []string{"writes", "all"}},
		{flag: "sms-refusal", commands: []string{"sim"}, values: []string{"state-and-code", "state", "code", "silent"}},
	}
}

// authHelp describes each --auth mode beside its value, with the variables
// it reads.
var authHelp = map[string]string{
	graphclient.AuthAuto:             "DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI",
	graphclient.AuthSecret:           "client secret: AZURE_CLIENT_SECRET or --client-secret-file",
	graphclient.AuthCertificate:      "certificate: AZURE_CLIENT_CERTIFICATE_PATH or --certificate",
	graphclient.AuthManagedIdentity:  "the Azure resource's managed identity",
	graphclient.AuthWorkloadIdentity: "Kubernetes workload identity: AZURE_FEDERATED_TOKEN_FILE",
	graphclient.AuthAzureCLI:         "az login's account",
}

// registerCompletions registers the values of completedFlags on every
// command under root that has the flag.
func registerCompletions(root *cobra.Command) {
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		for _, fv := range completedFlags() {
			if fv.commands == nil || slices.Contains(fv.commands, cmd.Name()) {
				completeValues(cmd, fv.flag, fv.values...)
			}
		}
		for _, c := range cmd.Commands() {
			walk(c)
		}
	}
	walk(root)
}

// completeValues makes the shell offer values for cmd's --flag, and no file
// names. It does nothing when cmd has no such flag of its own, or when the
// flag completes already (its command registered a function of its own).
func completeValues(cmd *cobra.Command, flag string, values ...string) {
	if cmd.LocalFlags().Lookup(flag) == nil {
		return
	}
	if _, ok := cmd.GetFlagCompletionFunc(flag); ok {
		return
	}
	cmd.RegisterFlagCompletionFunc(flag, func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, v := range values {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}
