// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "driftwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "driftwatch", targets: ["driftwatch"]),
        .library(name: "DriftKernels", targets: ["DriftKernels"]),
        .library(name: "DriftMonitor", targets: ["DriftMonitor"]),
        .library(name: "Ingest", targets: ["Ingest"]),
        .library(name: "KafkaIO", targets: ["KafkaIO"]),
        .library(name: "HTTP", targets: ["HTTP"]),
        .library(name: "Registry", targets: ["Registry"]),
        .library(name: "Telemetry", targets: ["Telemetry"]),
        .library(name: "Agent", targets: ["Agent"]),
        .library(name: "Hook", targets: ["Hook"]),
        .library(name: "Injector", targets: ["Injector"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
    ],
    targets: [
        // MARK: - System libraries (pkg-config)
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"]), .brew(["protobuf-c"])]
        ),
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .target(name: "InferenceProto", dependencies: ["CProtobufC"]),

        // MARK: - Modules
        .target(name: "DriftKernels"),
        .target(name: "DriftMonitor", dependencies: ["DriftKernels"]),
        .target(name: "Ingest", dependencies: ["DriftMonitor", "InferenceProto"]),
        .target(
            name: "KafkaIO",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "HTTP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Registry",
            dependencies: [
                "HTTP",
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Telemetry",
            dependencies: [
                "DriftMonitor", "HTTP",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Agent",
            dependencies: [
                "CLibYAML", "DriftKernels", "DriftMonitor", "HTTP", "Ingest", "KafkaIO", "Registry", "Telemetry",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Hook",
            dependencies: [
                "DriftMonitor", "HTTP", "KafkaIO", "Registry", "Telemetry",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Injector",
            dependencies: [
                "HTTP",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "driftwatch",
            dependencies: [
                "Agent", "DriftKernels", "DriftMonitor", "HTTP", "Hook", "Injector", "Ingest", "KafkaIO", "Registry", "Telemetry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["DriftKernels", "DriftMonitor"], path: "Tests/TestSupport"),
        .testTarget(name: "DriftKernelsTests", dependencies: ["DriftKernels", "TestSupport"]),
        .testTarget(name: "DriftMonitorTests", dependencies: ["DriftMonitor", "TestSupport"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "KafkaIOTests", dependencies: ["KafkaIO"]),
        .testTarget(
            name: "HTTPTests",
            dependencies: [
                "HTTP", "TestSupport", .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "HTTP"]),
        .testTarget(name: "TelemetryTests", dependencies: ["HTTP", "Telemetry", "DriftMonitor", "TestSupport"]),
        .testTarget(name: "AgentTests", dependencies: ["Agent", "HTTP", "Ingest", "KafkaIO", "Telemetry", "TestSupport"]),
        .testTarget(name: "InjectorTests", dependencies: ["HTTP", "Injector", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "HookTests", dependencies: ["Hook", "Agent", "HTTP", "DriftMonitor", "KafkaIO", "Telemetry", "TestSupport"]),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
