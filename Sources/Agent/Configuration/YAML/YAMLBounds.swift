import CLibYAML

/// Limits a configuration's YAML before it is composed: composing shares what an alias names,
/// but the unknown-key check and the decoder visit every alias expanded, so ten lines of nested
/// aliases (an "alias bomb") would take minutes. libyaml's events are counted in one pass
/// instead: the size of the document with every alias expanded, and the nesting depth.
enum YAMLBounds {
    /// Nodes with aliases expanded: 100,000 librdkafka properties are 200,000.
    static let maximumNodes = 1_000_000
    static let maximumDepth = 64
    static let maximumBytes = 16 << 20

    /// Throws when `text` passes a bound, naming the bound and the line; a syntax error is left
    /// to the composer, which reports it in full.
    static func check(_ text: String, name: String) throws(ConfigurationError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= maximumBytes else {
            throw ConfigurationError(description: "\(name): \(bytes.count) bytes, more than a configuration may have (\(maximumBytes))")
        }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        try bytes.withUnsafeBufferPointer { (buffer) throws(ConfigurationError) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var counter = NodeCounter()
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                switch event.type {
                case YAML_SCALAR_EVENT: counter.leaf(size: 1, anchor: anchor(event.data.scalar.anchor))
                case YAML_ALIAS_EVENT: counter.leaf(size: counter.size(of: anchor(event.data.alias.anchor)), anchor: nil)
                case YAML_SEQUENCE_START_EVENT: counter.open(anchor: anchor(event.data.sequence_start.anchor))
                case YAML_MAPPING_START_EVENT: counter.open(anchor: anchor(event.data.mapping_start.anchor))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT: counter.close()
                case YAML_STREAM_END_EVENT: return
                default: break
                }
                if counter.depth > maximumDepth {
                    throw ConfigurationError(description: "\(name): line \(line): nested deeper than \(maximumDepth) levels")
                }
                if counter.total > maximumNodes {
                    throw ConfigurationError(
                        description: "\(name): line \(line): more than \(maximumNodes) values with aliases expanded (an alias bomb?)")
                }
            }
        }
    }

    private static func anchor(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    /// The nodes of the document with aliases expanded, so far; per open collection and per
    /// anchor, the size of what it holds. Every count stays below the bound, checked per event.
    private struct NodeCounter {
        private var open: [(count: Int, anchor: String?)] = []
        private var sizes: [String: Int] = [:]
        private(set) var total = 0
        var depth: Int { open.count }

        func size(of anchor: String?) -> Int { anchor.flatMap { sizes[$0] } ?? 1 }

        /// A scalar (size 1), or an alias (the size of what its anchor names).
        mutating func leaf(size: Int, anchor: String?) {
            if let anchor { sizes[anchor] = size }
            add(size)
        }

        mutating func open(anchor: String?) {
            open.append((0, anchor))
        }

        mutating func close() {
            guard let closed = open.popLast() else { return }
            if let anchor = closed.anchor { sizes[anchor] = closed.count + 1 }
            if !open.isEmpty { open[open.count - 1].count += closed.count + 1 }
            total += 1
        }

        private mutating func add(_ size: Int) {
            if !open.isEmpty { open[open.count - 1].count += size }
            total += size
        }
    }
}
