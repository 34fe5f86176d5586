// swift-tools-version:6.1
// libFuzzer harnesses for the decoders of untrusted input and the Kafka consumer's creation, in their own package so the
// product's build never carries sanitizer flags. `make fuzz` (and a bounded run in `make test`)
// builds them with -sanitize=fuzzer,address.
import PackageDescription

let package = Package(
    name: "driftwatch-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "driftwatch", path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
    ],
    targets: [
        .target(name: "FuzzerDriver"),
        .executableTarget(
            name: "DecoderFuzzer",
            dependencies: [
                "FuzzerDriver",
                .product(name: "DriftMonitor", package: "driftwatch"),
                .product(name: "Ingest", package: "driftwatch"),
            ]
        ),
        .executableTarget(
            name: "ConsumerFuzzer",
            dependencies: [
                "FuzzerDriver",
                .product(name: "KafkaIO", package: "driftwatch"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
