import Ingest
import Testing

@Suite("Class index")
struct ClassIndexTests {
    @Test("A class keeps its index; past the limit new classes are refused, known ones still found")
    func limit() {
        var classes = ClassIndex()
        #expect(classes.index(of: "cat") == 0)
        #expect(classes.index(of: "dog", limit: 2) == 1)
        #expect(classes.index(of: "bird", limit: 2) == nil)
        #expect(classes.index(of: "cat", limit: 2) == 0)
        #expect(classes.names == ["cat", "dog"])
    }
}
