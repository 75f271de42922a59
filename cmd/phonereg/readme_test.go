package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// phoneregLine matches a shell line that runs phonereg, perhaps after
// variable assignments or the `source sim.env &&` of the emulator's recipe.
var phoneregLine = regexp.MustCompile(`^(\S+=\S*\s+|source \S+ && |\. \S+ && )*(\./)?(bin/)?phonereg\s`)

// readmeCommands are the phonereg command lines in README.md's code blocks:
// each line (continuations joined, comments dropped) whose command is
// phonereg or bin/phonereg, split as a shell would (shellCommands).
func readmeCommands(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var cmds [][]string
	inBlock, joined := false, ""
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inBlock, joined = !inBlock, ""
			continue
		}
		if !inBlock {
			continue
		}
		line = strings.TrimPrefix(strings.TrimSpace(line), "$ ")
		if strings.HasSuffix(line, `\`) {
			joined += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		line, joined = joined+line, ""
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		if !phoneregLine.MatchString(line) || strings.Contains(line, "$(") {
			continue
		}
		for _, words := range shellCommands(t, line, func(string) string { return "" }) {
			if len(words) > 1 && (words[0] == "phonereg" || strings.HasSuffix(words[0], "/phonereg")) {
				cmds = append(cmds, words[1:])
			}
		}
	}
	return cmds
}

// TestReadmeCommandsParse runs every phonereg command line of the README as
// far as a test can without a tenant (issue 12: the README's examples run as
// tests): each parses, names a command that exists, gives only flags it
// has, and a value each flag with a closed set of values accepts.
func TestReadmeCommandsParse(t *testing.T) {
	cmds := readmeCommands(t)
	if len(cmds) < 20 {
		t.Fatalf("found %d phonereg commands in README.md; want its examples", len(cmds))
	}
	for _, args := range cmds {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if args[0] == "completion" || args[0] == "help" {
				return
			}
			checkRecipeCommand(t, args)
		})
	}
}

// TestReadmeLinksStayInTheRepository: every relative link of README.md names
// a file of the repository (issue 12: users do not have ../shared/SPEC.md).
func TestReadmeLinksStayInTheRepository(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\]\(([^)#\s]+)[^)]*\)`).FindAllStringSubmatch(string(b), -1) {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		p := filepath.Join("..", "..", filepath.FromSlash(target))
		if rel, err := filepath.Rel(filepath.Join("..", ".."), p); err != nil || strings.HasPrefix(rel, "..") {
			t.Errorf("README links to %s, outside the repository", target)
		} else if _, err := os.Stat(p); err != nil {
			t.Errorf("README links to %s: %v", target, err)
		}
	}
	if strings.Contains(string(b), "../shared") {
		t.Error("README mentions ../shared, which users do not have")
	}
}
