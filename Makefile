# driftwatch: `make demo` and `make test` set up a fresh Debian machine (as root) and run.
SWIFT ?= swift
APT_PACKAGES := librdkafka-dev libprotobuf-c-dev protobuf-c-compiler libopenblas-dev kcat pkg-config curl

.PHONY: deps build release demo test proto proto-check clean

# Installs the system libraries and the Python oracle (numpy/scipy) if missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "missing Debian packages:$$missing (run make as root, or: sudo apt-get install$$missing)"; exit 1; \
		fi; \
	fi
	@python3 -c "import numpy, scipy" 2>/dev/null || python3 -m pip install --quiet numpy scipy

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	.build/release/driftwatch demo

proto:
	scripts/generate-proto.sh

proto-check: deps
	scripts/generate-proto.sh --check

test: deps proto-check
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build
