internal import CVips

/// The general way to call a libvips operation: create it by name, set its arguments, build it,
/// read its outputs. Fixed-arity C shims exist only for the few hot calls (see `shim.h`).
///
/// Scalar and enum arguments are set from text (libvips parses "true", "attention", "255 255 255"),
/// which keeps this type small; images and blobs go in as GValues.
final class Operation {
    private var operation: UnsafeMutablePointer<VipsOperation>
    private let name: String
    private var keepAlive: [AnyObject] = []

    /// - Throws: `ImageError` with `.internalFailure` when libvips has no such operation.
    init(_ name: String) throws {
        guard let operation = vips_operation_new(name) else {
            throw ImageError.vips(.internalFailure, "no libvips operation \(name)")
        }
        self.operation = operation
        self.name = name
    }

    deinit {
        // Outputs are released whether the build worked or not: a build that fails may already
        // have made its output image (libvips' own vips_call_split does the same), and a warm
        // function that meets many hostile files would otherwise keep every one.
        vips_object_unref_outputs(CVips_object(operation))
        g_object_unref(operation)
    }

    /// Sets an image argument.
    @discardableResult
    func set(_ argument: String, _ image: Image) -> Operation {
        var value = GValue()
        g_value_init(&value, CVips_type_image())
        g_value_set_object(&value, image.pointer)
        g_object_set_property(CVips_gobject(operation), argument, &value)
        g_value_unset(&value)
        keepAlive.append(image)
        return self
    }

    /// Sets a scalar, enum, flag or array-of-double argument from its text form.
    /// - Throws: `ImageError` with `.invalidArgument` when libvips cannot parse the value.
    @discardableResult
    func set(_ argument: String, _ text: String) throws -> Operation {
        guard vips_object_set_argument_from_string(CVips_object(operation), argument, text) == 0 else {
            throw ImageError.vips(.invalidArgument, "\(name): bad value \(text) for \(argument)")
        }
        return self
    }

    @discardableResult
    func set(_ argument: String, _ number: Int) throws -> Operation { try set(argument, String(number)) }

    @discardableResult
    func set(_ argument: String, _ number: Double) throws -> Operation { try set(argument, String(number)) }

    @discardableResult
    func set(_ argument: String, _ flag: Bool) throws -> Operation { try set(argument, flag ? "true" : "false") }

    /// Runs the operation.
    /// - Throws: `ImageError` with `code` and libvips' message.
    func build(failingWith code: ImageError.Code) throws {
        var pointer: UnsafeMutablePointer<VipsOperation>? = operation
        guard vips_cache_operation_buildp(&pointer) == 0, let pointer else {
            throw ImageError.vips(code, name)
        }
        operation = pointer
    }

    /// An image output, owned by the caller.
    /// - Throws: `ImageError` `.internalFailure` when the built operation has no such image.
    func image(_ argument: String = "out") throws -> Image {
        var value = GValue()
        g_value_init(&value, CVips_type_image())
        g_object_get_property(CVips_gobject(operation), argument, &value)
        let object = g_value_dup_object(&value)
        g_value_unset(&value)
        guard let object else { throw ImageError(.internalFailure, "libvips' \(name) made no \(argument) image") }
        let pointer = object.assumingMemoryBound(to: VipsImage.self)
        return Image(owning: pointer, keepAlive: keepAlive.isEmpty ? nil : keepAlive as AnyObject)
    }

    /// A blob output (the bytes a saver wrote).
    func bytes(_ argument: String = "buffer") -> [UInt8] {
        var value = GValue()
        g_value_init(&value, CVips_type_blob())
        g_object_get_property(CVips_gobject(operation), argument, &value)
        defer { g_value_unset(&value) }
        var length = 0
        guard let data = vips_value_get_blob(&value, &length) else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }

    /// An array-of-double output.
    func doubles(_ argument: String) -> [Double] {
        var value = GValue()
        g_value_init(&value, CVips_type_array_double())
        g_object_get_property(CVips_gobject(operation), argument, &value)
        defer { g_value_unset(&value) }
        var count: Int32 = 0
        guard let data = vips_value_get_array_double(&value, &count) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(count)))
    }
}
