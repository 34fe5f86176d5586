// swift-tools-version:6.1
// libFuzzer harnesses for the decoders of untrusted input, in their own package so the
// product's build never carries sanitizer flags. `make fuzz` (and a bounded run in `make test`)
// builds them with -sanitize=fuzzer,address.
import PackageDescription

let package = Package(
    name: "driftwatch-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "driftwatch", path: "..")],
    targets: [
        .executableTarget(
            name: "DecoderFuzzer",
            dependencies: [
                .product(name: "DriftMonitor", package: "driftwatch"),
                .product(name: "Ingest", package: "driftwatch"),
            ]
        )
    ]
)
