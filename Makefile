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

test: deps install check-generated build lint
	@mkdir -p .tmp
	@$(TIMED) "tests" bash -c 'npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json; rc=$$?; node scripts/test-summary.mjs .tmp/vitest.json || rc=1; exit $$rc'

bench: build
	@node bench/dist/run.js $(AREA)

up: build
	@node --import ./sdk/dist/telemetry/register.js cli/dist/main.js up

clean:
	npx tsc -b --clean
	rm -rf .tmp bench/out
