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

## demo: start the emulator and show how to use it (Ctrl-C to stop)
demo: build
	@echo "Starting the Graph emulator; in another shell: source sim-state/sim.env"
	@echo "then e.g. curl a token and a phone method (see README.md). Ctrl-C stops it."
	./$(BIN) sim --state-dir sim-state --auto-users --users samples/sim-users.csv

## bench: benchmarks with memory figures
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: run each fuzz target for FUZZTIME (default 20s)
FUZZTIME ?= 20s
fuzz:
	$(GO) test ./graphclient/graphsim -run '^$$' -fuzz FuzzPhoneBody -fuzztime $(FUZZTIME)
	$(GO) test ./graphclient/graphsim -run '^$$' -fuzz FuzzPaths -fuzztime $(FUZZTIME)

clean:
	rm -rf bin sim-state
