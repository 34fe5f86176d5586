# driftwatch: `make demo` and `make test` set up a fresh Debian machine (as root) and run.
SWIFT ?= swift
APT_PACKAGES := librdkafka-dev libprotobuf-c-dev protobuf-c-compiler libopenblas-dev libyaml-dev kcat pkg-config curl \
	prometheus chromium-headless-shell golang-go

.PHONY: deps mlflow-env build release release-static code-order demo test proto proto-check dashboards dashboards-check alerts-check architecture-check image-check kubernetes kubernetes-check bench bench-kernels bench-vectors bench-alibi alibi bench-calibration bench-compare bench-labels bench-until-end bench-decode bench-scrape evidently fuzz soak clean

# Installs the system libraries and packages, the real Prometheus (integration test, promtool),
# Chromium (status page test) and Go (text/template and regexp, as Argo Events runs the Sensor),
# kubectl (Debian's kubernetes-client, where none is there), the Python oracles and checkers
# (numpy/scipy, statsmodels, prometheus_client, kubernetes-validate, jsonschema), and the real
# clients the ingest tests write with (confluent-kafka with its schema registry serializers,
# grpcio-tools for Seldon's .proto, kserve's encoders, the CloudEvents SDK).
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
	@command -v kubectl >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client >/dev/null; \
		else echo "kubectl missing (sudo apt-get install kubernetes-client)"; exit 1; fi; }
	@python3 -c "import numpy, scipy, statsmodels, prometheus_client, kubernetes_validate, jsonschema, yaml" 2>/dev/null || \
		python3 -m pip install --quiet numpy scipy statsmodels prometheus-client kubernetes-validate jsonschema pyyaml
	@python3 -c "import confluent_kafka.schema_registry.protobuf, grpc_tools, kserve, cloudevents.kafka" 2>/dev/null || \
		python3 -m pip install --quiet "confluent-kafka[schemaregistry,protobuf]" grpcio-tools kserve cloudevents
	@python3 -c "import sklearn, nannyml" 2>/dev/null || python3 -m pip install --quiet "scikit-learn==1.9.1" "nannyml==0.13.1"

# MLflow (PyPI) in an environment of its own, so that its pins do not fight the oracles':
# MLflowEndToEndTests runs its server, and registers models with its client.
mlflow-env:
	@test -x .venv-mlflow/bin/mlflow || { python3 -m venv .venv-mlflow && .venv-mlflow/bin/pip install --quiet "mlflow==3.17.2"; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The agent as the image builds it (Dockerfile): the Swift runtime linked in, the code laid out by
# scripts/build-static.sh. Its own build folder, so that it does not undo the dynamic release build.
# SwiftPM does not see the order file change: the binary is removed so that it is linked again.
release-static: deps
	rm -f .build-static/release/driftwatch
	SWIFT=$(SWIFT) scripts/build-static.sh .build-static

# scripts/link/driftwatch.order, from the functions the agent runs under Valgrind's callgrind
# (the dev broker, 1 x 25 and 10 x 50 features, /metrics scraped): regenerate it when the code has
# moved on, then `make release-static`. A stale list costs resident memory, nothing else.
code-order: release-static
	@command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
	python3 scripts/generate-code-order.py .build-static/release/driftwatch

demo: release
	.build/release/driftwatch demo --embeddings 500

proto:
	scripts/generate-proto.sh

proto-check: deps
	scripts/generate-proto.sh --check

# Grafana dashboards and their ConfigMap come from scripts/generate-dashboards.py.
dashboards:
	scripts/generate-dashboards.py

dashboards-check:
	scripts/generate-dashboards.py --check

# The alert rules load, and each fires and does not fire where alerts/tests says.
alerts-check: deps
	promtool check rules alerts/driftwatch.rules.yml
	promtool test rules alerts/tests/*.yml

# config/kubernetes/base files that come from alerts/ and config/ (the PrometheusRule, the
# agent's configuration), and the check of every overlay and config/argo: rendered by
# `kubectl kustomize`, each object strictly against the Kubernetes API's schemas and the
# vendored CRD schemas (Tests/Schemas), their wiring, the ConfigMaps through `driftwatch check-config`.
kubernetes:
	scripts/generate-kubernetes.py

kubernetes-check: build
	scripts/generate-kubernetes.py --check
	scripts/check-kubernetes.py --driftwatch .build/debug/driftwatch

# The Dockerfile's runtime packages cover every shared library of the binary (no Docker engine
# here to build the image; the debug binary links the same C libraries as the release one).
image-check: build
	scripts/check-image-libraries.py Dockerfile .build/debug/driftwatch

# The HTTP server's tests wait on request deadlines of seconds over loopback, so they run
# first, alone, the rest after them in parallel. (Their failures in full runs on 2026-12-05 were
# children inheriting the server's sockets, fixed, and an event-loop watchdog that gave up when
# a connection was not yet active, reverted.)
test: deps mlflow-env proto-check dashboards-check alerts-check architecture-check
	scripts/generate-kubernetes.py --check
	$(SWIFT) build --build-tests
	scripts/check-image-libraries.py Dockerfile .build/debug/driftwatch
	scripts/check-kubernetes.py --driftwatch .build/debug/driftwatch
	$(SWIFT) test --skip-build --filter HTTPServerTests
	$(SWIFT) test --skip-build --skip HTTPServerTests
	$(MAKE) fuzz FUZZ_SECONDS=30

# docs/architecture.md's module table against Package.swift and the sources' imports.
architecture-check: deps
	scripts/check-architecture.py $(SWIFT)

# libFuzzer on every decoder (JSON, protobuf, KServe, Seldon, CSV) with AddressSanitizer, from
# the seeds in Fuzz/Corpus, then CONSUMER_RUNS consumers created with hostile topic and group
# names from Fuzz/ConsumerCorpus (the consumer's failure paths under AddressSanitizer).
# `make test` runs the decoders for 30 s, `make fuzz` for FUZZ_SECONDS (default 600).
# The build plan is dropped first: SwiftPM keeps a path dependency's file list from the last build.
FUZZ_SECONDS ?= 600
# A consumer is created and closed in about a millisecond.
CONSUMER_RUNS ?= 5000
fuzz: deps
	rm -f Fuzz/.build-fuzz/debug.yaml Fuzz/.build-fuzz/build.db
	$(SWIFT) build -c debug --package-path Fuzz --scratch-path Fuzz/.build-fuzz \
		-Xswiftc -sanitize=fuzzer,address -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
	mkdir -p Fuzz/.corpus
	cp Fuzz/Corpus/* Fuzz/.corpus/
	Fuzz/.build-fuzz/debug/DecoderFuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 Fuzz/.corpus
	mkdir -p Fuzz/.consumer-corpus
	cp Fuzz/ConsumerCorpus/* Fuzz/.consumer-corpus/
	Fuzz/.build-fuzz/debug/ConsumerFuzzer -runs=$(CONSUMER_RUNS) -max_len=512 -print_final_stats=1 Fuzz/.consumer-corpus

# Kills, rebalances and idle-connection floods under traffic for SOAK_SECONDS (default 600):
# records lost and duplicated, second event ids, peak RSS (Tests/AgentTests/SoakTests.swift).
# The figures go to README's reliability section.
SOAK_SECONDS ?= 600
soak: deps
	$(SWIFT) build --build-tests
	DRIFTWATCH_SOAK_SECONDS=$(SOAK_SECONDS) $(SWIFT) test --skip-build --filter SoakTests > .build/soak.log 2>&1; \
		status=$$?; grep -E "^SOAK|✘|Test run" .build/soak.log; exit $$status

# End to end on the dev broker: kcat, `driftwatch run --until-end` and the Python sidecar of
# bench/ on the same records, latency, peak RSS, two agents in a group, file-input rates.
bench: release release-static
	@python3 -c "import confluent_kafka, numpy" 2>/dev/null || python3 -m pip install --quiet confluent-kafka numpy
	rm -f Benchmarks/.build/release.yaml Benchmarks/.build/build.db
	$(SWIFT) build -c release --package-path Benchmarks --product DecodeTimer
	python3 bench/end_to_end.py .build/release/driftwatch --memory-binary .build-static/release/driftwatch \
		--decode-timer Benchmarks/.build/release/DecodeTimer

# Kernels beside numpy/scipy (and Evidently, once `make evidently` made its environment) on
# one generated 100k x 20 window. SwiftPM caches a path dependency's file list in the build
# plan, so the plan is dropped to see new sources.
EVIDENTLY_PYTHON := Benchmarks/.venv-evidently/bin/python
bench-kernels: deps
	rm -f Benchmarks/.build/release.yaml Benchmarks/.build/build.db
	$(SWIFT) build -c release --package-path Benchmarks --product KernelTimer
	python3 Benchmarks/scripts/bench_kernels.py Benchmarks/.build/release/KernelTimer \
		$$(test -x $(EVIDENTLY_PYTHON) && echo --evidently $(EVIDENTLY_PYTHON))

# How long `run --until-end` takes to exit after its last window (release build).
bench-until-end: release
	python3 bench/until_end.py .build/release/driftwatch

bench-vectors: deps
	$(SWIFT) build -c release --package-path Benchmarks --product VectorTimer
	python3 Benchmarks/scripts/bench_vectors.py Benchmarks/.build/release/VectorTimer

# driftwatch's vector verdicts against alibi-detect's MMDDrift on the same embeddings (issue 26).
# alibi-detect 0.13 needs numpy < 2 and TensorFlow 2.16-2.18: its own environment (about 2 GB).
alibi:
	test -x Benchmarks/.venv-alibi/bin/python || python3 -m venv Benchmarks/.venv-alibi
	Benchmarks/.venv-alibi/bin/pip install --quiet "alibi-detect[tensorflow]==0.13.0"

bench-alibi: release alibi
	Benchmarks/.venv-alibi/bin/python bench/alibi_mmd.py .build/release/driftwatch

# Evidently 0.7 needs pandas < 2.3, so it gets its own environment.
evidently:
	python3 -m venv Benchmarks/.venv-evidently
	Benchmarks/.venv-evidently/bin/pip install --quiet "evidently>=0.7,<0.8" "pandas>=2.1,<2.3"

# The decision's error rates measured with the agent's own Monitor on generated clean and
# shifted traffic: false flags by window size and feature count, windows to a false
# retraining event, power and detection delay (docs/statistics.md, "How often it is wrong"; ~5 minutes).
bench-calibration: deps
	rm -f Benchmarks/.build/release.yaml Benchmarks/.build/build.db
	$(SWIFT) build -c release --package-path Benchmarks --product DecisionCalibration
	Benchmarks/.build/release/DecisionCalibration

# Records/s of the JSON and protobuf decoders on the demo's records, one thread.
bench-decode: deps
	rm -f Benchmarks/.build/release.yaml Benchmarks/.build/build.db
	$(SWIFT) build -c release --package-path Benchmarks --product DecodeTimer
	Benchmarks/.build/release/DecodeTimer 200000
	bench/decode_instructions.sh Benchmarks/.build/release/DecodeTimer

# One /metrics exposition of about 10,000 series (10 models x 45 features), text and OpenMetrics.
bench-scrape: deps
	rm -f Benchmarks/.build/release.yaml Benchmarks/.build/build.db
	$(SWIFT) build -c release --package-path Benchmarks --product ScrapeTimer
	Benchmarks/.build/release/ScrapeTimer 10 45

# What joining labels costs `driftwatch run`: with labels, without, and with labels that never come.
bench-labels: release
	python3 bench/label_join.py .build/release/driftwatch

# `driftwatch compare` end to end against json + numpy/scipy on two 100k-row JSONL files.
bench-compare: release
	python3 Benchmarks/scripts/bench_compare.py .build/release/driftwatch

clean:
	rm -rf .build Benchmarks/.build Fuzz/.build-fuzz Fuzz/.corpus
