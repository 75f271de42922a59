# phonereg — build, test, lint, demo. Needs only Go (see go.mod for the version).
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN     := bin/phonereg

.PHONY: all build test lint fmt tidy demo demo-recipes bench fuzz torture clean

all: lint test build

## build: compile bin/phonereg
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/phonereg

## test: go vet and the whole test suite with the race detector
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

## lint: fail when gofmt or go mod tidy would change a file
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@cp go.mod /tmp/phonereg-go.mod.bak; cp go.sum /tmp/phonereg-go.sum.bak; \
	$(GO) mod tidy; \
	if ! cmp -s go.mod /tmp/phonereg-go.mod.bak || ! cmp -s go.sum /tmp/phonereg-go.sum.bak; then \
		echo "go mod tidy would change go.mod/go.sum:"; diff -u /tmp/phonereg-go.mod.bak go.mod; \
		cp /tmp/phonereg-go.mod.bak go.mod; cp /tmp/phonereg-go.sum.bak go.sum; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

## demo: the whole job end to end on the built-in emulator
DEMO_OUT ?= demo.results.csv
DEMO_SIM ?= demo-sim
DEMO_RUN  = ./$(BIN) run --sim --sim-users samples/sim-users.csv --in samples/users.csv --out $(DEMO_OUT) --default-region US --rate 5
demo: build
	@rm -f $(DEMO_OUT) $(DEMO_OUT).bak
	@echo "== 1. phonereg validate: check the input offline"
	@./$(BIN) validate --in samples/users.csv --default-region US; echo "   exit code $$? (1: problems found; run records them as invalid rows)"
	@echo
	@echo "== 2. phonereg run --sim: samples/users.csv against the built-in Graph emulator"
	@echo "   (seeded from samples/sim-users.csv; unknown users are created on first use)"
	@$(DEMO_RUN); echo "   exit code $$? (0: all rows succeeded, 1: some did not; see the result file)"
	@echo
	@echo "== 3. phonereg report $(DEMO_OUT)"
	@./$(BIN) report $(DEMO_OUT)
	@echo
	@echo "== 4. again with the same --out and --on-existing skip --retry-failed: rows that succeeded are skipped,"
	@echo "   the rest redone (--sim starts a fresh emulator each time; against a tenant this is how a fixed problem is retried)"
	@$(DEMO_RUN) --on-existing skip --retry-failed --progress none; echo "   exit code $$?"
	@echo
	@echo
	@echo "== 5. the safety net, on one emulator that lives across commands (phonereg sim in the background,"
	@echo "   reached through sim.env as a tenant is, with --auth auto): export what the users hold, run with"
	@echo "   --on-existing update, undo that run, export again and compare the two snapshots"
	@rm -rf $(DEMO_SIM) demo.before.csv demo.after.csv demo.update.results.csv demo.update.results.undo.csv
	@./$(BIN) sim --state-dir $(DEMO_SIM) --users samples/sim-users.csv --auto-users >/dev/null 2>&1 & sim=$$!; \
	trap 'kill $$sim 2>/dev/null' EXIT; \
	for i in $$(seq 100); do grep -qs SSL_CERT_FILE $(DEMO_SIM)/sim.env && break; sleep 0.1; done; \
	. ./$(DEMO_SIM)/sim.env; \
	summary() { sed -n '/^phonereg /,$$p'; }; \
	echo "-- phonereg export --in samples/users.csv --out demo.before.csv"; \
	./$(BIN) export --in samples/users.csv --out demo.before.csv --progress none --log-format console 2>&1 | summary; \
	echo "-- phonereg run --in samples/users.csv --out demo.update.results.csv --on-existing update"; \
	./$(BIN) run --in samples/users.csv --out demo.update.results.csv --default-region US --on-existing update --progress none --log-format console 2>&1 | summary; \
	echo "-- phonereg undo --in samples/users.csv --results demo.update.results.csv"; \
	./$(BIN) undo --in samples/users.csv --results demo.update.results.csv --default-region US --progress none --log-format console 2>&1 | summary; \
	./$(BIN) export --in samples/users.csv --out demo.after.csv --progress none --log-format json >/dev/null 2>&1; \
	cut -d, -f1-5 demo.before.csv > $(DEMO_SIM)/before; cut -d, -f1-5 demo.after.csv > $(DEMO_SIM)/after; \
	if diff $(DEMO_SIM)/before $(DEMO_SIM)/after; then \
		echo "-- demo.before.csv and demo.after.csv hold the same numbers and SMS sign-in states: undo put the tenant back"; \
	else echo "-- the snapshots differ (above)"; exit 1; fi
	@echo
	@echo "The result file is $(CURDIR)/$(DEMO_OUT). The emulator on its own: ./$(BIN) sim --state-dir sim-state --auto-users (README.md)."

## demo-recipes: every recipe in samples/recipes (Kubernetes CronJob, systemd, cron, the HR
## nightly delta) runs its phonereg command on its sample input against one `phonereg sim`
## process; needs no kubectl, systemd or cron (samples/recipes/demo.sh says what it changes)
DEMO_RECIPES ?= demo-recipes
demo-recipes: build
	@PHONEREG=./$(BIN) DEMO_DIR=$(DEMO_RECIPES) sh samples/recipes/demo.sh

## bench: benchmarks with memory figures, then the flow-control table (about 6 minutes
## on 2 cores; also written to flow-bench.json). FLOW_SECONDS, FLOW_LOAD tune it.
bench:
	$(GO) test -run '^$$' -skip '^BenchmarkFlow$$' -bench . -benchmem ./...
	$(GO) test -run '^$$' -bench '^BenchmarkFlow$$' -benchtime 1x -timeout 30m ./pipeline

## torture: the real binary against a `phonereg sim` process with throttling, 503s, dropped
## connections, ambiguous writes and 5 s tokens: SIGKILLs and resumes, SIGTERMs, a second
## run on the same --out, a disk that fills; then every row and every write is checked
## (about 25 minutes on 2 cores; TORTURE_ROWS, TORTURE_KILLS tune it; mounts a tmpfs as root)
TORTURE_ROWS  ?= 10000
TORTURE_KILLS ?= 20
torture:
	PHONEREG_TORTURE=1 PHONEREG_TORTURE_ROWS=$(TORTURE_ROWS) PHONEREG_TORTURE_KILLS=$(TORTURE_KILLS) \
		$(GO) test -race -count=1 -v -timeout 120m -run '^TestTorture$$' ./cmd/phonereg

## fuzz: run each fuzz target for FUZZTIME (default 20s)
FUZZTIME ?= 20s
fuzz:
	$(GO) test ./graphclient/graphsim -run '^$$' -fuzz FuzzPhoneBody -fuzztime $(FUZZTIME)
	$(GO) test ./graphclient/graphsim -run '^$$' -fuzz FuzzPaths -fuzztime $(FUZZTIME)
	$(GO) test ./graphclient -run '^$$' -fuzz FuzzRetryAfter -fuzztime $(FUZZTIME)
	$(GO) test ./graphclient -run '^$$' -fuzz FuzzParseErrorBody -fuzztime $(FUZZTIME)
	$(GO) test ./graphclient -run '^$$' -fuzz FuzzGrantOf -fuzztime $(FUZZTIME)
	$(GO) test ./graphclient -run '^$$' -fuzz FuzzMaskPhones -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline -run '^$$' -fuzz FuzzResultLine -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline -run '^$$' -fuzz FuzzResultFile -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline -run '^$$' -fuzz FuzzReadRows -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline -run '^$$' -fuzz FuzzSnapshotLine -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline -run '^$$' -fuzz FuzzReadPresets -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline/internal/phone -run '^$$' -fuzz FuzzNormalize -fuzztime $(FUZZTIME)

clean:
	rm -rf bin sim-state demo-sim $(DEMO_RECIPES) demo.results.csv demo.results.csv.bak demo.before.csv demo.after.csv demo.update.results.csv demo.update.results.undo.csv
