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
RUN_ARGS ?=

.PHONY: run test build generate check-generated lint tools bench bench-feeds clean

## run: every service and an embedded JetStream in one process (stafett dev)
run:
	go run ./services/suite/cmd/stafett dev $(RUN_ARGS)

## test: every module's tests with -race, buf lint, and fresh generated code
test: tools
	go test -race -count=1 $(PACKAGES)
	buf lint
	$(MAKE) --no-print-directory check-generated

## build: the stafett binary into .bin/
build:
	go build -trimpath -o $(BIN)/stafett ./services/suite/cmd/stafett

# DESCRIPTOR_SET: every .proto with imports and comments, served by reflection
DESCRIPTOR_SET := proto/descriptorset/stafett.binpb

## generate: regenerate Go code and the descriptor set from the .proto sources
generate: tools
	find proto -name '*.pb.go' -delete
	buf generate
	buf build --as-file-descriptor-set -o $(DESCRIPTOR_SET)

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

## lint: gofmt, go vet, buf lint, and buf breaking against main
lint: tools
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet $(PACKAGES)
	buf lint
	@if git rev-parse -q --verify main >/dev/null && git cat-file -e main:buf.yaml 2>/dev/null; then \
	  buf breaking --against '.git#branch=main'; echo "buf breaking: clean against main"; \
	else echo "buf breaking: main has no protos yet"; fi

## bench: ReceiveReferral through gRPC against raw JetStream in the same run
bench:
	go test -run '^$$' -bench . -benchtime 3s -count 1 ./services/suite/

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
