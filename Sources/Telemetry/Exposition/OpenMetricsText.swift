/// Rewrites Prometheus text format 0.0.4, as swift-prometheus writes it, into OpenMetrics 1.0.0.
///
/// The two differ where the registry's output is concerned in three places: a counter's
/// family is named without `_total` (its samples keep it), a gauge named `*_info` is an info
/// family named without the suffix, and the exposition ends with `# EOF`. HELP text also
/// escapes double quotes. Sample lines pass through unchanged.
enum OpenMetricsText {
    static func convert(_ text: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count + 8)
        text.withUnsafeBufferPointer { text in
            let newline = UInt8(ascii: "\n")
            /// The end of the line starting at `start`, past its newline.
            func lineEnd(_ start: Int) -> Int {
                var end = start
                while end < text.count && text[end] != newline { end += 1 }
                return min(end + 1, text.count)
            }
            // Sample lines are copied in runs; only comment lines are rewritten.
            var runStart = 0
            var position = 0
            while position < text.count {
                let end = lineEnd(position)
                guard text[position] == UInt8(ascii: "#") else {
                    position = end
                    continue
                }
                output.append(contentsOf: text[runStart..<position])
                let line = text[position..<end].prefix { $0 != newline }
                if line.starts(with: helpPrefix), end < text.count {
                    // A family's HELP line comes before its TYPE line; the TYPE decides both names.
                    let typeEnd = lineEnd(end)
                    let typeLine = text[end..<typeEnd].prefix { $0 != newline }
                    if typeLine.starts(with: typePrefix) {
                        rewrite(help: line, type: typeLine, into: &output)
                        position = typeEnd
                        runStart = position
                        continue
                    }
                }
                if line.starts(with: typePrefix) {
                    rewrite(help: nil, type: line, into: &output)
                } else {
                    output.append(contentsOf: escapingQuotes(line))
                    output.append(newline)
                }
                position = end
                runStart = position
            }
            output.append(contentsOf: text[runStart..<text.count])
        }
        if let last = output.last, last != UInt8(ascii: "\n") { output.append(UInt8(ascii: "\n")) }
        output.append(contentsOf: "# EOF\n".utf8)
        return output
    }

    private static func rewrite(help: Slice<UnsafeBufferPointer<UInt8>>?, type typeLine: Slice<UnsafeBufferPointer<UInt8>>, into output: inout [UInt8]) {
        let fields = typeLine.dropFirst(typePrefix.count).split(separator: UInt8(ascii: " "), maxSplits: 1)
        guard fields.count == 2 else {
            if let help {
                output.append(contentsOf: help)
                output.append(UInt8(ascii: "\n"))
            }
            output.append(contentsOf: typeLine)
            output.append(UInt8(ascii: "\n"))
            return
        }
        var name = Array(fields[0])
        var type = Array(fields[1])
        if type == Array("counter".utf8), name.hasSuffix("_total") {
            name.removeLast(6)
        } else if type == Array("gauge".utf8), name.hasSuffix("_info") {
            name.removeLast(5)
            type = Array("info".utf8)
        }
        if let help {
            let oldName = help.dropFirst(helpPrefix.count).prefix { $0 != UInt8(ascii: " ") }
            output.append(contentsOf: helpPrefix)
            output.append(contentsOf: name)
            output.append(contentsOf: escapingQuotes(help.dropFirst(helpPrefix.count + oldName.count)))
            output.append(UInt8(ascii: "\n"))
        }
        output.append(contentsOf: typePrefix)
        output.append(contentsOf: name)
        output.append(UInt8(ascii: " "))
        output.append(contentsOf: type)
        output.append(UInt8(ascii: "\n"))
    }

    private static let helpPrefix = Array("# HELP ".utf8)
    private static let typePrefix = Array("# TYPE ".utf8)

    private static func escapingQuotes(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> [UInt8] {
        var escaped: [UInt8] = []
        escaped.reserveCapacity(text.count)
        for byte in text {
            if byte == UInt8(ascii: "\"") { escaped.append(UInt8(ascii: "\\")) }
            escaped.append(byte)
        }
        return escaped
    }
}

extension Array where Element == UInt8 {
    fileprivate func hasSuffix(_ suffix: String) -> Bool {
        let suffix = Array(suffix.utf8)
        return count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
