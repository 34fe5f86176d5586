import NIOHTTP1

/// A whole request: its head and its body, read up to the server's limit.
public struct HTTPRequest: Sendable {
    /// HEAD arrives as GET: the server sends the answer's head without its body.
    public var method: HTTPMethod
    /// The path, without the query.
    public var path: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod, path: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}

/// A whole response.
public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var contentType: String
    public var body: [UInt8]

    public init(status: HTTPResponseStatus, contentType: String = "text/plain; charset=utf-8", body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// A plain-text answer.
    public init(_ status: HTTPResponseStatus, _ text: String) {
        self.init(status: status, body: Array(text.utf8))
    }
}
