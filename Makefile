# k8ts: thin wrapper over npm scripts and the scripts in infra/, proto/ and scripts/.
#   make up      start a local cluster (embedded store)
#   make test    install what is missing, check generated code, build, lint, run every test
SHELL := /bin/bash
.DEFAULT_GOAL := help
TIMED := bash scripts/timed.sh
STAMP := node_modules/.k8ts-installed
PKG_JSONS := package.json package-lock.json $(wildcard */package.json services/*/package.json runtimes/*/package.json cni/*/package.json)
AREA ?=

.PHONY: help install deps build proto check-generated lint test bench up clean

help:
	@echo "make up               start a local k8ts cluster on the embedded store"
	@echo "make test             install what is missing, then build, lint and run every test"
	@echo "make build            compile every package (tsc -b)"
	@echo "make proto            regenerate protobuf code into sdk/src/gen"
	@echo "make lint             eslint, prettier, buf lint, buf breaking against main"
	@echo "make bench [AREA=x]   run benchmarks (results: bench/RESULTS.md)"

$(STAMP): $(PKG_JSONS)
	@$(TIMED) "npm install" bash -c 'npm ci --no-audit --no-fund || npm install --no-audit --no-fund'
	@touch $@

install: $(STAMP)

deps:
	@$(TIMED) "system packages" bash infra/install-deps.sh

build: install
	@$(TIMED) "build" npx tsc -b

proto: install
	@$(TIMED) "proto" bash proto/scripts/generate.sh

check-generated: install
	@$(TIMED) "generated code up to date" bash scripts/check-generated.sh

lint: build
	@$(TIMED) "eslint" npx eslint .
	@$(TIMED) "prettier" npx prettier --check .
	@$(TIMED) "buf lint" bash -c 'cd proto && npx buf lint'
	@$(TIMED) "buf breaking" bash proto/scripts/breaking.sh

# redis-server and nats-server for the Redis store tests, started for the run and stopped
# after it whatever its outcome (tests that restart a server start their own).
TEST_REDIS_PORT ?= 16379
TEST_NATS_PORT ?= 14222
TEST_SERVICES := --dir .tmp/services --redis-port $(TEST_REDIS_PORT) --nats-port $(TEST_NATS_PORT)

test: deps install check-generated build lint
	@mkdir -p .tmp
	@$(TIMED) "tests" bash -c 'trap "bash infra/services.sh stop $(TEST_SERVICES) >/dev/null" EXIT; \
	  bash infra/services.sh start $(TEST_SERVICES) >/dev/null || exit 1; \
	  export K8TS_TEST_REDIS_URL=redis://127.0.0.1:$(TEST_REDIS_PORT) K8TS_TEST_NATS_URL=nats://127.0.0.1:$(TEST_NATS_PORT); \
	  npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json; rc=$$?; node scripts/test-summary.mjs .tmp/vitest.json || rc=1; exit $$rc'

bench: build
	@node bench/dist/run.js $(AREA)

up: build
	@node --import ./sdk/dist/telemetry/register.js cli/dist/main.js up

clean:
	npx tsc -b --clean
	rm -rf .tmp bench/out
