import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// GETs from servers on this machine (the agent's, the hook's, Prometheus), the one HTTP
/// client of the tests that speak HTTP rather than raw bytes.
public enum LocalHTTP {
    /// The status and body of `GET http://127.0.0.1:port/path?query`. A `+` in a query value
    /// is sent as `%2B`: URLComponents leaves it alone, and a query string reads it as a space.
    public static func get(port: Int, _ path: String, query: [URLQueryItem] = []) async throws -> (status: Int, body: String) {
        var components = URLComponents()
        components.scheme = "http"
        components.host = "127.0.0.1"
        components.port = port
        components.path = path
        if !query.isEmpty { components.queryItems = query }
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.url else { throw URLError(.badURL) }
        let (body, response) = try await URLSession.shared.data(from: url)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: body, as: UTF8.self))
    }
}
