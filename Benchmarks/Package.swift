// swift-tools-version:6.1
// Benchmarks live in their own package so that the product's build and CI never compile
// package-benchmark. `swift package benchmark` here runs them; `make bench-kernels` runs
// KernelTimer beside numpy/scipy on the same data.
import PackageDescription

let package = Package(
    name: "driftwatch-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "driftwatch", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark.git", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Kernels",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "DriftKernels", package: "driftwatch"),
                .product(name: "DriftMonitor", package: "driftwatch"),
            ],
            path: "Benchmarks/Kernels",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "DecodeTimer",
            dependencies: [
                .product(name: "Agent", package: "driftwatch"),
                .product(name: "DriftMonitor", package: "driftwatch"),
                .product(name: "Ingest", package: "driftwatch"),
            ]
        ),
        .executableTarget(
            name: "ScrapeTimer",
            dependencies: [
                .product(name: "DriftMonitor", package: "driftwatch"),
                .product(name: "Telemetry", package: "driftwatch"),
            ]
        ),
        .executableTarget(
            name: "DecisionCalibration",
            dependencies: [
                .product(name: "DriftMonitor", package: "driftwatch"),
            ]
        ),
        .target(name: "Timing"),
        .executableTarget(
            name: "VectorTimer",
            dependencies: [
                "Timing",
                .product(name: "DriftKernels", package: "driftwatch"),
                .product(name: "DriftMonitor", package: "driftwatch"),
            ]
        ),
        .executableTarget(
            name: "KernelTimer",
            dependencies: [
                "Timing",
                .product(name: "DriftKernels", package: "driftwatch"),
                .product(name: "DriftMonitor", package: "driftwatch"),
            ]
        ),
    ]
)
