/* Compressing whole buffers, for tests, fuzzing and benchmarks that need a
 * .gz or .zst trace without the gzip or zstd tools: see include/CScriptsimEngine.h. */
#include "CScriptsimEngine.h"
#include <zlib.h>
#include <zstd.h>

size_t csim_zstd_compress(void *dst, size_t cap, const void *src, size_t len, int level) {
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (c == NULL) return 0;
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    size_t n = ZSTD_compress2(c, dst, cap, src, len);
    ZSTD_freeCCtx(c);
    return ZSTD_isError(n) ? 0 : n;
}

size_t csim_zstd_bound(size_t len) { return ZSTD_compressBound(len); }

size_t csim_gzip_compress(void *dst, size_t cap, const void *src, size_t len) {
    z_stream z = { 0 };
    /* 15 + 16: a gzip header and trailer, as the gzip tool writes. */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    if (len > (1u << 30) || cap > (1u << 30)) { deflateEnd(&z); return 0; }
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)len;
    z.next_out = dst;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? n : 0;
}

size_t csim_gzip_bound(size_t len) { return compressBound((uLong)len) + 32; }
