/// A composed YAML document: scalars, sequences and mappings with where each starts, as the
/// configuration reader needs them (unknown keys and wrong types are reported by line).
/// Composed from libyaml's events (``compose(_:)``), so the agent needs no Foundation.
enum YAMLNode: Sendable, Equatable {
    case scalar(Scalar)
    case sequence(Sequence)
    case mapping(Mapping)

    /// Where a node starts, 1-based as an editor counts.
    struct Mark: Sendable, Equatable {
        var line: Int
        var column: Int
    }

    struct Scalar: Sendable, Equatable {
        var string: String
        /// Plain (unquoted, untagged): only a plain scalar can be null (`~`, `null` or nothing).
        var isPlain: Bool
        var mark: Mark?

        var isNull: Bool { isPlain && ["", "~", "null", "Null", "NULL"].contains(string) }
    }

    struct Sequence: Sendable, Equatable, RandomAccessCollection {
        var elements: [YAMLNode]
        var mark: Mark?

        var startIndex: Int { elements.startIndex }
        var endIndex: Int { elements.endIndex }
        subscript(position: Int) -> YAMLNode { elements[position] }
    }

    /// Keys in the document's order; no two keys are equal (the composer refuses duplicates).
    struct Mapping: Sendable, Equatable, RandomAccessCollection {
        var pairs: [(key: YAMLNode, value: YAMLNode)]
        var mark: Mark?

        var startIndex: Int { pairs.startIndex }
        var endIndex: Int { pairs.endIndex }
        subscript(position: Int) -> (key: YAMLNode, value: YAMLNode) { pairs[position] }

        /// The value of the scalar key `key`; setting nil removes the pair.
        subscript(key: String) -> YAMLNode? {
            get { pairs.first { $0.key.string == key }?.value }
            set {
                let index = pairs.firstIndex { $0.key.string == key }
                switch (index, newValue) {
                case (let index?, let value?): pairs[index].value = value
                case (let index?, nil): pairs.remove(at: index)
                case (nil, let value?): pairs.append((.scalar(Scalar(string: key, isPlain: true, mark: nil)), value))
                case (nil, nil): break
                }
            }
        }

        static func == (lhs: Mapping, rhs: Mapping) -> Bool {
            lhs.mark == rhs.mark && lhs.pairs.elementsEqual(rhs.pairs) { $0.key == $1.key && $0.value == $1.value }
        }
    }

    /// A scalar's text; nil for a sequence or mapping.
    var string: String? {
        if case .scalar(let scalar) = self { scalar.string } else { nil }
    }

    var scalar: Scalar? {
        if case .scalar(let scalar) = self { scalar } else { nil }
    }

    var mark: Mark? {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .sequence(let sequence): sequence.mark
        case .mapping(let mapping): mapping.mark
        }
    }
}
