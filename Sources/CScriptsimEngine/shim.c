/* See include/CScriptsimEngine.h for why each function exists. */
#include "CScriptsimEngine.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jemalloc/jemalloc.h>
#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include "lua_message.h"

/* ---------------------------------------------------------------------------
 * jemalloc
 * ------------------------------------------------------------------------- */

int csim_arena_create(unsigned *arena_out) {
    size_t sz = sizeof(unsigned);
    int rc = mallctl("arenas.create", arena_out, &sz, NULL, 0);
    if (rc) return rc;
    /* No time-based purging: a replay runs faster than the trace's own time,
     * so wall-clock decay would make resident figures differ from run to run.
     * Freed pages stay until an explicit purge (--arena-after-flush purge). */
    ssize_t never = -1;
    char name[64];
    snprintf(name, sizeof name, "arena.%u.dirty_decay_ms", *arena_out);
    mallctl(name, NULL, NULL, &never, sizeof never);
    snprintf(name, sizeof name, "arena.%u.muzzy_decay_ms", *arena_out);
    mallctl(name, NULL, NULL, &never, sizeof never);
    return 0;
}

static int arena_ctl(unsigned arena, const char *op) {
    char name[64];
    snprintf(name, sizeof name, "arena.%u.%s", arena, op);
    return mallctl(name, NULL, NULL, NULL, 0);
}

int csim_arena_destroy(unsigned arena) { return arena_ctl(arena, "destroy"); }

int csim_arena_purge(unsigned arena) { return arena_ctl(arena, "purge"); }

int csim_tcache_create(unsigned *tcache_out) {
    size_t sz = sizeof(unsigned);
    return mallctl("tcache.create", tcache_out, &sz, NULL, 0);
}

int csim_tcache_flush(unsigned tcache) {
    return mallctl("tcache.flush", NULL, NULL, &tcache, sizeof tcache);
}

int csim_tcache_destroy(unsigned tcache) {
    return mallctl("tcache.destroy", NULL, NULL, &tcache, sizeof tcache);
}

int csim_mallocx_flags(unsigned arena, int tcache) {
    return MALLOCX_ARENA(arena) | (tcache < 0 ? MALLOCX_TCACHE_NONE : MALLOCX_TCACHE(tcache));
}

static int read_size(unsigned arena, const char *leaf, uint64_t *out) {
    char name[96];
    size_t value = 0, sz = sizeof value;
    snprintf(name, sizeof name, "stats.arenas.%u.%s", arena, leaf);
    int rc = mallctl(name, &value, &sz, NULL, 0);
    *out = value;
    return rc;
}

int csim_arena_read_stats(unsigned arena, csim_arena_stats *out) {
    uint64_t epoch = 1;
    size_t esz = sizeof epoch;
    int rc = mallctl("epoch", &epoch, &esz, &epoch, esz);
    if (rc) return rc;
    size_t page = 0, psz = sizeof page;
    if ((rc = mallctl("arenas.page", &page, &psz, NULL, 0))) return rc;
    uint64_t pactive = 0, pdirty = 0;
    if ((rc = read_size(arena, "small.allocated", &out->small_allocated))) return rc;
    if ((rc = read_size(arena, "large.allocated", &out->large_allocated))) return rc;
    if ((rc = read_size(arena, "pactive", &pactive))) return rc;
    if ((rc = read_size(arena, "pdirty", &pdirty))) return rc;
    if ((rc = read_size(arena, "resident", &out->resident))) return rc;
    if ((rc = read_size(arena, "mapped", &out->mapped))) return rc;
    out->pactive_bytes = pactive * page;
    out->pdirty_bytes = pdirty * page;
    return 0;
}

struct csim_counter {
    _Atomic int64_t live;
    _Atomic int64_t peak;
};

csim_counter *csim_counter_create(void) {
    csim_counter *c = malloc(sizeof *c);
    if (c != NULL) {
        atomic_init(&c->live, 0);
        atomic_init(&c->peak, 0);
    }
    return c;
}

void csim_counter_destroy(csim_counter *c) { free(c); }

int64_t csim_counter_live(const csim_counter *c) { return atomic_load_explicit(&c->live, memory_order_relaxed); }
int64_t csim_counter_peak(const csim_counter *c) { return atomic_load_explicit(&c->peak, memory_order_relaxed); }
void csim_counter_reset_peak(csim_counter *c) {
    atomic_store_explicit(&c->peak, atomic_load_explicit(&c->live, memory_order_relaxed), memory_order_relaxed);
}

static inline void account(csim_alloc_ctx *ctx, int64_t delta, int64_t blocks) {
    ctx->live_bytes += delta;
    ctx->live_blocks += blocks;
    ctx->changes += 1;
    if (ctx->live_bytes > ctx->peak_bytes) ctx->peak_bytes = ctx->live_bytes;
    int64_t now = atomic_fetch_add_explicit(&ctx->shared->live, delta, memory_order_relaxed) + delta;
    int64_t peak = atomic_load_explicit(&ctx->shared->peak, memory_order_relaxed);
    while (now > peak &&
           !atomic_compare_exchange_weak_explicit(&ctx->shared->peak, &peak, now, memory_order_relaxed, memory_order_relaxed)) {
    }
}

/* jemalloc's usable size of an n-byte block, nallocx(n, 0), for the sizes
 * Lua asks for most: looked up in a table nallocx itself filled once, since
 * nallocx fetches the thread's jemalloc state on every call (about a tenth
 * of a compile-heavy replay's allocator time). */
#define CSIM_SIZE_TABLE_MAX 4096
static uint16_t size_classes[CSIM_SIZE_TABLE_MAX + 1];
static pthread_once_t size_classes_once = PTHREAD_ONCE_INIT;

static void fill_size_classes(void) {
    for (size_t n = 0; n <= CSIM_SIZE_TABLE_MAX; n++) size_classes[n] = (uint16_t)nallocx(n == 0 ? 1 : n, 0);
}

void csim_size_classes_init(void) { pthread_once(&size_classes_once, fill_size_classes); }

static inline size_t usable_size(size_t n) {
    return n <= CSIM_SIZE_TABLE_MAX ? size_classes[n] : nallocx(n, 0);
}

/* The hot path: one jemalloc call plus the usable-size bookkeeping. Lua
 * passes the exact size of every block it frees or resizes (`osize`), and a
 * block allocated for n bytes (no alignment flags) has usable size nallocx(n),
 * so the size-class computation replaces sallocx's radix-tree lookup; the
 * tests check the counter against the arena's own statistics. */
void *csim_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    csim_alloc_ctx *ctx = (csim_alloc_ctx *)ud;
    if (nsize == 0) {
        if (ptr != NULL) {
            account(ctx, -(int64_t)usable_size(osize), -1);
            sdallocx(ptr, osize, ctx->flags);
        }
        return NULL;
    }
    void *out;
    int64_t before = 0;
    if (ptr == NULL) {
        out = mallocx(nsize, ctx->flags);
    } else {
        before = (int64_t)usable_size(osize);
        out = rallocx(ptr, nsize, ctx->flags);
    }
    if (out == NULL) {
        return NULL; /* Lua raises a memory error; ptr is untouched */
    }
    account(ctx, (int64_t)usable_size(nsize) - before, ptr == NULL ? 1 : 0);
    return out;
}

/* glibc's own entry points: this process links jemalloc, which takes over
 * malloc/realloc/free, so glibc's allocator is reached by these names. */
extern void *__libc_malloc(size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

/* glibc (2.26+, no memory tagging) keeps a chunk's size in the word before
 * the block; mmapped chunks carry two header words, others one. */
size_t csim_glibc_usable_size(const void *ptr) {
    size_t head = ((const size_t *)ptr)[-1];
    size_t chunk = head & ~(size_t)7;
    return (head & 2) ? chunk - 2 * sizeof(size_t) : chunk - sizeof(size_t);
}

void *csim_lua_alloc_glibc(void *ud, void *ptr, size_t osize, size_t nsize) {
    csim_alloc_ctx *ctx = (csim_alloc_ctx *)ud;
    (void)osize;
    if (nsize == 0) {
        if (ptr != NULL) {
            account(ctx, -(int64_t)csim_glibc_usable_size(ptr), -1);
            __libc_free(ptr);
        }
        return NULL;
    }
    int64_t before = ptr == NULL ? 0 : (int64_t)csim_glibc_usable_size(ptr);
    void *out = ptr == NULL ? __libc_malloc(nsize) : __libc_realloc(ptr, nsize);
    if (out == NULL) {
        return NULL;
    }
    account(ctx, (int64_t)csim_glibc_usable_size(out) - before, ptr == NULL ? 1 : 0);
    return out;
}

void csim_glibc_heap(uint64_t *in_use, uint64_t *obtained) {
    struct mallinfo2 mi = mallinfo2();
    *in_use = mi.uordblks + mi.hblkhd;
    *obtained = mi.arena + mi.hblkhd;
}

void csim_glibc_trim(void) { malloc_trim(0); }

uint64_t csim_process_rss(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) return 0;
    unsigned long size = 0, resident = 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    return n == 2 ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

/* ---------------------------------------------------------------------------
 * Lua
 * ------------------------------------------------------------------------- */

lua_State *csim_lua_open(csim_alloc_ctx *ctx) {
    csim_size_classes_init();
    return lua_newstate(ctx->kind == CSIM_ALLOC_GLIBC ? csim_lua_alloc_glibc : csim_lua_alloc, ctx);
}

void csim_lua_close(lua_State *L) { lua_close(L); }


typedef struct {
    const char *body;
    size_t len;
    int64_t slot;
    int load_status;
} compile_args;

static int compile_protected(lua_State *L) {
    compile_args *a = (compile_args *)lua_touserdata(L, 1);
    a->load_status = luaL_loadbufferx(L, a->body, a->len, "@user_script", "t");
    if (a->load_status != LUA_OK) return lua_error(L);
    lua_rawseti(L, LUA_REGISTRYINDEX, (lua_Integer)a->slot);
    return 0;
}

static int status_code(int lua_status) {
    switch (lua_status) {
    case LUA_OK: return CSIM_OK;
    case LUA_ERRSYNTAX: return CSIM_ERR_SYNTAX;
    case LUA_ERRMEM: return CSIM_ERR_MEMORY;
    default: return CSIM_ERR_OTHER;
    }
}

int csim_lua_compile(lua_State *L, const char *body, size_t len, int64_t slot,
                     char *msg, size_t msg_cap) {
    compile_args a = {body, len, slot, LUA_OK};
    lua_pushcfunction(L, compile_protected);
    lua_pushlightuserdata(L, &a);
    int st = lua_pcall(L, 1, 0, 0);
    if (st == LUA_OK) return CSIM_OK;
    copy_message(L, msg, msg_cap);
    lua_pop(L, 1);
    /* Any failure while loading is the script's: a syntax error, but also
     * "C stack overflow" from deep nesting, or memory refused for a huge
     * constant. Redis answers each with "Error compiling script". Only a
     * failure after the load (storing the function) is the engine's. */
    if (a.load_status != LUA_OK) return CSIM_ERR_SYNTAX;
    return status_code(st);
}

void csim_lua_drop(lua_State *L, int64_t slot) {
    /* No protected call: the slot holds a function, so setting it to nil only
     * overwrites a value (Lua 5.4's luaH_newkey never inserts a nil either),
     * and one push fits in the LUA_MINSTACK slots the API guarantees. Nothing
     * allocates, nothing can raise. */
    lua_pushnil(L);
    lua_rawseti(L, LUA_REGISTRYINDEX, (lua_Integer)slot);
}

int csim_lua_has(lua_State *L, int64_t slot) {
    /* lua_rawgeti never allocates or raises: no protected call needed. */
    int t = lua_rawgeti(L, LUA_REGISTRYINDEX, (lua_Integer)slot);
    lua_pop(L, 1);
    return t == LUA_TFUNCTION;
}

int csim_lua_gc_step(lua_State *L, int kbytes) { return lua_gc(L, LUA_GCSTEP, kbytes); }

void csim_lua_gc_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT, 0); }

int64_t csim_lua_gc_count_bytes(lua_State *L) {
    return (int64_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024 + lua_gc(L, LUA_GCCOUNTB, 0);
}
