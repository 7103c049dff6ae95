/// The default input limits, said once: ImageCore's `ImageLimits`, the pipeline's configuration,
/// the environment readers and the API's upload form all start from these. template.yaml's
/// `MaxBytes` and `MaxPixels` defaults are copies, checked against these by `MediaTypesTests`.
public enum InputLimits {
    /// Largest accepted input, in bytes: 50 MB.
    public static let maxBytes = 50_000_000
    /// Largest accepted width x height x pages: 100 megapixels.
    public static let maxPixels = 100_000_000
    /// Most frames or pages an input may declare.
    public static let maxFrames = 1_000
    /// Most times one side may be longer than the other.
    public static let maxAspectRatio = 100
}
