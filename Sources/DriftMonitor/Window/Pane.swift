/// A slice of a model's stream: `slide` records or milliseconds. A window is the merge of its
/// last panes' summaries; a tumbling window is one pane.
struct Pane {
    /// Sequence number (record-count windows) or start time divided by the slide (event time).
    var key: Int64
    var summary: WindowSummary
    /// Per partition id: the offsets of the first and last records taken, or -1.
    var firstOffsets: [Int64] = []
    var lastOffsets: [Int64] = []
    /// Closed panes are kept only while a later window still spans them.
    var isClosed = false

    init(key: Int64, summary: WindowSummary) {
        self.key = key
        self.summary = summary
    }

    mutating func hold(partition: Int, offset: Int64) {
        if partition >= firstOffsets.count {
            let missing = partition + 1 - firstOffsets.count
            firstOffsets.append(contentsOf: repeatElement(-1, count: missing))
            lastOffsets.append(contentsOf: repeatElement(-1, count: missing))
        }
        let first = firstOffsets[partition]
        firstOffsets[partition] = first < 0 ? offset : min(first, offset)
        lastOffsets[partition] = max(lastOffsets[partition], offset)
    }

    /// Empties the pane for reuse under another key, keeping its buffers.
    mutating func recycle(key: Int64) {
        self.key = key
        summary.reset()
        for i in firstOffsets.indices {
            firstOffsets[i] = -1
            lastOffsets[i] = -1
        }
        isClosed = false
    }
}
