import DriftMonitor
import Ingest

#if canImport(Glibc)
import Glibc
#endif

/// One input, decoded as a JSON record and as a protobuf InferenceLog record with the schema
/// of the demo's first features. Any crash, sanitizer report or hang is a finding; a
/// DecodeError is the expected answer to garbage.
enum DecoderFuzzer {
    nonisolated(unsafe) static var decoder: RecordDecoder = {
        var space = FeatureSpace()
        try! space.declare([  // fixed, distinct names
            Feature(name: "amount", kind: .numeric), Feature(name: "age", kind: .numeric),
            Feature(name: "device", kind: .categorical), Feature(name: "is_new", kind: .categorical),
        ])
        return RecordDecoder(space: space, maximumRecordBytes: 1 << 20, maximumDepth: 64)
    }()
    nonisolated(unsafe) static var row = DecodedRow(space: decoder.space)
}

/// libFuzzer's driver, from libclang_rt.fuzzer_no_main (linked by `make fuzz`).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@main
struct DecoderFuzzerMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzz))
    }
}

/// The callback libFuzzer calls with each input (also exported under its conventional name).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    for format in RecordDecoder.Format.allCases {
        do {
            try DecoderFuzzer.decoder.decode(bytes, format: format, into: &DecoderFuzzer.row)
        } catch {
            _ = error.reason
        }
    }
    return 0
}
