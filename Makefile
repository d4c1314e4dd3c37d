# nfsmail — the two commands a newcomer runs are `make demo` and `make test`.
GO      ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
BIN     := bin/nfsmail
SEED    ?= 1

.PHONY: build demo test bench vet clean

build:
	$(GO) build -o $(BIN) ./cmd/nfsmail

# demo builds nfsmail (fetching Go modules on first use), lists the
# scenarios and runs the director scenario and a director-less one.
demo: build
	$(BIN) scenarios
	@echo
	$(BIN) run maildir-director --seed $(SEED)
	@echo
	-$(BIN) run maildir-random --seed $(SEED)

test:
	$(GO) vet ./...
	$(GO) test -timeout 15m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./harness/... ./scenarios/...

clean:
	rm -rf bin
