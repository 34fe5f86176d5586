/// What the `build_info` series and `--version` say.
public enum BuildInfo {
    public static let version = "0.1.0"
}
