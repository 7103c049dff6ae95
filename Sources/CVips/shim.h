#ifndef CVIPS_SHIM_H
#define CVIPS_SHIM_H

#include <vips/vips.h>
#include <vips/vector.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

// Swift cannot call C variadic functions, and libvips' convenience API is variadic
// (NULL-terminated option lists). These fixed-arity shims cover the few hot calls; every other
// operation goes through the VipsOperation object API from Swift.

// vips_image_new_from_buffer: open lazily (header only until pixels are asked for), with the
// loader options given as a string such as "fail_on=error".
static inline VipsImage *CVips_image_new_from_buffer(const void *buf, size_t len,
                                                     const char *options) {
    return vips_image_new_from_buffer(buf, len, options, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
}

// vips_thumbnail_buffer: decode with shrink-on-load, auto-orient, colour-manage to sRGB.
// `load_options` reach the loader ("fail_on=error"): in libvips 8.14 the thumbnail's own
// `fail_on` property is not passed on to buffer loaders, so a truncated JPEG would decode grey.
static inline int CVips_thumbnail_buffer(void *buf, size_t len, VipsImage **out, int width,
                                         int height, VipsSize size, const char *load_options,
                                         const char *import_profile, const char *export_profile) {
    return vips_thumbnail_buffer(buf, len, out, width, "height", height, "size", size,
                                 "option_string", load_options, "import_profile", import_profile,
                                 "export_profile", export_profile, NULL);
}

// The same with a crop: one output straight from the buffer (a rendition), scaled to fill the box
// and cropped to it around what `crop` finds interesting, or scaled into it (VIPS_INTERESTING_NONE).
static inline int CVips_thumbnail_buffer_crop(void *buf, size_t len, VipsImage **out, int width,
                                              int height, VipsSize size, VipsInteresting crop,
                                              const char *load_options, const char *import_profile,
                                              const char *export_profile) {
    return vips_thumbnail_buffer(buf, len, out, width, "height", height, "size", size, "crop", crop,
                                 "option_string", load_options, "import_profile", import_profile,
                                 "export_profile", export_profile, NULL);
}

// Macros (G_TYPE_*) cannot be imported into Swift; these return the GTypes the object API needs.
static inline GType CVips_type_image(void) { return VIPS_TYPE_IMAGE; }
static inline GType CVips_type_blob(void) { return VIPS_TYPE_BLOB; }
static inline GType CVips_type_array_double(void) { return VIPS_TYPE_ARRAY_DOUBLE; }

// VIPS_OBJECT() and G_OBJECT() are cast macros; Swift needs them as functions.
static inline VipsObject *CVips_object(VipsOperation *op) { return VIPS_OBJECT(op); }
static inline GObject *CVips_gobject(void *object) { return G_OBJECT(object); }

// How many VipsObjects are alive: libvips keeps every one in a table that vips_object_map walks.
// A test drives failing operations and watches this number for leaks.
static inline void *CVips_count_object(VipsObject *object, void *count, void *unused) {
    (void)object;
    (void)unused;
    (*(size_t *)count)++;
    return NULL;
}
/* Caps the malloc arenas glibc makes (mallopt M_ARENA_MAX), unless MALLOC_ARENA_MAX says how many
 * already; 0 when this C library has no such setting. */
static inline int CVips_limit_malloc_arenas(int arenas) {
#if defined(__GLIBC__)
    return getenv("MALLOC_ARENA_MAX") ? 0 : mallopt(M_ARENA_MAX, arenas);
#else
    (void)arenas;
    return 0;
#endif
}

static inline size_t CVips_live_objects(void) {
    size_t count = 0;
    vips_object_map((VipsSListMap2Fn)CVips_count_object, &count, NULL);
    return count;
}

#endif
