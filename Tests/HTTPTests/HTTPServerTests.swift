import Foundation
import Glibc
import HTTP
import Logging
import NIOHTTP1
import ServiceLifecycle
import TestSupport
import Testing

/// The one HTTP server over real loopback sockets: the limits a hostile client meets, and
/// HTTP/1.1's connection rules.
@Suite("HTTP server", .serialized)
struct HTTPServerTests {
    /// A raw TCP client, so that requests can be malformed, trickled or left unfinished. Its
    /// reads block, so they run on a thread of their own: on the cooperative pool they would
    /// starve the server's tasks. (Unchecked: it only wraps a socket descriptor, used by one
    /// caller at a time.)
    final class RawClient: @unchecked Sendable {
        let socket: Int32

        init(port: Int) throws {
            socket = try #require(LoopbackSocket.connect(port: port), "connect: errno \(errno)")
            var timeout = timeval(tv_sec: 60, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(socket) }

        func send(_ text: String) {
            _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(socket, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
        }

        /// Everything until the server closes the connection (or 60 s pass), and whether it closed.
        func readToEnd() async -> (text: String, closed: Bool) {
            await Self.offPool { self.blockingReadToEnd() }
        }

        /// Reads until `marker` was seen `count` times, the server closes, or 60 s pass.
        /// (`marker` must not hold "\r\n", which a String counts as one character.)
        func read(until marker: String, count: Int) async -> String {
            await Self.offPool { self.blockingRead(until: marker, count: count) }
        }

        static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: body()) }.start()
            }
        }

        private func blockingReadToEnd() -> (text: String, closed: Bool) {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = recv(socket, &buffer, buffer.count, 0)
                // A reset (the server closed with our request unread) is a close too; a timeout is not.
                if count == 0 || (count < 0 && errno == ECONNRESET) { return (String(decoding: bytes, as: UTF8.self), true) }
                if count < 0 { return (String(decoding: bytes, as: UTF8.self), false) }
                bytes += buffer[..<count]
            }
        }

        private func blockingRead(until marker: String, count: Int) -> String {
            var text = ""
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while text.components(separatedBy: marker).count - 1 < count {
                let read = recv(socket, &buffer, buffer.count, 0)
                if read <= 0 { break }
                text += String(decoding: buffer[..<read], as: UTF8.self)
            }
            return text
        }
    }

    /// Runs a server answering "ok" (with the request's path and body size) under `configure`d
    /// limits. Server and test run on a thread of their own: these tests measure deadlines, and
    /// under the full suite other tests' blocking calls can hold the cooperative pool for a minute.
    func withServer(
        _ configure: (inout HTTPServer.Configuration) -> Void = { _ in }, _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0)
        configure(&configuration)
        var logger = Logger(label: "http")
        logger.logLevel = .critical
        let server = HTTPServer(configuration: configuration, serving: "serving", logger: logger) { request in
            HTTPResponse(.ok, "ok \(request.method) \(request.path) \(request.body.count)\n")
        }
        let group = ServiceGroup(services: [server], logger: logger)
        try await withTaskExecutorPreference(ThreadExecutor.servers) {
            let running = Task(executorPreference: ThreadExecutor.servers) { try await group.run() }
            defer { running.cancel() }
            let port = try await server.boundPort.wait(timeout: .seconds(30))
            try await body(port)
            await group.triggerGracefulShutdown()
            _ = await running.result
        }
    }

    @Test("An idle connection and one trickling its headers are closed at the request deadline; each answer restarts it")
    func requestDeadline() async throws {
        // Without a deadline the reads below would wait out the client's 60 s timeout and see no close.
        try await withServer({ $0.requestTimeout = .seconds(3) }) { port in
            let idle = try RawClient(port: port)
            #expect(await idle.readToEnd() == ("", true))

            let trickle = try RawClient(port: port)
            trickle.send("GET /metrics HTTP/1.1\r\n")
            for _ in 0..<40 {
                try await Task.sleep(for: .milliseconds(100))
                trickle.send("X")
            }
            #expect(await trickle.readToEnd() == ("", true), "no answer to an unfinished request")

            // Three requests 1 s apart on one keep-alive connection outlive one 3 s deadline.
            let polite = try RawClient(port: port)
            for path in ["/a", "/b", "/c"] {
                polite.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await polite.read(until: "ok GET \(path) 0\n", count: 1).contains("200 OK"))
                try await Task.sleep(for: .seconds(1))
            }
            #expect(await polite.readToEnd().closed)
        }
    }

    @Test("Past the connection limit a new connection is closed at once; below it, served")
    func connectionLimit() async throws {
        try await withServer({ $0.maximumConnections = 4 }) { port in
            var held: [RawClient] = []
            for _ in 0..<4 { held.append(try RawClient(port: port)) }
            // Each held connection is being served once it answered a request.
            for client in held {
                client.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await client.read(until: "ok GET /held 0\n", count: 1).contains("200 OK"))
            }
            let refused = try RawClient(port: port)
            refused.send("GET /refused HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await refused.readToEnd() == ("", true))
            held.removeAll()
            try await Task.sleep(for: .milliseconds(200))
            let later = try RawClient(port: port)
            later.send("GET /later HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(await later.readToEnd().text.contains("ok GET /later 0"))
        }
    }

    @Test(
        "Connection: close and HTTP/1.0 end the connection after the answer; HEAD gets the head only",
        arguments: [
            ("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "ok GET /x 0\n"),
            ("GET /x HTTP/1.0\r\n\r\n", "ok GET /x 0\n"),
            ("HEAD /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", ""),
        ])
    func connectionRules(request: String, body: String) async throws {
        try await withServer { port in
            let client = try RawClient(port: port)
            client.send(request)
            let (text, closed) = await client.readToEnd()
            #expect(closed)
            let parts = text.components(separatedBy: "\r\n\r\n")
            #expect(parts.count == 2, "\(text)")
            #expect(parts[0].hasPrefix("HTTP/1.") && parts[0].contains("200 OK"))
            #expect(parts[0].lowercased().contains("content-length: 12"), "HEAD keeps the length of GET's body: \(parts[0])")
            #expect(parts.last == body)
        }
    }

    @Test("Pipelined requests get one answer each, in order; a body past the limit gets 413 and the connection ends")
    func pipeliningAndBodyLimit() async throws {
        try await withServer({ $0.maximumBodyBytes = 1_000 }) { port in
            let client = try RawClient(port: port)
            client.send((1...3).map { "GET /\($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined())
            let answers = await client.read(until: "ok GET /3 0\n", count: 1)
            #expect(answers.components(separatedBy: "200 OK").count - 1 == 3)
            #expect(answers.range(of: "ok GET /1 0")!.lowerBound < answers.range(of: "ok GET /3 0")!.lowerBound)

            let large = try RawClient(port: port)
            large.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + String(repeating: "a", count: 5_000))
            let (text, closed) = await large.readToEnd()
            #expect(text.contains("413 Payload Too Large"), "\(text)")
            #expect(closed)
            let small = try RawClient(port: port)
            small.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\nConnection: close\r\n\r\n" + String(repeating: "a", count: 500))
            #expect(await small.readToEnd().text.contains("ok POST /upload 500"))
        }
    }
}

@Suite("Request URLs, parsed without Foundation")
struct RequestURLTests {
    @Test("Scheme, host, port and path with query; the Host header and the target without the query", arguments: [
        ("http://127.0.0.1:5000/api?x=1", false, "127.0.0.1", 5000, "/api?x=1", "127.0.0.1:5000", "http://127.0.0.1:5000/api"),
        ("https://example.org", true, "example.org", 443, "/", "example.org", "https://example.org/"),
        ("HTTP://[::1]:8080/a#frag", false, "::1", 8080, "/a", "[::1]:8080", "http://[::1]:8080/a"),
        ("https://h?q", true, "h", 443, "/?q", "h", "https://h/"),
    ])
    func parses(text: String, secure: Bool, host: String, port: Int, path: String, header: String, target: String) throws {
        let url = try #require(RequestURL(text))
        #expect(url.secure == secure && url.host == host && url.port == port && url.pathAndQuery == path)
        #expect(url.hostHeader == header && url.target == target)
    }

    @Test("Other schemes, user information, bad ports and spaces are refused", arguments: [
        "ftp://h/", "http://", "http://u:p@h/", "http://h:0/", "http://h:70000/", "http://h:x/", "http://h /", "http://[::1/", "//h/",
    ])
    func refuses(text: String) {
        #expect(RequestURL(text) == nil)
    }
}
