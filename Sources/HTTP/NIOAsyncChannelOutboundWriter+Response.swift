import NIOCore
import NIOHTTP1

extension NIOAsyncChannelOutboundWriter where OutboundOut == HTTPServerResponsePart {
    /// Writes one whole response: head with Content-Type and Content-Length, the body unless
    /// `headOnly` (an answer to HEAD), end; `Connection: close` when the connection ends after it.
    func write(_ response: HTTPResponse, version: HTTPVersion, headOnly: Bool, close: Bool) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        if close { headers.add(name: "Connection", value: "close") }
        try await write(.head(HTTPResponseHead(version: version, status: response.status, headers: headers)))
        if !headOnly { try await write(.body(.byteBuffer(ByteBuffer(bytes: response.body)))) }
        try await write(.end(nil))
    }
}
