/// How much of an upload's own metadata Darkroom reads at all. The uploader wrote it, so every
/// pass over it is bounded before it starts: a field, a block and a profile each have a ceiling
/// far above anything a camera or an editor writes (an EXIF block fits a JPEG APP1 segment,
/// 64 KB; the largest print profiles are a few megabytes).
public enum MetadataLimits {
    /// The bytes of one EXIF text field read; the rest is never decoded or cleaned.
    public static let textFieldBytes = 512
    /// An EXIF block larger than this is ignored, with a note.
    public static let exifBlockBytes = 64 * 1024
    /// An ICC profile larger than this is ignored (the pixels taken as sRGB), with a note.
    public static let iccProfileBytes = 4 * 1024 * 1024
}
