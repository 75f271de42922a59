package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The recipes in samples/recipes hold phonereg command lines in four forms: a
// Kubernetes container's args, a systemd ExecStart, a crontab line and shell
// scripts. These tests read each command out of its file the way its runner
// would and check that phonereg still takes it (every flag exists, every
// value of a flag with a closed set is one phonereg knows), and that each
// manifest says what the README says it does, so that the recipes never
// drift from the CLI. make demo-recipes runs the same commands.

const recipesDir = "../../samples/recipes"

// recipeCommand is one phonereg command line of a recipe: the arguments
// after the binary's name.
type recipeCommand struct {
	from string // the recipe file and the form it takes there
	args []string
}

// TestRecipeCommandsParse: every recipe's phonereg command parses, with
// flag values phonereg accepts.
func TestRecipeCommandsParse(t *testing.T) {
	cmds := slices.Concat(
		[]recipeCommand{{"kubernetes/cronjob.yaml args", cronJobArgs(t, readYAMLDocs(t, "kubernetes/cronjob.yaml"))}},
		[]recipeCommand{{"systemd/phonereg.service ExecStart", execStartArgs(t)}},
		[]recipeCommand{{"cron/phonereg.cron", cronArgs(t)}},
		scriptCommands(t, "nightly/hr-nightly.sh"),
	)
	if len(cmds) < 5 {
		t.Fatalf("found %d commands; want the CronJob's, the unit's, the crontab's and the nightly script's two", len(cmds))
	}
	for _, c := range cmds {
		t.Run(c.from+": "+strings.Join(c.args, " "), func(t *testing.T) {
			checkRecipeCommand(t, c.args)
		})
	}
}

// checkRecipeCommand checks that args parse as a phonereg command line (run
// with --help, which parses every flag), and that each flag with a closed
// set of values (completedFlags) has one of them.
func checkRecipeCommand(t *testing.T, args []string) {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), append(slices.Clone(args), "--help"), strings.NewReader(""), &out, &errb); err != nil {
		t.Fatalf("phonereg %s --help: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	root := newRootCmd(deps{stdout: io.Discard, stderr: io.Discard})
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root {
		t.Fatalf("phonereg %s: no such command (%v)", args[0], err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatalf("flags: %v", err)
	}
	for _, fv := range completedFlags() {
		f := cmd.LocalFlags().Lookup(fv.flag)
		if f == nil || !f.Changed || fv.commands != nil && !slices.Contains(fv.commands, cmd.Name()) {
			continue
		}
		ok := slices.ContainsFunc(fv.values, func(v string) bool { name, _, _ := strings.Cut(v, "\t"); return name == f.Value.String() })
		if !ok {
			t.Errorf("--%s %s: not one of %v", fv.flag, f.Value, fv.values)
		}
	}
}

// readYAMLDocs reads every document of a recipe's YAML file.
func readYAMLDocs(t *testing.T, name string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(recipesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []map[string]any
	dec := yaml.NewDecoder(f)
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs = append(docs, d)
	}
}

// dig walks a decoded YAML value by map keys (string) and list indexes
// (int); nil where the path leads nowhere.
func dig(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// kind is the document of docs whose kind is k.
func kind(t *testing.T, docs []map[string]any, k string) map[string]any {
	t.Helper()
	for _, d := range docs {
		if d["kind"] == k {
			return d
		}
	}
	t.Fatalf("no %s in the manifest", k)
	return nil
}

// cronJobArgs is the CronJob's container args.
func cronJobArgs(t *testing.T, docs []map[string]any) []string {
	t.Helper()
	raw, _ := dig(kind(t, docs, "CronJob"), "spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "args").([]any)
	var args []string
	for _, a := range raw {
		s, ok := a.(string)
		if !ok {
			t.Fatalf("CronJob args: %v is not a string", a)
		}
		args = append(args, s)
	}
	if len(args) == 0 {
		t.Fatal("CronJob: no container args")
	}
	return args
}

// TestKubernetesRecipe: the CronJob runs one Job at a time as a
// ServiceAccount annotated for workload identity, with --auth
// workload-identity, the result file on the PersistentVolume, and the exit
// codes an admin must act on (2, 3) failing the Job at once.
func TestKubernetesRecipe(t *testing.T) {
	docs := readYAMLDocs(t, "kubernetes/cronjob.yaml")
	sa, pvc, cj := kind(t, docs, "ServiceAccount"), kind(t, docs, "PersistentVolumeClaim"), kind(t, docs, "CronJob")
	pod := dig(cj, "spec", "jobTemplate", "spec", "template")
	checks := []struct {
		what      string
		got, want any
	}{
		{"concurrencyPolicy", dig(cj, "spec", "concurrencyPolicy"), "Forbid"},
		{"restartPolicy", dig(pod, "spec", "restartPolicy"), "Never"},
		{"serviceAccountName", dig(pod, "spec", "serviceAccountName"), dig(sa, "metadata", "name")},
		{"workload identity label", dig(pod, "metadata", "labels", "azure.workload.identity/use"), "true"},
		{"claimName", dig(pod, "spec", "volumes", 0, "persistentVolumeClaim", "claimName"), dig(pvc, "metadata", "name")},
		{"first podFailurePolicy rule", dig(cj, "spec", "jobTemplate", "spec", "podFailurePolicy", "rules", 0, "action"), "FailJob"},
		{"its exit codes", dig(cj, "spec", "jobTemplate", "spec", "podFailurePolicy", "rules", 0, "onExitCodes", "values"), []any{2, 3}},
	}
	for _, c := range checks {
		if !equalYAML(c.got, c.want) {
			t.Errorf("%s: got %v; want %v", c.what, c.got, c.want)
		}
	}
	if id, _ := dig(sa, "metadata", "annotations", "azure.workload.identity/client-id").(string); id == "" {
		t.Errorf("the ServiceAccount has no azure.workload.identity/client-id annotation")
	}
	args := cronJobArgs(t, docs)
	if !slices.Contains(args, "--auth=workload-identity") {
		t.Errorf("args %v: want --auth=workload-identity", args)
	}
	mount, _ := dig(pod, "spec", "containers", 0, "volumeMounts", 0, "mountPath").(string)
	if out := flagValue(args, "--out"); mount == "" || !strings.HasPrefix(out, mount+"/") {
		t.Errorf("--out %q is not on the volume mounted at %q", out, mount)
	}
}

// equalYAML compares decoded YAML values.
func equalYAML(a, b any) bool {
	la, okA := a.([]any)
	lb, okB := b.([]any)
	if okA && okB {
		return slices.Equal(la, lb)
	}
	return a == b
}

// flagValue is the value of --name in args (--name=V or --name V).
func flagValue(args []string, name string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// unitFile is a systemd unit: section → key → values, in order.
type unitFile map[string]map[string][]string

// readUnit reads a recipe's systemd unit: comments skipped, lines ending in
// a backslash joined with the next.
func readUnit(t *testing.T, name string) unitFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(recipesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		for strings.HasSuffix(line, `\`) && sc.Scan() {
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(sc.Text())
		}
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: not a unit file line: %q", name, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	return u
}

// execStartArgs is phonereg.service's ExecStart, after the binary.
func execStartArgs(t *testing.T) []string {
	t.Helper()
	es := readUnit(t, "systemd/phonereg.service")["Service"]["ExecStart"]
	if len(es) != 1 {
		t.Fatalf("ExecStart: got %q; want one command", es)
	}
	cmds := shellCommands(t, es[0], func(string) string { return "/run/credentials/phonereg.service" })
	if len(cmds) != 1 || path.Base(cmds[0][0]) != "phonereg" {
		t.Fatalf("ExecStart %q: want one phonereg command", es[0])
	}
	return cmds[0][1:]
}

// TestSystemdRecipe: a oneshot service whose exit codes mean what SPEC §5
// says (1 a finished run, 2 and 3 never restarted), with time for a long
// run, and a timer that catches up on a missed night.
func TestSystemdRecipe(t *testing.T) {
	svc := readUnit(t, "systemd/phonereg.service")["Service"]
	want := map[string][]string{
		"Type": {"oneshot"}, "SuccessExitStatus": {"1"}, "RestartPreventExitStatus": {"2", "3"},
		"Restart": {"on-failure"}, "KillSignal": {"SIGTERM"}, "TimeoutStartSec": {"6h"}, "StandardError": {"journal"},
	}
	for k, vals := range want {
		got := strings.Fields(strings.Join(svc[k], " "))
		for _, v := range vals {
			if !slices.Contains(got, v) {
				t.Errorf("%s=%s: want %s among its values", k, strings.Join(svc[k], " "), v)
			}
		}
	}
	args := execStartArgs(t)
	if out := flagValue(args, "--out"); !slices.Contains(strings.Fields(strings.Join(svc["ReadWritePaths"], " ")), filepath.Dir(out)) {
		t.Errorf("--out %s is not in ReadWritePaths %v", out, svc["ReadWritePaths"])
	}
	if flagValue(args, "--log-format") != "json" {
		t.Errorf("ExecStart %v: want --log-format json for the journal", args)
	}
	timer := readUnit(t, "systemd/phonereg.timer")
	if timer["Timer"]["OnCalendar"] == nil || !slices.Equal(timer["Timer"]["Persistent"], []string{"true"}) || !slices.Equal(timer["Install"]["WantedBy"], []string{"timers.target"}) {
		t.Errorf("phonereg.timer: got %v; want OnCalendar, Persistent=true, WantedBy=timers.target", timer)
	}
}

// crontab is the recipe's crontab: its variables, and its one job's
// schedule, user and command.
func crontab(t *testing.T) (vars map[string]string, fields []string, command string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(recipesDir, "cron/phonereg.cron"))
	if err != nil {
		t.Fatal(err)
	}
	vars = map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case line == "" || line[0] == '#':
		case strings.Contains(strings.SplitN(line, " ", 2)[0], "="):
			k, v, _ := strings.Cut(line, "=")
			vars[k] = v
		case command != "":
			t.Fatalf("a second job: %q", line)
		default:
			f := strings.SplitN(line, " ", 7)
			if len(f) != 7 {
				t.Fatalf("%q: want 5 schedule fields, a user and a command", line)
			}
			fields, command = f[:6], f[6]
		}
	}
	return vars, fields, command
}

// cronArgs is the crontab job's phonereg command, with the crontab's
// variables.
func cronArgs(t *testing.T) []string {
	t.Helper()
	vars, _, command := crontab(t)
	for _, c := range shellCommands(t, command, func(k string) string { return vars[k] }) {
		if path.Base(c[0]) == "phonereg" {
			return c[1:]
		}
	}
	t.Fatalf("no phonereg command in %q", command)
	return nil
}

// TestCronRecipe: MAILTO is set, the job needs no flock, and what cron
// mails names the exit code.
func TestCronRecipe(t *testing.T) {
	vars, fields, command := crontab(t)
	if vars["MAILTO"] == "" {
		t.Errorf("no MAILTO")
	}
	if strings.Contains(command, "flock") {
		t.Errorf("the job takes a flock; phonereg locks the result file itself")
	}
	if !strings.Contains(command, "|| echo") || !strings.Contains(command, "$?") {
		t.Errorf("the job does not report its exit code: %s", command)
	}
	if fields[5] == "" {
		t.Errorf("no user field (the /etc/cron.d format)")
	}
}

// scriptCommands are the phonereg commands of a recipe's shell script: its
// lines that start with "$PHONEREG", with their continuation lines, the
// script's variables standing for paths.
func scriptCommands(t *testing.T, name string) []recipeCommand {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(recipesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"PHONEREG": "phonereg", "region": "US"}
	getenv := func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return "/var/lib/phonereg/" + k
	}
	var cmds []recipeCommand
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(line, `"$PHONEREG" `) {
			continue
		}
		for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(lines[i])
		}
		for _, c := range shellCommands(t, line, getenv) {
			if path.Base(c[0]) == "phonereg" && len(c) > 1 {
				cmds = append(cmds, recipeCommand{name + " line " + strconv.Itoa(i+1), c[1:]})
			}
		}
	}
	return cmds
}

// shellCommands splits a simple POSIX shell command line into its commands
// (at &&, || and ;) and each into words: quotes removed, $NAME and ${NAME}
// expanded by getenv outside single quotes, redirections dropped, and a
// "$@" (the script's own arguments) expanding to nothing. It knows no more
// of the shell than the recipes use, and fails the test on anything else.
func shellCommands(t *testing.T, line string, getenv func(string) string) [][]string {
	t.Helper()
	line = strings.ReplaceAll(line, ` "$@"`, "") // the script's arguments: none here
	var cmds [][]string
	var words []string
	var w strings.Builder
	inWord, quote, redirect := false, byte(0), false
	end := func() {
		if inWord && !redirect {
			words = append(words, w.String())
		}
		w.Reset()
		inWord, redirect = false, false
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				w.WriteByte(c)
			}
		case c == '$':
			name, n := shellVar(line[i+1:])
			if name == "" {
				t.Fatalf("%q: a $ the test does not know at %d", line, i)
			}
			w.WriteString(getenv(name))
			inWord = true
			i += n
		case quote == '"':
			if c == '"' {
				quote = 0
			} else {
				w.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			end()
		case c == '&' || c == '|' || c == ';':
			end()
			if len(words) > 0 {
				cmds = append(cmds, words)
			}
			words = nil
			if i+1 < len(line) && line[i+1] == c {
				i++
			}
		case c == '>' || c == '<':
			redirect, inWord = true, true
			for i+1 < len(line) && (line[i+1] == '>' || line[i+1] == '&') {
				i++ // >>, >&: 2>&1's 1 is the redirection's word
			}
			if w.Len() == 1 && w.String() >= "0" && w.String() <= "9" {
				w.Reset() // 2>>file: the fd belongs to the redirection
			}
		case c == '\\':
			t.Fatalf("%q: a backslash the test does not know at %d", line, i)
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		t.Fatalf("%q: an unclosed quote", line)
	}
	end()
	if len(words) > 0 {
		cmds = append(cmds, words)
	}
	return cmds
}

// shellVar reads the name of a variable after a $: NAME or {NAME}; it
// returns the name and how many bytes it took.
func shellVar(s string) (string, int) {
	if rest, ok := strings.CutPrefix(s, "{"); ok {
		j := strings.IndexByte(rest, '}')
		if j <= 0 {
			return "", 0
		}
		return rest[:j], j + 2
	}
	if strings.HasPrefix(s, "?") {
		return "?", 1
	}
	j := 0
	for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || j > 0 && s[j] >= '0' && s[j] <= '9') {
		j++
	}
	return s[:j], j
}

// TestNightlyRecipe: the HR nightly script keeps one --out across nights,
// passes phonereg's exit code on, and reports.
func TestNightlyRecipe(t *testing.T) {
	cmds := scriptCommands(t, "nightly/hr-nightly.sh")
	var runs, reports int
	for _, c := range cmds {
		switch c.args[0] {
		case "run":
			runs++
			if flagValue(c.args, "--out") != "/var/lib/phonereg/results" {
				t.Errorf("run --out %q: want the fixed result file", flagValue(c.args, "--out"))
			}
		case "report":
			reports++
		}
	}
	if runs != 1 || reports != 1 {
		t.Errorf("got %d runs and %d reports; want one of each", runs, reports)
	}
	b, err := os.ReadFile(filepath.Join(recipesDir, "nightly/hr-nightly.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "code=$?") || !strings.Contains(string(b), `exit "$code"`) {
		t.Errorf("the script does not pass phonereg run's exit code on")
	}
}

// TestShellCommands checks the test's own little shell reader.
func TestShellCommands(t *testing.T) {
	env := func(k string) string { return map[string]string{"A": "/a", "B": "b c"}[k] }
	got := shellCommands(t, `. "$A" && "$A/x" run --in "${A}/in.csv" --m 'p q' "$@" 2>>"$A/log" || echo "exited $?" >"$B" 2>&1; x "$B"`, env)
	want := [][]string{{".", "/a"}, {"/a/x", "run", "--in", "/a/in.csv", "--m", "p q"}, {"echo", "exited "}, {"x", "b c"}}
	if len(got) != len(want) {
		t.Fatalf("got %q; want %q", got, want)
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("command %d: got %q; want %q", i, got[i], want[i])
		}
	}
}
