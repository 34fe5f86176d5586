import NIOCore
import NIOHTTP1

extension NIOAsyncChannelOutboundWriter where OutboundOut == HTTPServerResponsePart {
    /// Writes one whole response: head with Content-Type and Content-Length, body, end.
    package func writeResponse(version: HTTPVersion, status: HTTPResponseStatus, contentType: String, body: [UInt8]) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        try await write(.head(HTTPResponseHead(version: version, status: status, headers: headers)))
        try await write(.body(.byteBuffer(ByteBuffer(bytes: body))))
        try await write(.end(nil))
    }
}
