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
        let lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            guard line.starts(with: helpPrefix) || line.starts(with: typePrefix) else {
                output.append(contentsOf: line)
                output.append(UInt8(ascii: "\n"))
                continue
            }
            // A family's HELP line comes before its TYPE line; the TYPE decides both names.
            var help: ArraySlice<UInt8>?
            var typeLine = line
            if line.starts(with: helpPrefix) {
                help = line
                guard index < lines.count, lines[index].starts(with: typePrefix) else {
                    output.append(contentsOf: escapingQuotes(line))
                    output.append(UInt8(ascii: "\n"))
                    continue
                }
                typeLine = lines[index]
                index += 1
            }
            let fields = typeLine.dropFirst(typePrefix.count).split(separator: UInt8(ascii: " "), maxSplits: 1)
            guard fields.count == 2 else {
                output.append(contentsOf: typeLine)
                output.append(UInt8(ascii: "\n"))
                continue
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
        output.append(contentsOf: "# EOF\n".utf8)
        return output
    }

    private static let helpPrefix = Array("# HELP ".utf8)
    private static let typePrefix = Array("# TYPE ".utf8)

    private static func escapingQuotes(_ text: ArraySlice<UInt8>) -> [UInt8] {
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
