import Logging

extension LogHandler {
    /// The handler's metadata, then its provider's, then the event's own: later keys win.
    func mergedMetadata(of event: LogEvent) -> Logger.Metadata {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let own = event.metadata { fields.merge(own) { _, new in new } }
        return fields
    }
}
