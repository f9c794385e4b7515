GO ?= go
# Brief fuzzing in `make test`; raise for a longer hunt: make fuzz FUZZTIME=5m
FUZZTIME ?= 5s

.PHONY: all build test fmt-check vet fuzz bench demo clean

all: build

## build: the chalice CLI as bin/chalice
build:
	$(GO) build -o bin/chalice ./cmd/chalice

## test: gofmt check, go vet, the race-enabled test suite, brief fuzzing
test: fmt-check vet
	$(GO) test -race ./...
	cd bench && $(GO) test -run=^$$ -bench=^$$ ./...
	$(MAKE) --no-print-directory fuzz

fmt-check:
	@files=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$files" ]; then echo "gofmt needed on:"; echo "$$files"; exit 1; fi

vet:
	$(GO) vet ./...
	cd bench && $(GO) vet ./...

fuzz:
	$(GO) test -run=^$$ -fuzz=FuzzAny -fuzztime=$(FUZZTIME) ./internal/jsonread
	$(GO) test -run=^$$ -fuzz=FuzzDecodeAPIEvent -fuzztime=$(FUZZTIME) ./app
	$(GO) test -run=^$$ -fuzz=FuzzParseConfig -fuzztime=$(FUZZTIME) ./internal/project

## bench: dispatch benchmarks, chalice vs aws-lambda-go-api-proxy + ServeMux
bench:
	$(GO) test -run=^$$ -bench=. -benchmem ./app
	cd bench && $(GO) test -run=^$$ -bench=. -benchmem -count=3 .

## demo: build the CLI and show the tutorial's routes
demo: build
	@echo "== chalice routes --project-dir examples/tutorial"
	@./bin/chalice routes --project-dir examples/tutorial
	@echo
	@echo "Try: ./bin/chalice new-project myapp && cd myapp && go test ./... && ../bin/chalice routes"

clean:
	rm -rf bin out
