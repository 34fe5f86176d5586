extension KeyedDecodingContainer {
    /// A value of a closed set written as its raw string; anything else is an error at the
    /// key (so the loader names its line and column) listing the choices.
    func decodeChoice<Choice: RawRepresentable & CaseIterable>(
        _ type: Choice.Type, forKey key: Key, normalizing normalize: (String) -> String = { $0 }
    ) throws -> Choice? where Choice.RawValue == String {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let choice = Choice(rawValue: normalize(text)) else {
            let choices = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "'\(text)' is not one of \(choices)")
        }
        return choice
    }

    /// A value its type parses from a string (`header:NAME`), with the parser's error at the key.
    func decodeParsed<Value>(forKey key: Key, _ parse: (String) -> Result<Value, ConfigurationError>) throws -> Value? {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        switch parse(text) {
        case .success(let value): return value
        case .failure(let error): throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: error.description)
        }
    }
}
