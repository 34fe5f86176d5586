/// An `http` or `https` URL, parsed without Foundation: scheme, host (a name, an IPv4
/// address or a bracketed IPv6 one), port, and the path with its query. User information
/// (`user:password@`) is refused: credentials go in headers, never in logs.
public struct RequestURL: Sendable, Hashable, CustomStringConvertible {
    public let secure: Bool
    public let host: String
    public let port: Int
    /// The path and query, `/` when empty.
    public let pathAndQuery: String

    public init?(_ text: String) {
        let lowered = text.lowercased()
        let rest: Substring
        if lowered.hasPrefix("http://") {
            secure = false
            rest = text.dropFirst(7)
        } else if lowered.hasPrefix("https://") {
            secure = true
            rest = text.dropFirst(8)
        } else {
            return nil
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var path = String(rest[authorityEnd...])
        if let fragment = path.firstIndex(of: "#") { path = String(path[..<fragment]) }
        if path.isEmpty || path.first == "?" { path = "/" + path }
        var hostPart = authority
        var portNumber = secure ? 443 : 80
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":", let number = Int(after.dropFirst()), (1...65_535).contains(number) else { return nil }
                portNumber = number
            }
        } else if let colon = authority.lastIndex(of: ":") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(number) else { return nil }
            portNumber = number
            hostPart = authority[..<colon]
        }
        guard !hostPart.isEmpty, hostPart.allSatisfy({ $0.isASCII && !$0.isWhitespace }), path.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            return nil
        }
        host = String(hostPart)
        port = portNumber
        pathAndQuery = path
    }

    /// The value of the `Host` header.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// Scheme, host, port and path, without the query (which may hold secrets), for messages.
    public var target: String {
        let path = pathAndQuery.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "/"
        return "\(secure ? "https" : "http")://\(hostHeader)\(path)"
    }

    public var description: String { target }

    /// This URL with `path` (and query) in place of its own.
    public func with(pathAndQuery: String) -> RequestURL {
        RequestURL(secure: secure, host: host, port: port, pathAndQuery: pathAndQuery)
    }

    private init(secure: Bool, host: String, port: Int, pathAndQuery: String) {
        self.secure = secure
        self.host = host
        self.port = port
        self.pathAndQuery = pathAndQuery
    }
}
