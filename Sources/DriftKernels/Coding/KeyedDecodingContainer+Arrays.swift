extension KeyedDecodingContainer {
    /// The array at `key`, its storage exactly its length. `Array.init(from:)` appends one
    /// element at a time, so a 200-bin histogram decoded that way keeps room for 256: a
    /// quarter more of every array a profile holds for as long as the agent runs.
    package func decodeArray<Element: Decodable>(of type: Element.Type, forKey key: Key) throws -> [Element] {
        var container = try nestedUnkeyedContainer(forKey: key)
        var array: [Element] = []
        if let count = container.count { array.reserveCapacity(count) }
        while !container.isAtEnd { array.append(try container.decode(Element.self)) }
        return array
    }

    /// ``decodeArray(of:forKey:)``, or nil when the key is absent or null.
    package func decodeArrayIfPresent<Element: Decodable>(of type: Element.Type, forKey key: Key) throws -> [Element]? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeArray(of: type, forKey: key)
    }
}
