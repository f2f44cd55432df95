# Stafett — the two commands a newcomer needs are `make run` and `make test`.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
BIN := $(CURDIR)/.bin
export PATH := $(BIN):$(PATH)

TOOLS := github.com/bufbuild/buf/cmd/buf \
         google.golang.org/protobuf/cmd/protoc-gen-go \
         google.golang.org/grpc/cmd/protoc-gen-go-grpc \
         github.com/fullstorydev/grpcurl/cmd/grpcurl
PACKAGES = $(shell go list -m -f '{{.Dir}}/...')
RUN_ARGS ?= --demo
CONSOLE := services/console
CONSOLE_DEPS := $(CONSOLE)/node_modules/.package-lock.json

.PHONY: run test build generate check-generated check-console lint tools bench bench-feeds chaos clean console-deps test-console test-browser

## run: every service and an embedded JetStream in one process (stafett dev --demo),
## the console at http://127.0.0.1:7080/console/ (its built assets are committed: no npm)
run:
	go run ./services/suite/cmd/stafett dev $(RUN_ARGS)

## test: every module's tests with -race, buf lint, fresh generated code, the
## console's unit tests and its browser tests in Debian's chromium
test: tools
	go test -race -count=1 $(PACKAGES)
	buf lint
	$(MAKE) --no-print-directory check-generated
	$(MAKE) --no-print-directory test-console test-browser

## test-console: the console's unit tests (message catalogue, formatters)
test-console: $(CONSOLE_DEPS)
	cd $(CONSOLE) && npx vitest run

## test-browser: the console in headless chromium against stafett dev --demo
test-browser: $(CONSOLE_DEPS) build
	@test -x /usr/bin/chromium || { echo "/usr/bin/chromium is missing: apt-get install -y chromium (.ci/run does)"; exit 1; }
	cd $(CONSOLE) && STAFETT_BIN=$(BIN)/stafett npx vitest run --config vitest.browser.config.ts

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

## build: the stafett binary into .bin/, stamped with VERSION (service.version)
build:
	go build -trimpath -ldflags "-X github.com/stafett/stafett/services/suite/internal/cli.buildVersion=$(VERSION)" -o $(BIN)/stafett ./services/suite/cmd/stafett

# DESCRIPTOR_SET: every .proto with imports and comments, served by reflection
DESCRIPTOR_SET := proto/descriptorset/stafett.binpb

## generate: regenerate Go code, the descriptor set and the console's TypeScript
## clients from the .proto sources, and rebuild the console's assets
## (npm ci, buf generate, vite build)
generate: tools $(CONSOLE_DEPS)
	find proto -name '*.pb.go' -delete
	buf generate
	buf build --as-file-descriptor-set -o $(DESCRIPTOR_SET)
	rm -rf $(CONSOLE)/src/gen
	buf generate --template buf.gen.console.yaml
	cd $(CONSOLE) && npx tsc --noEmit && npx vite build --logLevel warn

## console-deps: the console's npm packages, exactly as package-lock.json has them
console-deps: $(CONSOLE_DEPS)

$(CONSOLE_DEPS): $(CONSOLE)/package-lock.json $(CONSOLE)/package.json
	cd $(CONSOLE) && npm ci --no-audit --no-fund

## check-generated: fail when committed generated code differs from a fresh run
check-generated: tools
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	buf generate -o "$$tmp"; \
	diff <(cd "$$tmp/proto" && find . -name '*.pb.go' | sort) <(cd proto && find . -name '*.pb.go' | sort) \
	  || { echo "generated files differ from proto sources: run make generate"; exit 1; }; \
	for f in $$(cd "$$tmp/proto" && find . -name '*.pb.go'); do \
	  cmp -s "$$tmp/proto/$$f" "proto/$$f" || { echo "stale generated code: proto/$$f (run make generate)"; exit 1; }; \
	done; \
	buf build --as-file-descriptor-set -o "$$tmp/set.binpb"; \
	cmp -s "$$tmp/set.binpb" $(DESCRIPTOR_SET) || { echo "stale descriptor set: $(DESCRIPTOR_SET) (run make generate)"; exit 1; }; \
	echo "generated code is fresh"
	@$(MAKE) --no-print-directory check-console

## check-console: fail when the console's generated clients or built assets
## differ from a fresh generate and build
check-console: tools $(CONSOLE_DEPS)
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	buf generate --template buf.gen.console.yaml -o "$$tmp"; \
	diff -r "$$tmp/$(CONSOLE)/src/gen" $(CONSOLE)/src/gen >/dev/null \
	  || { echo "stale console clients in $(CONSOLE)/src/gen: run make generate"; diff -rq "$$tmp/$(CONSOLE)/src/gen" $(CONSOLE)/src/gen; exit 1; }; \
	(cd $(CONSOLE) && npx tsc --noEmit && npx vite build --logLevel warn --outDir "$$tmp/dist" --emptyOutDir); \
	diff -r "$$tmp/dist" $(CONSOLE)/dist >/dev/null \
	  || { echo "stale console build in $(CONSOLE)/dist: run make generate"; diff -rq "$$tmp/dist" $(CONSOLE)/dist; exit 1; }; \
	echo "console clients and build are fresh"

## lint: gofmt, go vet, buf lint, and buf breaking against main
lint: tools
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet $(PACKAGES)
	buf lint
	@if git rev-parse -q --verify main >/dev/null && git cat-file -e main:buf.yaml 2>/dev/null; then \
	  buf breaking --against '.git#branch=main'; echo "buf breaking: clean against main"; \
	else echo "buf breaking: main has no protos yet"; fi

## bench: ReceiveReferral through gRPC against raw JetStream, and native gRPC against Connect through the transcoder, each in the same run
bench:
	go test -run '^$$' -bench . -benchtime 3s -count 1 ./services/suite/

CHAOS ?= 5m

## chaos: the failover test as a long run (CHAOS=5m): repeated kills of the
## stream leader and partitions of one node under load; figures in docs/benchmarks.md
chaos:
	go test -count=1 -timeout 60m -run '^TestKillingTheStreamLeader' -v ./services/suite/ -args -chaos=$(CHAOS) | grep -E 'failover_e2e_test.go|^(---|ok|FAIL|PASS)'

## bench-feeds: notification lag, commit to rest-hook receiver, five samples of each variant
bench-feeds:
	go test -run '^$$' -bench NotificationLag -benchtime 300x -count 5 ./services/suite/

## tools: buf, protoc plugins and grpcurl, built from tools/go.mod into .bin/
tools: $(BIN)/.tools-stamp

$(BIN)/.tools-stamp: tools/go.mod tools/go.sum
	GOWORK=off go -C tools build -o $(BIN)/ $(TOOLS)
	touch $@

clean:
	rm -rf $(BIN)
