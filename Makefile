# mailcert: `make demo` sets everything up and runs the main job end to end; `make test` runs the tests.
SWIFT ?= swift
PREFIX ?= /usr/local
DESTDIR ?=
BIN_DIR = $(shell $(SWIFT) build --show-bin-path)

.PHONY: deps build demo test clean install uninstall deb

## Install the system packages mailcert builds and tests against (apt-get, when run as root).
deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

## A self-signed fallback, a CSR answered by a throwaway CA, import, list, PKCS#12 export, served on loopback.
demo: build
	scripts/demo.sh "$(BIN_DIR)/mailcert"

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

clean:
	rm -rf .build mailcert_*.deb

## The release binary (Swift runtime linked in) in $(DESTDIR)$(PREFIX)/bin, templates and hooks in share/mailcert,
## the man page and bash/zsh/fish completions.
install:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" SWIFT="$(SWIFT)" scripts/install.sh install

uninstall:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install.sh uninstall

## mailcert_<version>_<arch>.deb: the install with PREFIX=/usr, the renewal units (not enabled), Depends from ldd.
deb:
	SWIFT="$(SWIFT)" scripts/make-deb.sh

## The STARTTLS listener benchmark: `mailcert serve` against a private Postfix on 127.0.0.1 (see Benchmarks/README.md).
.PHONY: bench
bench: deps
	$(SWIFT) build -c release --product mailcert
	MAILCERT="$$($(SWIFT) build -c release --show-bin-path)/mailcert" Benchmarks/listener-benchmark.sh

## libFuzzer targets for every parser (Fuzz/README.md): N seconds each on the committed seeds, fails on any finding.
.PHONY: fuzz
SECONDS ?= 30
fuzz:
	SWIFT="$(SWIFT)" Fuzz/run.sh $(SECONDS)
