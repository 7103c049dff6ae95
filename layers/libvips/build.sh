#!/usr/bin/env bash
# Builds the lean libvips of the layer and gathers it, with every shared library it needs but the C
# library itself, into OUT_DIR/lib (the layer's /opt/lib).
#
#   layers/libvips/build.sh OUT_DIR [VIPS_SOURCE_DIR [TIFF_SOURCE_DIR]]
#
# The source dirs are unpacked libvips and libtiff source trees; without them, Debian's source
# packages are fetched (`apt-get source`, which needs a deb-src entry). Only what Darkroom accepts
# is built in:
# JPEG, PNG, WebP, GIF, HEIF/AVIF, TIFF, with lcms (ICC) and libexif; no ImageMagick, poppler,
# OpenSlide, librsvg or pango (so text watermarks need the full libvips; image watermarks work
# everywhere).
#
# HEIF/AVIF is built as a libvips module and kept out of the folder libvips loads at start
# (lib/vips-modules-X.Y): libheif's codec set-up costs about 10 ms of every start. It goes to
# lib/vips-lazy-modules-X.Y, which Darkroom opens when the first HEIC or AVIF arrives
# (ImageCore's Vips.requireHEIF).
#
# libtiff is built here too, with the codecs photographs use (none, LZW, Deflate, JPEG, PackBits)
# and without the rest (LERC, JBIG, old-style JPEG, CCITT fax, ThunderScan, NeXT, LogLuv, PixarLog,
# ZSTD, LZMA, WebP-in-TIFF): the distributions' libtiff brings libstdc++ and five more libraries
# (about 3 ms of every start), and each exotic decoder is more code an upload could reach.
#
# With LAYER_INSTALL=1, libtiff and libvips are also installed into /opt with their headers, to
# build the functions against (the Amazon Linux image does; on Debian they build against
# libvips-dev, the same API).
set -euo pipefail
out="$(mkdir -p "$1" && cd "$1" && pwd)"
source_dir="${2:-}"
tiff_source="${3:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "$source_dir" ]; then
    (cd "$work" && apt-get source -qq vips >/dev/null 2>&1)
    source_dir="$(ls -d "$work"/vips-*/ | head -1)"
fi
if [ -z "$tiff_source" ]; then
    (cd "$work" && apt-get source -qq tiff >/dev/null 2>&1)
    tiff_source="$(ls -d "$work"/tiff-*/ | head -1)"
fi

tiff_prefix="$work/tiff"
[ "${LAYER_INSTALL:-}" = 1 ] && tiff_prefix=/opt
cmake -S "$tiff_source" -B "$work/tiff-build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$tiff_prefix" \
    -DCMAKE_INSTALL_LIBDIR=lib -Dtiff-tools=OFF -Dtiff-tests=OFF -Dtiff-contrib=OFF -Dtiff-docs=OFF -Dtiff-opengl=OFF \
    -Dcxx=OFF -Dsphinx=OFF -Dzlib=ON -Dlibdeflate=OFF -Djpeg=ON -Dold-jpeg=OFF -Djpeg12=OFF -Djbig=OFF -Dlerc=OFF \
    -Dlzma=OFF -Dzstd=OFF -Dwebp=OFF -Dccitt=OFF -Dthunder=OFF -Dnext=OFF -Dlogluv=OFF -Dmdi=OFF -Dpixarlog=OFF >"$work/tiff-cmake.log"
ninja -C "$work/tiff-build" install >"$work/tiff-ninja.log"
export PKG_CONFIG_PATH="$tiff_prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

meson setup "$work/build" "$source_dir" --prefix=/opt --libdir=lib --buildtype=release -Ddefault_library=shared \
    -Dmodules=enabled -Dintrospection=false -Ddeprecated=false -Dexamples=false -Dcplusplus=false \
    -Djpeg=enabled -Dpng=enabled -Dspng=disabled -Dwebp=enabled -Dnsgif=true -Dcgif=disabled \
    -Dheif=enabled -Dheif-module=enabled -Dtiff=enabled -Dlcms=enabled -Dexif=enabled -Dzlib=enabled \
    -Dcfitsio=disabled -Dfftw=disabled -Dfontconfig=disabled -Dgsf=disabled -Dimagequant=disabled -Dquantizr=disabled \
    -Djpeg-xl=disabled -Dmagick=disabled -Dmatio=disabled -Dnifti=disabled -Dopenexr=disabled -Dopenjpeg=disabled \
    -Dopenslide=disabled -Dorc=disabled -Dpangocairo=disabled -Dpdfium=disabled -Dpoppler=disabled -Drsvg=disabled \
    -Dppm=false -Danalyze=false -Dradiance=false >"$work/meson.log"
ninja -C "$work/build" >"$work/ninja.log"
DESTDIR="$work/stage" ninja -C "$work/build" install >/dev/null
[ "${LAYER_INSTALL:-}" = 1 ] && ninja -C "$work/build" install >/dev/null

mkdir -p "$out/lib"
cp -a "$work/stage/opt/lib/"libvips.so* "$out/lib/"
cp -L "$tiff_prefix/lib/libtiff.so.6" "$out/lib/"
modules="$(basename "$(ls -d "$work/stage/opt/lib/"vips-modules-*)")"
lazy="$out/lib/${modules/vips-modules-/vips-lazy-modules-}"
rm -rf "$out/lib/$modules" "$lazy" && mkdir -p "$lazy"
cp "$work/stage/opt/lib/$modules/vips-heif.so" "$lazy/"
# Every library libvips and the HEIF module need, but the C library and the loader, which the runtime has.
LD_LIBRARY_PATH="$out/lib" ldd "$out/lib/libvips.so.42" "$lazy/vips-heif.so" | awk '/=> \// {print $3}' | sort -u | while read -r library; do
    [ "$(dirname "$library")" = "$out/lib" ] && continue  # built here
    case "$(basename "$library")" in
        libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|libresolv.so*|ld-linux*|libvips.so*) ;;
        *) cp -L "$library" "$out/lib/" ;;
    esac
done
echo "libvips layer: $(ls "$out/lib" | wc -l) libraries, $(du -sh "$out/lib" | cut -f1)" >&2
