internal import CVips
import Synchronization

/// libvips, started once per process.
///
/// Every entry point of ImageCore calls ``start(_:)`` (cheap after the first time), so a caller never
/// meets an unstarted library; a process that wants other settings calls it first.
public enum Vips {
    /// How libvips is set up for this process.
    public struct Settings: Sendable, Equatable {
        /// Worker threads per image pipeline; 0 keeps libvips' default (the number of cores).
        /// Lambda sets this from the function's vCPUs.
        public var concurrency: Int
        /// Keep libvips' operation cache off: every image here is seen once, so the cache only
        /// holds memory.
        public var operationCache: Bool
        /// The most malloc arenas glibc may make (0: glibc's default, eight per core;
        /// `MALLOC_ARENA_MAX` in the environment wins). Each thread that allocates gets an arena of
        /// its own while the default allows, and an arena keeps what it freed: in a process that
        /// runs image after image (`darkroom process`, Swift's threads beside libvips' workers) the
        /// buffers freed in one arena were not reused by the next image's in another. With two,
        /// `darkroom process` over the bench's inputs peaked at 228 to 230 MB instead of 323 to
        /// 330, in the same time. A stage function, one image per invocation, did worse with two
        /// (a HEIC's metadata peaked at 308 MB instead of 192, libheif's threads waiting on one
        /// arena), so it keeps the default.
        public var mallocArenas: Int

        /// For a process that runs image after image with many threads (the CLI): two malloc arenas.
        public static let imageAfterImage = Settings(mallocArenas: 2)

        public init(concurrency: Int = 0, operationCache: Bool = false, mallocArenas: Int = 0) {
            self.concurrency = concurrency
            self.operationCache = operationCache
            self.mallocArenas = mallocArenas
        }
    }

    private static let state = Mutex<Result<Settings, ImageError>?>(nil)

    /// How many libvips objects are alive in this process (tests watch it for leaks).
    static var liveObjects: Int { Int(CVips_live_objects()) }

    /// Starts libvips once: blocks the loaders libvips marks untrusted (ImageMagick, PDF, SVG,
    /// matrix, ...), turns the operation cache and the liborc vector path off and sets the concurrency.
    /// - Returns: the settings in force (those of the first call).
    /// - Throws: `ImageError` with code `.internalFailure` when libvips cannot start.
    @discardableResult
    public static func start(_ settings: Settings = Settings()) throws -> Settings {
        let result = state.withLock { current -> Result<Settings, ImageError> in
            if let current { return current }
            let started: Result<Settings, ImageError>
            // Before libvips starts its worker threads, so that they share the arenas there are.
            if settings.mallocArenas > 0 { _ = CVips_limit_malloc_arenas(Int32(settings.mallocArenas)) }
            if vips_init("darkroom") != 0 {
                started = .failure(.vips(.internalFailure, "libvips did not start"))
            } else {
                vips_block_untrusted_set(1)
                // libvips' vector path compiles code at run time with liborc, and liborc 0.4.33
                // (Debian 12's) frees that code outside its lock (fixed upstream in 0.4.34, commit
                // e48fa544): images shrunk side by side crashed the process in
                // orc_code_chunk_free (CI, 2026-12-02). The layer's libvips is built without orc,
                // so turning the path off here also makes a laptop's pixels the same as Lambda's.
                vips_vector_set_enabled(0)
                if !settings.operationCache {
                    vips_cache_set_max(0)
                    vips_cache_set_max_mem(0)
                    vips_cache_set_max_files(0)
                }
                if settings.concurrency > 0 { vips_concurrency_set(Int32(settings.concurrency)) }
                started = .success(settings)
            }
            current = started
            return started
        }
        return try result.get()
    }

    /// Whether libvips runs its liborc vector path (never, once started: see ``start(_:)``).
    static var vectorPath: Bool { vips_vector_isenabled() != 0 }

    /// The libvips version, such as "8.14.1".
    public static var version: String {
        "\(vips_version(0)).\(vips_version(1)).\(vips_version(2))"
    }
}
