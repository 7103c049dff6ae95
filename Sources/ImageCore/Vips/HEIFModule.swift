internal import CVips
import Synchronization
#if canImport(Glibc)
    import Glibc
#endif

extension Vips {
    private static let heif = Mutex<Result<Void, ImageError>?>(nil)

    /// Makes sure this libvips can read and write HEIC/AVIF, loading its HEIF module on first use.
    ///
    /// libheif registers its codecs when it is loaded, which costs about 10 ms of every start
    /// (libde265's tables, the AV1 and HEVC codec libraries) although most uploads are JPEG. So the
    /// layer's lean libvips keeps HEIF as a module outside the folder libvips loads at start
    /// (`vips-lazy-modules-8.14/vips-heif.so`, beside `libvips.so`), and this opens it when the first
    /// HEIC or AVIF arrives. A libvips with HEIF built in or loaded already (Debian's) needs nothing.
    /// - Throws: `ImageError` `.internalFailure` when this libvips has no HEIF support at all.
    static func requireHEIF() throws {
        try start()
        let result = heif.withLock { current -> Result<Void, ImageError> in
            if let current { return current }
            let loaded = loadHEIFModule()
            current = loaded
            return loaded
        }
        try result.get()
    }

    private static var hasHEIF: Bool { vips_type_find("VipsOperation", "heifload_buffer") != 0 }

    private static func loadHEIFModule() -> Result<Void, ImageError> {
        if hasHEIF { return .success(()) }
        let path = "\(libraryDirectory())/vips-lazy-modules-\(vips_version(0)).\(vips_version(1))/vips-heif.so"
        func missing(_ why: String) -> Result<Void, ImageError> {
            .failure(ImageError(.internalFailure, "this libvips cannot read HEIC/AVIF: \(why)"))
        }
        // Never closed: the module registers types, which stay for the life of the process.
        guard let module = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            return missing(dlerror().map { String(cString: $0) } ?? "cannot open \(path)")
        }
        // The entry point GModule would call; the HEIF module registers its loaders and savers there.
        typealias ModuleInit = @convention(c) (UnsafeMutableRawPointer?) -> UnsafePointer<CChar>?
        guard let entry = dlsym(module, "g_module_check_init") else {
            return missing("\(path) is not a libvips module")
        }
        if let refusal = unsafeBitCast(entry, to: ModuleInit.self)(nil) {
            return missing("\(path) refused to load: \(String(cString: refusal))")
        }
        return hasHEIF ? .success(()) : missing("\(path) registered no HEIF loader")
    }

    /// The folder libvips was loaded from, read from the process's own memory map (glibc declares
    /// `dladdr` only under `_GNU_SOURCE`, which Swift's Glibc module is not built with).
    private static func libraryDirectory() -> String {
        guard let maps = fopen("/proc/self/maps", "r") else { return "." }
        defer { fclose(maps) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, maps) > 0, let line {
            // "start-end perms offset dev inode   /path/to/libvips.so.42.16.1\n": the path is the first "/" on.
            let text = String(cString: line)
            guard let start = text.firstIndex(of: "/") else { continue }
            let path = text[start...].prefix { $0 != "\n" }
            guard let slash = path.lastIndex(of: "/"), path[slash...].hasPrefix("/libvips.so") else { continue }
            return String(path[..<slash])
        }
        return "."
    }
}
