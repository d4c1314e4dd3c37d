# nfsmail — the two commands a newcomer runs are `make demo` and `make test`.
GO      ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
BIN     := bin/nfsmail
SEED    ?= 1

.PHONY: build demo test bench vet clean deps

build:
	$(GO) build -o $(BIN) ./cmd/nfsmail

# demo installs what is needed (system packages when root, Go modules),
# lists the scenarios, runs the director scenario (CLEAN) and a
# director-less mdbox one that corrupts mail, and cuts that corruption down
# to the operations that cause it.
demo: deps build
	$(BIN) scenarios
	@echo
	$(BIN) run maildir-director --seed $(SEED)
	@echo
	$(BIN) run mdbox-random --seed 15
	@echo
	$(BIN) shrink mdbox-random --seed 15 --out bin/mdbox-random.ops

test:
	$(GO) vet ./...
	$(GO) test -timeout 15m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./harness/... ./scenarios/...

# deps installs the system packages the real-component tiers use: libnfs
# (a real NFS client), nfs-ganesha and rpcbind (the peer server of the
# benchmark), Dovecot 2.3 and FUSE (the real-Dovecot tier), and the vmail
# user Dovecot's mail processes run as. Tests that need them skip with a
# hint when they are missing, so `make test` does not depend on this target.
DEPS := libnfs-utils nfs-ganesha nfs-ganesha-vfs rpcbind dovecot-core dovecot-imapd dovecot-lmtpd fuse3
deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEPS) \
			|| { echo "apt-get failed; the real-component tests will skip"; exit 0; }; \
		id vmail >/dev/null 2>&1 || { groupadd -g 5000 vmail; useradd -u 5000 -g 5000 -M -s /usr/sbin/nologin vmail; }; \
	else \
		echo "install as root: apt-get install -y $(DEPS); useradd -u 5000 -M vmail"; \
	fi

clean:
	rm -rf bin
