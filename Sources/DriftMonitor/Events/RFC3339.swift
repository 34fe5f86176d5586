/// RFC 3339 timestamps (`2025-06-01T12:00:00.123Z`, `...+02:00`) to and from epoch
/// milliseconds, without Foundation: events' `time`, CloudEvents' `ce_time`.
package enum RFC3339 {
    package static func format(milliseconds: Int64) -> String {
        let seconds = milliseconds.quotientAndRemainder(dividingBy: 1000)
        var totalSeconds = seconds.quotient
        var millis = seconds.remainder
        if millis < 0 {
            millis += 1000
            totalSeconds -= 1
        }
        var days = totalSeconds / 86_400
        var secondOfDay = totalSeconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(millis, 3))Z"
    }

    /// Milliseconds since the epoch, or nil if `bytes` is not an RFC 3339 date-time.
    package static func milliseconds(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var position = 0
        func digits(_ count: Int) -> Int64? {
            guard position + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let digit = bytes[position] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
                position += 1
            }
            return value
        }
        func expect(_ separators: UInt8...) -> Bool {
            guard position < bytes.count, separators.contains(bytes[position]) else { return false }
            position += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
            let day = digits(2), expect(UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")),
            let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), expect(UInt8(ascii: ":")),
            let second = digits(2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var milliseconds: Int64 = 0
        if expect(UInt8(ascii: ".")) {
            var scale: Int64 = 100
            var count = 0
            while position < bytes.count, bytes[position] &- UInt8(ascii: "0") < 10 {
                milliseconds += Int64(bytes[position] - UInt8(ascii: "0")) * scale
                scale /= 10
                position += 1
                count += 1
            }
            guard count > 0 else { return nil }
        }
        var offsetMinutes: Int64 = 0
        if !expect(UInt8(ascii: "Z"), UInt8(ascii: "z")) {
            guard position < bytes.count else { return nil }
            let sign: Int64 = bytes[position] == UInt8(ascii: "-") ? -1 : 1
            guard expect(UInt8(ascii: "+"), UInt8(ascii: "-")), let hours = digits(2), expect(UInt8(ascii: ":")),
                let minutes = digits(2)
            else { return nil }
            offsetMinutes = sign * (hours * 60 + minutes)
        }
        guard position == bytes.count else { return nil }
        let seconds = daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
            - offsetMinutes * 60
        return seconds * 1000 + milliseconds
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
