package main

import (
	"context"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
	"github.com/phonereg/phonereg/pipeline"
)

// phonesOf are the phone methods the emulator holds for user, by type; nil
// when it does not know the user.
func phonesOf(st *simTenant, user string) map[string]string {
	ms, ok := st.srv.Methods(user)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, m := range ms {
		out[m.PhoneType] = m.PhoneNumber
	}
	return out
}

// checkPhones fails t unless the emulator ends with want's phones per user
// (nil: a user it never saw).
func checkPhones(t *testing.T, st *simTenant, want map[string]map[string]string) {
	t.Helper()
	for user, w := range want {
		if got := phonesOf(st, user); !maps.Equal(got, w) || (got == nil) != (w == nil) {
			t.Errorf("%s: got phones %v; want %v", user, got, w)
		}
	}
}

// fromCase is a sample run end to end with --from (or the recipe's --map).
type fromCase struct {
	name  string
	in    string   // the sample, under samples/
	flags []string // --from or --map, and what else the sample needs
	seed  []graphsim.User
	exit  int
	want  map[string]map[string]string
	// result checks cells of the result file: row number → status, and a
	// substring of the error.
	result map[int][2]string
}

var fromCases = []fromCase{
	{name: "mfa-server", in: "mfa-server-export.csv", flags: []string{"--from", "mfa-server"}, exit: 1,
		want: map[string]map[string]string{
			"alice@contoso.com": {"mobile": "+1 2065550130", "alternateMobile": "+1 2065550131"},
			// Primary with an extension → office; the backup → alternateMobile,
			// which needs a mobile: bob has none, so the row fails there, before
			// its office phone (see the seeded case below).
			"bob@contoso.com":   {},
			"carol@contoso.com": {"office": "+1 4255550134x55"},
			"dave@contoso.com":  {"mobile": "+1 4255550136", "office": "+1 4255550137x88"},
			"erin@contoso.com":  {"mobile": "+44 2079460141"},
			"frank@contoso.com": {"mobile": "+1 2065550142"},
			`CONTOSO\grace`:     nil,
			"heidi@contoso.com": nil,
		},
		result: map[int][2]string{
			2: {"failed", "alternateMobile: the user has no mobile phone"},
			7: {"invalid", `Username "CONTOSO\grace" is not a userPrincipalName`},
			8: {"invalid", "no phone: Primary Phone and Backup Phone are empty"},
		}},
	{name: "mfa-server, bob with a mobile already", in: "mfa-server-export.csv", flags: []string{"--from", "mfa-server"}, exit: 1,
		seed: []graphsim.User{{UserPrincipalName: "bob@contoso.com", Phones: map[string]string{"mobile": "+1 2065550199"}}},
		want: map[string]map[string]string{
			"bob@contoso.com": {"mobile": "+1 2065550199", "alternateMobile": "+1 2065550133", "office": "+1 4255550132x1234"},
		},
		result: map[int][2]string{2: {"succeeded", ""}}},
	{name: "okta", in: "okta-factors.csv", flags: []string{"--from", "okta"}, exit: 1,
		want: map[string]map[string]string{
			"alice@contoso.com": {"mobile": "+1 2065550150"},
			"bob@contoso.com":   {"mobile": "+1 2065550152", "alternateMobile": "+1 2065550151"},
			"carol@contoso.com": {"mobile": "+1 2065550154", "office": "+1 4255550153x4410"},
			"dave@contoso.com":  nil,
			"erin@contoso.com":  {"mobile": "+49 17612345678"},
		},
		result: map[int][2]string{
			2: {"succeeded", ""}, 3: {"succeeded", ""}, 4: {"succeeded", ""},
			7: {"invalid", "okta: the sms factor's status is PENDING_ACTIVATION"},
		}},
	{name: "duo", in: "duo-phones.csv", flags: []string{"--from", "duo"}, exit: 1,
		want: map[string]map[string]string{
			"alice@contoso.com": {"mobile": "+1 2065550160", "alternateMobile": "+1 2065550161"},
			"bob@contoso.com":   {"mobile": "+1 2065550163", "office": "+1 4255550162x210"},
			"carol@contoso.com": {"office": "+1 4255550164x9"},
			"dave@contoso.com":  {"mobile": "+1 2065550165", "alternateMobile": "+1 2065550166"},
			"erin@contoso.com":  {"office": "+44 2079460168"},
		},
		result: map[int][2]string{
			2: {"succeeded", ""},
			8: {"invalid", "duo: this phone is not added: Entra holds one phone of each type, and this user's mobile is row 6's, alternateMobile is row 7's"},
		}},
	{name: "ad recipe", in: "ad-users.csv", flags: []string{"--map", "office=telephoneNumber", "--default-region", "US"}, exit: 1,
		want: map[string]map[string]string{
			"alice@contoso.com": {"mobile": "+1 2065550170", "office": "+1 4255550171x120"},
			"bob@contoso.com":   {"office": "+1 4255550172"},
			"carol@contoso.com": nil,
			"dave@contoso.com":  {"mobile": "+1 2065550174"},
		},
		result: map[int][2]string{3: {"invalid", "mobile: +1 ******0173x*** has an extension"}}},
}

// TestFromSamples runs each legacy export in samples/ through `phonereg
// run` against the emulator over TLS, with azidentity's client-secret
// credential, and checks the phones each user ends with and the result
// file's rows that say what a rule did.
func TestFromSamples(t *testing.T) {
	for _, tc := range fromCases {
		t.Run(tc.name, func(t *testing.T) {
			st := simEnv(t, graphsim.Options{AutoCreateUsers: true, Users: tc.seed})
			out := filepath.Join(t.TempDir(), "results.csv")
			args := append([]string{"run", "--auth", "secret", "--in", filepath.Join("..", "..", "samples", tc.in), "--out", out,
				"--rate", "0", "--progress", "none", "--log-format", "json"}, tc.flags...)
			code, _, stderr := st.cli(t, context.Background(), args...)
			if code != tc.exit {
				t.Fatalf("got exit %d; want %d\n%s", code, tc.exit, stderr)
			}
			checkPhones(t, st, tc.want)
			rs := readResultFile(t, out)
			for row, w := range tc.result {
				r := rs[row-1]
				if string(r.Status) != w[0] || !strings.Contains(r.Error, w[1]) {
					t.Errorf("row %d: got %s %q; want %s with %q", row, r.Status, r.Error, w[0], w[1])
				}
			}
		})
	}
}

// TestFromRunLogsNotes: what a preset's rules changed is logged, once per
// row, as a warning, without a number.
func TestFromRunLogsNotes(t *testing.T) {
	st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
	out := filepath.Join(t.TempDir(), "results.csv")
	_, _, stderr := st.cli(t, context.Background(), "run", "--auth", "secret", "--from", "mfa-server",
		"--in", "../../samples/mfa-server-export.csv", "--out", out, "--rate", "0", "--progress", "none", "--log-format", "json")
	for _, h := range []string{
		`"row":3,"user":"carol@contoso.com","warning":"backup phone skipped: it has an extension, and the primary phone already took office`,
		`"row":4,"user":"dave@contoso.com","warning":"primary phone: its extension is dropped`,
		`"row":6,"user":"frank@contoso.com","warning":"backup phone skipped: it is the primary phone's number"`,
	} {
		if !strings.Contains(stderr, h) {
			t.Errorf("the log lacks %s:\n%s", h, stderr)
		}
	}
	if strings.Contains(stderr, "4255550136") || strings.Contains(stderr, "2065550142") {
		t.Errorf("a number is logged unmasked:\n%s", stderr)
	}
}

// TestFromValidate: `phonereg validate --from` on each sample prints what
// run would refuse and what the preset's rules changed.
func TestFromValidate(t *testing.T) {
	tests := []struct {
		name string
		args []string
		has  []string
	}{
		{"mfa-server", []string{"--from", "mfa-server", "--in", "../../samples/mfa-server-export.csv"}, []string{
			"row 2 (line 3): bob@contoso.com: warning: alternateMobile without a mobile",
			"row 3 (line 4): carol@contoso.com: warning: backup phone skipped: it has an extension",
			"row 4 (line 5): dave@contoso.com: warning: primary phone: its extension is dropped",
			"row 6 (line 7): frank@contoso.com: warning: backup phone skipped: it is the primary phone's number",
			`row 7 (line 8): CONTOSO\grace: invalid: Username "CONTOSO\grace" is not a userPrincipalName`,
			"row 8 (line 9): heidi@contoso.com: invalid: no phone: Primary Phone and Backup Phone are empty",
			"8 rows: 2 invalid, 0 other problems, 4 warnings",
		}},
		{"okta", []string{"--from", "okta", "--in", "../../samples/okta-factors.csv"}, []string{
			"row 3 (line 4): bob@contoso.com: warning: adds row 4's mobile first",
			"row 7 (line 8): dave@contoso.com: invalid: okta: the sms factor's status is PENDING_ACTIVATION",
			"8 rows: 1 invalid, 0 other problems, 1 warning",
		}},
		{"duo", []string{"--from", "duo", "--in", "../../samples/duo-phones.csv"}, []string{
			"row 5 (line 6): carol@contoso.com: warning: a Mobile phone with an extension is added as the office phone",
			"row 8 (line 9): dave@contoso.com: invalid: duo: this phone is not added",
			"9 rows: 1 invalid, 0 other problems, 1 warning",
		}},
		{"ad recipe", []string{"--map", "office=telephoneNumber", "--default-region", "US", "--in", "../../samples/ad-users.csv"}, []string{
			"row 3 (line 4): carol@contoso.com: invalid: mobile: +1 ******0173x*** has an extension",
			"4 rows: 1 invalid, 0 other problems, 0 warnings",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, context.Background(), append([]string{"validate"}, tc.args...)...)
			if code != 1 {
				t.Fatalf("got exit %d; want 1\n%s%s", code, stdout, stderr)
			}
			for _, h := range tc.has {
				if !strings.Contains(stdout, h) {
					t.Errorf("stdout lacks %q:\n%s", h, stdout)
				}
			}
		})
	}
}

// TestFromFlag: an unknown preset is a usage error (exit 2) naming --from
// and the presets, for every command that reads an input, before anything is
// opened; completion offers the presets.
func TestFromFlag(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\n")
	want := `--from: unknown preset "rsa": want mfa-server, okta or duo`
	for _, args := range [][]string{
		{"run", "--sim", "--in", in},
		{"validate", "--in", in},
		{"undo", "--sim", "--in", in, "--results", filepath.Join(dir, "none.results.csv")},
		{"export", "--sim", "--in", in},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, _, stderr := cli(t, context.Background(), append(args, "--from", "rsa")...)
			if code != exitUsage || !strings.Contains(stderr, want) {
				t.Errorf("got exit %d, %q; want %d with %q", code, stderr, exitUsage, want)
			}
		})
	}
	code, stdout, _ := cli(t, context.Background(), "__complete", "run", "--from", "")
	for _, name := range pipeline.PresetNames() {
		if code != 0 || !strings.Contains(stdout, name+"\t") {
			t.Errorf("completion of --from: got %d %q; want %s offered", code, stdout, name)
		}
	}
}

// TestFromUndoAndExport: undo and export read the input with --from as run
// did: undo takes back what the okta sample's run added (alice's sms and
// call factor of one number are two rows with their own keys: the first
// added the mobile, and undo finds that row's line), and export reads the duo
// sample's users.
func TestFromUndoAndExport(t *testing.T) {
	st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
	dir := t.TempDir()
	out := filepath.Join(dir, "okta.results.csv")
	common := []string{"--auth", "secret", "--rate", "0", "--progress", "none"}
	okta := []string{"--from", "okta", "--in", "../../samples/okta-factors.csv"}
	if code, _, stderr := st.cli(t, context.Background(), append(append([]string{"run", "--out", out}, common...), okta...)...); code != 1 {
		t.Fatalf("run: got exit %d; want 1\n%s", code, stderr)
	}
	undoArgs := append(append([]string{"undo", "--results", out, "--out", filepath.Join(dir, "okta.undo.csv")}, common...), okta...)
	// Exit 1: dave's row is invalid in the input, for undo too.
	if code, _, stderr := st.cli(t, context.Background(), undoArgs...); code != 1 {
		t.Fatalf("undo: got exit %d; want 1\n%s", code, stderr)
	}
	checkPhones(t, st, map[string]map[string]string{
		"alice@contoso.com": {}, "bob@contoso.com": {}, "carol@contoso.com": {}, "erin@contoso.com": {},
	})

	snap := filepath.Join(dir, "duo.snapshot.csv")
	exportArgs := append([]string{"export", "--from", "duo", "--in", "../../samples/duo-phones.csv", "--out", snap}, common...)
	if code, _, stderr := st.cli(t, context.Background(), exportArgs...); code != 0 {
		t.Fatalf("export: got exit %d; want 0\n%s", code, stderr)
	}
	recs := readCSV(t, snap)
	if len(recs) != 10 || recs[1][0] != "alice@contoso.com" || recs[9][0] != "erin@contoso.com" {
		t.Errorf("got snapshot %q; want a line per row of the sample, its users", recs)
	}
}
