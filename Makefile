# nfsmail — the two commands a newcomer runs are `make demo` and `make test`.
GO      ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
BIN     := bin/nfsmail
SEED    ?= 1

.PHONY: build demo test bench vet clean deps

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

# deps installs the system packages the interop tests and the server
# benchmark use (libnfs-utils, nfs-ganesha, rpcbind). Tests that need them
# skip with a hint when they are missing, so `make test` does not depend
# on this target.
DEPS := libnfs-utils nfs-ganesha nfs-ganesha-vfs rpcbind
deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEPS); \
	else \
		echo "install as root: apt-get install -y $(DEPS)"; \
	fi

clean:
	rm -rf bin
