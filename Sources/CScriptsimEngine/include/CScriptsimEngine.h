#ifndef CSCRIPTSIM_ENGINE_H
#define CSCRIPTSIM_ENGINE_H

/*
 * CScriptsimEngine — the only C in scriptsim.
 *
 * Swift cannot call jemalloc's MALLOCX_* flag macros, cannot be a lua_Alloc
 * without paying a thunk on every allocation, and cannot call Lua's
 * function-like macros (lua_pop, luaL_loadbuffer) or the variadic lua_gc.
 * Everything else lives in Swift (Sources/ScriptSim/Engine), which is the only
 * code that includes this header.
 *
 * Redis 7.4+ gives its Lua VM a dedicated jemalloc arena and a private
 * explicit thread cache per VM (src/script.c: luaEnvInit, createLuaState,
 * luaAlloc). This target does the same, and adds what Redis lacks: an exact
 * running count of the usable bytes the VM holds, kept in the allocator, so
 * the figure never comes from an estimate.
 *
 * Lua headers are included only by the implementation: `lua_State` is opaque
 * here, and every Lua call that can raise an error runs inside lua_pcall, so
 * no longjmp ever crosses a Swift frame.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lua_State lua_State;

/* ---------------------------------------------------------------------------
 * Arena allocator context
 * ------------------------------------------------------------------------- */

/*
 * Bytes held through one allocator (one policy run), by every VM on it.
 * A VM being closed on a background thread (SCRIPT FLUSH ASYNC) and the fresh
 * VM that replaced it allocate at the same time, so these are atomics; the
 * replay thread reads them while the closer frees. Read them with the
 * csim_counter_* functions (Swift cannot see C atomics).
 */
typedef struct csim_counter csim_counter;

csim_counter *csim_counter_create(void);
void csim_counter_destroy(csim_counter *c);
/* Usable bytes held now, and the highest value ever. */
int64_t csim_counter_live(const csim_counter *c);
int64_t csim_counter_peak(const csim_counter *c);
/* Sets the peak to the live count now (a concurrent free may lower live after). */
void csim_counter_reset_peak(csim_counter *c);

/* Which allocator a VM uses. */
enum {
    /* mallocx/rallocx/dallocx on a dedicated arena, through `flags`. */
    CSIM_ALLOC_JEMALLOC = 0,
    /* glibc's malloc (__libc_malloc & co.), as Redis up to 7.2 and Valkey use
     * for Lua; jemalloc, which this process links, does not see these blocks. */
    CSIM_ALLOC_GLIBC = 1
};

/*
 * What one Lua VM allocates with. `flags` holds MALLOCX_ARENA(arena) |
 * MALLOCX_TCACHE(tcache) (or MALLOCX_TCACHE_NONE), computed once so the
 * allocation hot path is a single mallocx/rallocx/dallocx call.
 *
 * `live_bytes` is the sum of the usable sizes (nallocx, or glibc's chunk
 * size) of every block this VM holds; `shared` adds the same amounts to the
 * allocator-wide counter. After csim_tcache_flush() an arena's
 * stats.arenas.<i>.small.allocated + large.allocated equals the sum over its
 * VMs (tests check this). Only the thread that owns the VM touches the
 * non-atomic fields.
 */
typedef struct csim_alloc_ctx {
    int kind;               /* CSIM_ALLOC_JEMALLOC or CSIM_ALLOC_GLIBC */
    unsigned arena;         /* jemalloc arena index from arenas.create */
    int flags;              /* MALLOCX_* flags used for every call */
    int64_t live_bytes;     /* usable bytes this VM holds */
    int64_t peak_bytes;     /* highest live_bytes of this VM */
    int64_t live_blocks;    /* blocks this VM holds */
    uint64_t changes;       /* allocations, frees and resizes so far: a VM whose
                               count stands still has not changed its memory */
    csim_counter *shared;   /* allocator-wide totals */
} csim_alloc_ctx;

/* glibc's usable size of a block from __libc_malloc (its chunk header). */
size_t csim_glibc_usable_size(const void *ptr);

/* glibc heap figures (mallinfo2): bytes in use, and bytes obtained from the system. */
void csim_glibc_heap(uint64_t *in_use, uint64_t *obtained);

/* Returns glibc's free memory at the top of its heaps to the system (malloc_trim). */
void csim_glibc_trim(void);

/* Resident set size of this process, from /proc/self/statm. */
uint64_t csim_process_rss(void);

/* Creates a fresh jemalloc arena (mallctl "arenas.create") with time-based
 * decay turned off, so its resident figures do not depend on wall-clock time.
 * Returns 0 or an errno. */
int csim_arena_create(unsigned *arena_out);

/* Destroys an arena that holds no live block (mallctl "arena.<i>.destroy"),
 * so long test runs never exhaust jemalloc's arena indices. Returns 0 or an errno. */
int csim_arena_destroy(unsigned arena);

/* Returns the arena's dirty and muzzy pages to the system ("arena.<i>.purge"). */
int csim_arena_purge(unsigned arena);

/* Creates a private explicit thread cache ("tcache.create"), as Redis does per VM. */
int csim_tcache_create(unsigned *tcache_out);

/* Returns every block cached in the tcache to its arena ("tcache.flush"). */
int csim_tcache_flush(unsigned tcache);

/* Destroys an explicit tcache ("tcache.destroy"), flushing it first. */
int csim_tcache_destroy(unsigned tcache);

/* MALLOCX_ARENA(arena) | MALLOCX_TCACHE(tcache); tcache < 0 means MALLOCX_TCACHE_NONE. */
int csim_mallocx_flags(unsigned arena, int tcache);

/* The arena's own figures, read after an "epoch" refresh. */
typedef struct csim_arena_stats {
    uint64_t small_allocated;  /* stats.arenas.<i>.small.allocated */
    uint64_t large_allocated;  /* stats.arenas.<i>.large.allocated */
    uint64_t pactive_bytes;    /* stats.arenas.<i>.pactive × page size */
    uint64_t pdirty_bytes;     /* stats.arenas.<i>.pdirty × page size */
    uint64_t resident;         /* stats.arenas.<i>.resident */
    uint64_t mapped;           /* stats.arenas.<i>.mapped */
} csim_arena_stats;

int csim_arena_read_stats(unsigned arena, csim_arena_stats *out);

/* The lua_Alloc function; `ud` must be a csim_alloc_ctx*. */
void *csim_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* The same for glibc's malloc. */
void *csim_lua_alloc_glibc(void *ud, void *ptr, size_t osize, size_t nsize);

/* ---------------------------------------------------------------------------
 * Decompressing trace input (zlib, libzstd), so a `.gz` or `.zst` trace is
 * read and judged by the reader itself: a truncated or corrupt stream is an
 * error, never a trace that merely looks shorter.
 *
 * Nothing here touches a descriptor: the caller reads the bytes (from a file,
 * a pipe, a FIFO or standard input alike) and hands them in, beginning with
 * the bytes it read to tell the format. So a pipe needs no seeking and no
 * duplicate descriptor, and the format is told the same way on any input.
 * Concatenated gzip members and zstd frames (skippable ones too) are one
 * stream, as `gzip -d` and `zstd -d` read them.
 * ------------------------------------------------------------------------- */

enum { CSIM_DECODE_GZIP = 1, CSIM_DECODE_ZSTD = 2 };

typedef struct csim_decoder csim_decoder;

/* A decoder for `format`; NULL when the library cannot set one up, with why
 * in `*message` (a static string). */
csim_decoder *csim_decoder_open(int format, const char **message);

/* Decompresses from `in[0..in_len)` into `out[0..out_cap)`: the bytes written
 * (0 when it needs more input), with the input bytes it took in `*in_used`;
 * -1 on damage, with the library's message in `*message` (valid until the
 * next call). Call it again with no input while it writes: it may hold output. */
long csim_decoder_run(csim_decoder *d, const void *in, size_t in_len, size_t *in_used,
                      void *out, size_t out_cap, const char **message);

/* Whether the input taken so far ends where a member or frame ends: if the
 * input ends now, the stream is whole; else it was cut. */
int csim_decoder_at_end(const csim_decoder *d);

void csim_decoder_close(csim_decoder *d);

/* One frame of `src` at `level`, with a content checksum as the zstd tool
 * writes by default: its size, or 0 when `cap` is too small. For tests and
 * benchmarks that need a .zst file without the zstd tool. */
size_t csim_zstd_compress(void *dst, size_t cap, const void *src, size_t len, int level);
/* The largest compressed size of `len` bytes (ZSTD_compressBound). */
size_t csim_zstd_bound(size_t len);

/* The same in gzip (one member, zlib's default level): its size, or 0 when
 * `cap` is too small. */
size_t csim_gzip_compress(void *dst, size_t cap, const void *src, size_t len);
/* A `cap` large enough for `len` bytes. */
size_t csim_gzip_bound(size_t len);

/* ---------------------------------------------------------------------------
 * Lua VM
 * ------------------------------------------------------------------------- */

/* lua_newstate with csim_lua_alloc or csim_lua_alloc_glibc (by ctx->kind). No standard library is opened: nothing a
 * trace holds can reach os, io, package, require, dofile or loadfile. NULL
 * when the allocator refused the state. */
lua_State *csim_lua_open(csim_alloc_ctx *ctx);

/* lua_close. */
void csim_lua_close(lua_State *L);

/* Outcome of csim_lua_compile. */
enum {
    CSIM_OK = 0,
    CSIM_ERR_SYNTAX = 1,   /* the body does not load: syntax, nesting, size (message set) */
    CSIM_ERR_MEMORY = 2,   /* the allocator refused memory (message set) */
    CSIM_ERR_OTHER = 3     /* any other Lua status (message set) */
};

/* First registry slot free for scripts (LUA_RIDX_LAST is 2 in Lua 5.4). */
#define CSIM_FIRST_SCRIPT_SLOT 3

/*
 * Compiles `body` as a text chunk named "@user_script" (binary chunks are
 * refused, mode "t") and stores the function at integer `slot` of the
 * registry, all inside a protected call. On failure nothing is stored and the
 * message (Lua's own) is copied into `msg` (NUL-terminated, truncated to
 * `msg_cap`).
 *
 * Redis keys the registry by the string "f_<sha>". Lua 5.4 seeds its string
 * hash from the clock and from ASLR addresses, and a hash table that has seen
 * deletions resizes at a point that depends on where keys collide, so string
 * keys would make memory figures differ from run to run. Integer keys hash
 * the same in every run: output stays deterministic, and each script still
 * holds one registry entry, as in Redis.
 */
int csim_lua_compile(lua_State *L, const char *body, size_t len, int64_t slot,
                     char *msg, size_t msg_cap);

/* Sets registry[slot] = nil: it cannot fail (nothing allocates), so no
 * protected call. The closure becomes garbage; its bytes come back at a later
 * GC step, exactly as in Redis's luaDeleteFunction. */
void csim_lua_drop(lua_State *L, int64_t slot);

/* 1 when registry[slot] holds a function. */
int csim_lua_has(lua_State *L, int64_t slot);

/* lua_gc(L, LUA_GCSTEP, kbytes): one incremental step; 1 when it ended a
 * collection cycle (the collector is back at its pause). */
int csim_lua_gc_step(lua_State *L, int kbytes);

/* lua_gc(L, LUA_GCCOLLECT): a full cycle. */
void csim_lua_gc_collect(lua_State *L);

/* Lua's own count of bytes in use: LUA_GCCOUNT × 1024 + LUA_GCCOUNTB. */
int64_t csim_lua_gc_count_bytes(lua_State *L);

/* ---------------------------------------------------------------------------
 * Lua 5.1 (lua51.c, lua51_server.c)
 *
 * Debian's liblua5.1, loaded at run time and bound to its LUA_5.1 symbol
 * versions, so it lives in the same process as the linked Lua 5.4. Scripts
 * are kept in the registry under "f_<sha>" as Redis 7.0+ keeps them: 5.1's
 * string hash has no random seed, so runs stay identical.
 * ------------------------------------------------------------------------- */

/* Loads and binds liblua5.1 once. 0 on success; otherwise 1 with the reason in msg. */
int csim_lua51_bind(char *msg, size_t cap);

/* The family of server whose Lua environment a 5.1 VM is built like: Redis's
 * eval.c (error handler a global function, scripts under "f_<sha>") or Valkey
 * 9's Lua engine module (handler in the registry, the run context set while
 * the libraries load). */
enum {
    CSIM_SERVER_REDIS = 0,
    CSIM_SERVER_VALKEY = 1
};

/* Everything a server version's Lua environment differs in, as its profile
 * (Sources/ScriptSim/Servers) states it: the C side holds no server fact. */
typedef struct {
    int family;                  /* CSIM_SERVER_REDIS or CSIM_SERVER_VALKEY */
    int insecure_api;            /* getfenv, setfenv and newproxy on the allow list */
    int os_library;              /* the os library (os.clock): Redis 7.4+, Valkey */
    int basic_type_protection;   /* luaSetTableProtectionForBasicTypes runs at init */
    int server_table;            /* Valkey's `server` table (aliased as `redis`, VALKEY_VERSION, SERVER_NAME) */
    const char *redis_version;   /* redis.REDIS_VERSION ("7.2.4" on Valkey) */
    int redis_version_num;       /* redis.REDIS_VERSION_NUM, 0x00MMmmpp */
    const char *valkey_version;  /* server.VALKEY_VERSION (Valkey only) */
    int valkey_version_num;
} csim_server_env;

/* A 5.1 state on the given allocator, with the environment `env` describes,
 * as the server builds it before its first script (libraries, the redis
 * table, globals protection, error handler). Functions a script would call
 * are stubs that raise if ever called; nothing is ever run. `env` is read
 * only during the call. NULL when the state cannot be made. */
lua_State *csim_lua51_open(csim_alloc_ctx *ctx, const csim_server_env *env);
void csim_lua51_close(lua_State *L);

/* As csim_lua_compile, keyed by the registry string `key` ("f_<sha>", Redis);
 * with key NULL the function takes a luaL_ref slot of the registry, returned
 * in *ref (Valkey 9's engine_lua.c). `nested_long_brackets_are_text`: the
 * server's Lua has the CVE-2025-46819 lexer, where a `[[` inside a level-0
 * long string or comment is text rather than "nesting of [[...]] is deprecated". */
int csim_lua51_compile(lua_State *L, const char *body, size_t len, const char *key, int *ref, char *msg, size_t msg_cap,
                       int nested_long_brackets_are_text);
/* registry[key] = nil, or luaL_unref(ref) when key is NULL. */
int csim_lua51_drop(lua_State *L, const char *key, int ref);
/* Tables reachable from the registry, the globals and the string metatable
 * (after a full collection: every live table). Redis's and Valkey's Lua adds a
 * readonly flag that makes each table 8 bytes larger than Debian's 5.1. */
int64_t csim_lua51_count_tables(lua_State *L);
/* What a server's luaCallFunction builds before each run: the globals KEYS
 * and ARGV set to fresh tables of the call's arguments (interned strings).
 * `flat` holds the nkeys + nargs arguments back to back, `lens` their lengths.
 * `presize`: lua_createtable(n, 0) as Valkey does; otherwise lua_newtable and
 * rawseti as Redis does. */
int csim_lua51_set_call_globals(lua_State *L, const char *flat, const size_t *lens, int nkeys, int nargs, int presize);
int csim_lua51_gc_step(lua_State *L, int kbytes);
void csim_lua51_gc_collect(lua_State *L);
int64_t csim_lua51_gc_count_bytes(lua_State *L);

/* ---------------------------------------------------------------------------
 * Unfinished output files, removed on a signal
 *
 * Files the user asked for are written under a temporary name and renamed
 * into place when the command succeeds (Sources/ScriptSim/Output). A Ctrl-C,
 * SIGTERM or SIGHUP must not leave those temporary files behind, and a signal
 * handler may only call async-signal-safe functions: so the names live here,
 * in a fixed table the handler can walk without allocating or locking.
 * ------------------------------------------------------------------------- */

/* Installs handlers for SIGINT, SIGTERM, SIGHUP and the other signals that
 * end a process without a core dump (and SIGQUIT) that unlink every
 * registered path, write `message` and the signal's name to standard error
 * and end the process with status 128 + the signal's number; and ignores
 * SIGXFSZ, so a write past `ulimit -f` fails (EFBIG) and is reported. */
void csim_pending_install(const char *message);

/* From now on those signals no longer stop the process: every output is
 * written and flushed, and the report and the renames that remain must happen
 * together (a run interrupted between two renames would have replaced one
 * output and not the other). Called once, just before the last phase. */
void csim_pending_finishing(void);
/* Adds a path (copied); 0 on success, -1 if the table (64 paths) is full. */
int csim_pending_add(const char *path);
/* Removes a path added before (after its rename, or once it was removed); its
 * copy is kept, as a handler on another thread may be reading it. */
void csim_pending_remove(const char *path);

#ifdef __cplusplus
}
#endif

#endif
