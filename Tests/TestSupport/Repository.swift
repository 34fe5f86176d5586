import Foundation

/// The repository's checkout, for tests that read its files (dashboards, alerts, scripts, fixtures).
public enum Repository {
    /// The folder holding Package.swift: this file is Tests/TestSupport/Repository.swift.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A file or folder of the repository, by its path from the root.
    public static func path(_ relative: String) -> URL {
        root.appendingPathComponent(relative)
    }
}
