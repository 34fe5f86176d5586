import CLibYAML

/// Why a text is not a YAML document the configuration reader takes.
struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    var mark: YAMLNode.Mark
    var problem: String
    var description: String { "line \(mark.line), column \(mark.column): \(problem)" }
}

extension YAMLNode {
    /// Composes the one document of `text` (nil when it has none), aliases expanded.
    ///
    /// - Throws: ``YAMLError`` for a syntax error (libyaml's problem and context), a duplicate
    ///   key, an undefined alias or a second document. Bound the text first (``YAMLBounds``):
    ///   composing does not count what aliases expand to.
    static func compose(_ text: String) throws(YAMLError) -> YAMLNode? {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { bytes = [0x0A] }  // libyaml reads an empty buffer as no input at all
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLError(mark: Mark(line: 1, column: 1), problem: "libyaml could not start a parser (out of memory)")
        }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLError) -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return try withUnsafeMutablePointer(to: &parser) { (pointer) throws(YAMLError) -> YAMLNode? in
                var composer = Composer(parser: pointer)
                return try composer.document()
            }
        }
    }

    /// libyaml's events, copied out of its structures as each is read (and freed at once).
    private enum Event {
        case streamStart, streamEnd, documentStart, documentEnd, sequenceEnd, mappingEnd
        case alias(anchor: String, mark: Mark)
        case scalar(Scalar, anchor: String?)
        case sequenceStart(anchor: String?, mark: Mark)
        case mappingStart(anchor: String?, mark: Mark)
    }

    private struct Composer {
        let parser: UnsafeMutablePointer<yaml_parser_t>
        var anchors: [String: YAMLNode] = [:]

        mutating func document() throws(YAMLError) -> YAMLNode? {
            guard case .streamStart = try next() else { throw unexpected("the stream's start") }
            switch try next() {
            case .streamEnd: return nil
            case .documentStart: break
            default: throw unexpected("a document")
            }
            let root = try node(try next())
            guard case .documentEnd = try next() else { throw unexpected("the document's end") }
            switch try next() {
            case .streamEnd: return root
            case .documentStart:
                throw YAMLError(mark: Self.mark(parser.pointee.mark), problem: "a second document; a configuration is one document")
            default: throw unexpected("the stream's end")
            }
        }

        mutating func node(_ event: Event) throws(YAMLError) -> YAMLNode {
            switch event {
            case .scalar(let scalar, let anchor):
                return remember(.scalar(scalar), as: anchor)
            case .alias(let anchor, let mark):
                guard let node = anchors[anchor] else { throw YAMLError(mark: mark, problem: "alias *\(anchor) names no anchor before it") }
                return node
            case .sequenceStart(let anchor, let mark):
                var elements: [YAMLNode] = []
                while true {
                    let event = try next()
                    if case .sequenceEnd = event { break }
                    elements.append(try node(event))
                }
                return remember(.sequence(Sequence(elements: elements, mark: mark)), as: anchor)
            case .mappingStart(let anchor, let mark):
                var pairs: [(key: YAMLNode, value: YAMLNode)] = []
                var keys = Set<String>()
                while true {
                    let event = try next()
                    if case .mappingEnd = event { break }
                    let key = try node(event)
                    if let text = key.string, !keys.insert(text).inserted {
                        throw YAMLError(mark: key.mark ?? mark, problem: "duplicate key '\(text.prefix(64))'")
                    }
                    pairs.append((key, try node(try next())))
                }
                return remember(.mapping(Mapping(pairs: pairs, mark: mark)), as: anchor)
            default:
                throw unexpected("a value")
            }
        }

        mutating func remember(_ node: YAMLNode, as anchor: String?) -> YAMLNode {
            if let anchor { anchors[anchor] = node }
            return node
        }

        func unexpected(_ expected: String) -> YAMLError {
            YAMLError(mark: Self.mark(parser.pointee.mark), problem: "expected \(expected)")
        }

        mutating func next() throws(YAMLError) -> Event {
            var event = yaml_event_t()
            guard yaml_parser_parse(parser, &event) == 1 else { throw syntaxError() }
            defer { yaml_event_delete(&event) }
            let mark = Self.mark(event.start_mark)
            switch event.type {
            case YAML_STREAM_START_EVENT: return .streamStart
            case YAML_STREAM_END_EVENT: return .streamEnd
            case YAML_DOCUMENT_START_EVENT: return .documentStart
            case YAML_DOCUMENT_END_EVENT: return .documentEnd
            case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
            case YAML_MAPPING_END_EVENT: return .mappingEnd
            case YAML_ALIAS_EVENT: return .alias(anchor: Self.text(event.data.alias.anchor) ?? "", mark: mark)
            case YAML_SEQUENCE_START_EVENT: return .sequenceStart(anchor: Self.text(event.data.sequence_start.anchor), mark: mark)
            case YAML_MAPPING_START_EVENT: return .mappingStart(anchor: Self.text(event.data.mapping_start.anchor), mark: mark)
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                return .scalar(Scalar(string: value, isPlain: scalar.plain_implicit != 0, mark: mark), anchor: Self.text(scalar.anchor))
            default:
                throw YAMLError(mark: mark, problem: "an event libyaml should not send")
            }
        }

        func syntaxError() -> YAMLError {
            let state = parser.pointee
            let problem = Self.text(state.problem) ?? "not YAML"
            var detail = problem
            if let context = Self.text(state.context) {
                let at = Self.mark(state.context_mark)
                detail += " (\(context) at line \(at.line), column \(at.column))"
            }
            return YAMLError(mark: Self.mark(state.problem_mark), problem: detail)
        }

        static func mark(_ mark: yaml_mark_t) -> Mark {
            Mark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
        }

        static func text(_ pointer: UnsafePointer<CChar>?) -> String? {
            pointer.map { String(cString: $0) }
        }

        static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        }
    }
}
