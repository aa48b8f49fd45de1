/* zstd input: see include/CScriptsimEngine.h (csim_zstd_*). */
#include "CScriptsimEngine.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include <zstd.h>

typedef struct csim_zstd {
    int fd;                 /* a duplicate, closed with the reader */
    ZSTD_DStream *ds;
    void *in_buf;
    size_t in_cap;
    ZSTD_inBuffer in;
    int eof;                /* read() said end of file */
    int pending;            /* a frame is started and not finished */
    char message[160];
} csim_zstd;

void *csim_zstd_open(int fd) {
    csim_zstd *z = calloc(1, sizeof *z);
    if (z == NULL) return NULL;
    z->fd = dup(fd);
    z->ds = ZSTD_createDStream();
    z->in_cap = ZSTD_DStreamInSize();
    z->in_buf = malloc(z->in_cap);
    if (z->fd < 0 || z->ds == NULL || z->in_buf == NULL) {
        csim_zstd_close(z);
        return NULL;
    }
    ZSTD_initDStream(z->ds);
    z->in.src = z->in_buf;
    return z;
}

long csim_zstd_read(void *handle, void *buf, size_t len, const char **message) {
    csim_zstd *z = handle;
    ZSTD_outBuffer out = { buf, len, 0 };
    for (;;) {
        /* Called even with no new input: the decoder may hold output from the last call. */
        size_t before = z->in.pos;
        size_t r = ZSTD_decompressStream(z->ds, &out, &z->in);
        if (ZSTD_isError(r)) {
            snprintf(z->message, sizeof z->message, "%s", ZSTD_getErrorName(r));
            *message = z->message;
            return -1;
        }
        /* 0: a frame ended and is flushed; another may follow (concatenated
         * frames). Only a call that moved tells: an idle one hints at the next frame. */
        if (z->in.pos > before || out.pos > 0) z->pending = r != 0;
        if (out.pos > 0) return (long)out.pos;
        if (z->in.pos < z->in.size) continue;
        if (z->eof) {
            if (!z->pending) return 0;
            /* The same words zlib uses for a gzip stream that stops early. */
            snprintf(z->message, sizeof z->message, "unexpected end of file");
            *message = z->message;
            return -1;
        }
        ssize_t n = read(z->fd, z->in_buf, z->in_cap);
        if (n < 0) {
            if (errno == EINTR) continue;
            snprintf(z->message, sizeof z->message, "%s", strerror(errno));
            *message = z->message;
            return -1;
        }
        if (n == 0) z->eof = 1;
        z->in.size = (size_t)n;
        z->in.pos = 0;
    }
}

void csim_zstd_close(void *handle) {
    csim_zstd *z = handle;
    if (z == NULL) return;
    if (z->fd >= 0) close(z->fd);
    ZSTD_freeDStream(z->ds);
    free(z->in_buf);
    free(z);
}

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
