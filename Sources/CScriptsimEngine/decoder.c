/* Decompressing trace input: see include/CScriptsimEngine.h (csim_decoder_*). */
#include "CScriptsimEngine.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

struct csim_decoder {
    int format;
    z_stream z;             /* gzip */
    ZSTD_DStream *ds;       /* zstd */
    int pending;            /* a member or frame is started and not finished */
    int members;            /* gzip members finished */
    char message[200];
};

csim_decoder *csim_decoder_open(int format, const char **message) {
    csim_decoder *d = calloc(1, sizeof *d);
    if (d == NULL) { *message = "out of memory"; return NULL; }
    d->format = format;
    if (format == CSIM_DECODE_GZIP) {
        /* 15 + 16: gzip only (a zlib or raw stream is damage here). */
        int rc = inflateInit2(&d->z, 15 + 16);
        if (rc != Z_OK) {
            *message = rc == Z_MEM_ERROR ? "zlib: out of memory"
                     : rc == Z_VERSION_ERROR ? "zlib: the library is not the version scriptsim was built with"
                     : "zlib: inflateInit2 failed";
            free(d);
            return NULL;
        }
    } else if (format == CSIM_DECODE_ZSTD) {
        d->ds = ZSTD_createDStream();
        if (d->ds == NULL) { *message = "libzstd: out of memory"; free(d); return NULL; }
        size_t rc = ZSTD_initDStream(d->ds);
        if (ZSTD_isError(rc)) {
            *message = "libzstd: ZSTD_initDStream failed";
            ZSTD_freeDStream(d->ds);
            free(d);
            return NULL;
        }
    } else {
        *message = "unknown compression format";
        free(d);
        return NULL;
    }
    return d;
}

static long gzip_run(csim_decoder *d, const void *in, size_t in_len, size_t *in_used,
                     void *out, size_t out_cap, const char **message) {
    *in_used = 0;
    if (in_len == 0 && !d->pending) return 0;
    if (!d->pending) {
        /* Another member (`cat a.gz b.gz`): zlib starts over on the same stream. */
        if (d->members > 0) inflateReset(&d->z);
        d->pending = 1;
    }
    /* zlib counts in uInt: hand it at most 1 GiB a call. */
    uInt in_n = in_len > (1u << 30) ? 1u << 30 : (uInt)in_len;
    uInt out_n = out_cap > (1u << 30) ? 1u << 30 : (uInt)out_cap;
    d->z.next_in = (Bytef *)in;
    d->z.avail_in = in_n;
    d->z.next_out = out;
    d->z.avail_out = out_n;
    int rc = inflate(&d->z, Z_NO_FLUSH);
    *in_used = in_n - d->z.avail_in;
    long written = (long)(out_n - d->z.avail_out);
    if (rc == Z_STREAM_END) {
        d->pending = 0;
        d->members += 1;
        return written;
    }
    /* Z_BUF_ERROR: no progress was possible (it wants input), not damage. */
    if (rc == Z_OK || rc == Z_BUF_ERROR) return written;
    const char *why = d->z.msg != NULL ? d->z.msg : rc == Z_MEM_ERROR ? "out of memory" : "damaged stream";
    if (d->members > 0 && d->z.total_out == 0)
        snprintf(d->message, sizeof d->message, "data after the end of the gzip stream is not gzip (%s)", why);
    else
        snprintf(d->message, sizeof d->message, "%s", why);
    *message = d->message;
    return -1;
}

static long zstd_run(csim_decoder *d, const void *in, size_t in_len, size_t *in_used,
                     void *out, size_t out_cap, const char **message) {
    ZSTD_inBuffer input = { in, in_len, 0 };
    ZSTD_outBuffer output = { out, out_cap, 0 };
    size_t r = ZSTD_decompressStream(d->ds, &output, &input);
    *in_used = input.pos;
    if (ZSTD_isError(r)) {
        snprintf(d->message, sizeof d->message, "%s", ZSTD_getErrorName(r));
        *message = d->message;
        return -1;
    }
    /* 0: a frame ended and is flushed; another may follow (concatenated
     * frames). Only a call that moved tells: an idle one hints at the next frame. */
    if (input.pos > 0 || output.pos > 0) d->pending = r != 0;
    return (long)output.pos;
}

long csim_decoder_run(csim_decoder *d, const void *in, size_t in_len, size_t *in_used,
                      void *out, size_t out_cap, const char **message) {
    return d->format == CSIM_DECODE_GZIP ? gzip_run(d, in, in_len, in_used, out, out_cap, message)
                                         : zstd_run(d, in, in_len, in_used, out, out_cap, message);
}

int csim_decoder_at_end(const csim_decoder *d) { return !d->pending; }

void csim_decoder_close(csim_decoder *d) {
    if (d == NULL) return;
    if (d->format == CSIM_DECODE_GZIP) inflateEnd(&d->z);
    ZSTD_freeDStream(d->ds);
    free(d);
}
