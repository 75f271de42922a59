# phonereg — build, test, lint, demo. Needs only Go (see go.mod for the version).
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN     := bin/phonereg

.PHONY: all build test lint fmt tidy demo bench fuzz clean

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
DEMO_OUT ?= $(CURDIR)/demo.results.csv
demo: build
	@echo "== phonereg run --sim: samples/users.csv against the built-in Graph emulator"
	@rm -f $(DEMO_OUT) $(DEMO_OUT).bak
	-./$(BIN) run --sim --sim-users samples/sim-users.csv --in samples/users.csv --out $(DEMO_OUT) \
		--default-region US --rate 5 --log-format console
	@echo
	@echo "== the result file ($(DEMO_OUT)):"
	@column -s, -t < $(DEMO_OUT) 2>/dev/null || cat $(DEMO_OUT)
	@echo
	@echo "== run the emulator on its own: ./$(BIN) sim --state-dir sim-state --auto-users (see README.md)"

## bench: benchmarks with memory figures
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: run each fuzz target for FUZZTIME (default 20s)
FUZZTIME ?= 20s
fuzz:
	$(GO) test ./graphclient/graphsim -run '^$$' -fuzz FuzzPhoneBody -fuzztime $(FUZZTIME)
	$(GO) test ./graphclient/graphsim -run '^$$' -fuzz FuzzPaths -fuzztime $(FUZZTIME)
	$(GO) test ./graphclient -run '^$$' -fuzz FuzzRetryAfter -fuzztime $(FUZZTIME)
	$(GO) test ./graphclient -run '^$$' -fuzz FuzzParseErrorBody -fuzztime $(FUZZTIME)

clean:
	rm -rf bin sim-state demo.results.csv demo.results.csv.bak
