/*
 * The Lua 5.1 engine: Debian's liblua5.1 (5.1.5, the release Redis's and
 * Valkey's bundled Lua is based on), loaded at run time beside the linked
 * Lua 5.4.
 *
 * Both libraries export the same names (lua_pushstring, ...). Debian versions
 * them (lua_pushstring@@LUA_5.1, @@LUA_5.4), so this file binds every call to
 * the LUA_5.1 version with dlvsym on a RTLD_LOCAL handle: the 5.1 symbols never
 * enter the global scope, and 5.1's own internal calls stay bound to 5.1 by
 * their version. The function-like macros of <lua5.1/lua.h> (lua_pop,
 * lua_setglobal, ...) expand to the redirected names below, so the code reads
 * like ordinary Lua C API code.
 */
#define _GNU_SOURCE
#include "CScriptsimEngine.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua5.1/lua.h>
#include <lua5.1/lauxlib.h>
#include <lua5.1/lualib.h>

#include "lua51_api.h"
#include "lua_message.h"
#include "lua51_long_brackets.h"

struct csim_lua51_api L51;

static pthread_once_t bind_once = PTHREAD_ONCE_INIT;
static char bind_error[256];

static void bind_all(void) {
    void *h = dlopen("liblua5.1.so.0", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        snprintf(bind_error, sizeof bind_error, "cannot load liblua5.1.so.0 (install liblua5.1-0-dev): %s", dlerror());
        return;
    }
#define BIND(field, name)                                                                       \
    do {                                                                                        \
        *(void **)(&L51.field) = dlvsym(h, #name, "LUA_5.1");                                   \
        if (L51.field == NULL) {                                                                \
            snprintf(bind_error, sizeof bind_error, "liblua5.1.so.0 has no %s@LUA_5.1", #name); \
            return;                                                                             \
        }                                                                                       \
    } while (0);
    CSIM_LUA51_FUNCTIONS(BIND)
#undef BIND
}

int csim_lua51_bind(char *msg, size_t cap) {
    pthread_once(&bind_once, bind_all);
    if (bind_error[0] == '\0') return 0;
    if (msg != NULL && cap > 0) snprintf(msg, cap, "%s", bind_error);
    return 1;
}

void csim_lua51_close(lua_State *L) { lua_close(L); }


/*
 * Redis's Lua refuses binary chunks by parsing every chunk as text (its
 * deps/lua f_parser no longer calls luaU_undump). Stock 5.1 would undump a
 * body that starts with ESC, so such a body is read through a reader that
 * puts a blank before it: the lexer then meets ESC as a text token and fails
 * exactly as Redis's patched Lua does, on the same line.
 */
typedef struct {
    const char *body;
    size_t len;
    int state;  /* 0: blank not given yet (only for ESC bodies), 1: body, 2: done */
} chunk_reader;

static const char *read_chunk(lua_State *L, void *ud, size_t *size) {
    (void)L;
    chunk_reader *r = (chunk_reader *)ud;
    switch (r->state) {
    case 0: r->state = 1; *size = 1; return " ";
    case 1: r->state = 2; *size = r->len; return r->body;
    default: *size = 0; return NULL;
    }
}

typedef struct {
    const char *body;
    size_t len;
    const char *key;
    int ref;
    int load_status;
} compile_args;

static int compile_protected(lua_State *L) {
    compile_args *a = (compile_args *)lua_touserdata(L, 1);
    chunk_reader r = {a->body, a->len, (a->len > 0 && a->body[0] == LUA_SIGNATURE[0]) ? 0 : 1};
    a->load_status = lua_load(L, read_chunk, &r, "@user_script");
    if (a->load_status != 0) return lua_error(L);
    if (a->key != NULL) lua_setfield(L, LUA_REGISTRYINDEX, a->key);
    else a->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

int csim_lua51_compile(lua_State *L, const char *body, size_t len, const char *key, int *ref, char *msg, size_t msg_cap,
                       int nested_long_brackets_are_text) {
    size_t text_len = 0, first_k = 0;
    char *text = nested_long_brackets_are_text ? csim_unnest_long_brackets(body, len, &text_len, &first_k) : NULL;
    compile_args a = {text ? text : body, text ? text_len : len, key, 0, 0};
    int st = lua_cpcall(L, compile_protected, &a);
    free(text);
    if (st == 0) {
        if (ref != NULL) *ref = a.ref;
        return CSIM_OK;
    }
    copy_message(L, msg, msg_cap);
    if (text != NULL && msg != NULL && msg_cap > 0) csim_unnest_fix_message(msg, first_k);
    lua_pop(L, 1);
    if (a.load_status != 0) return CSIM_ERR_SYNTAX;  /* the script's fault, as in csim_lua_compile */
    return st == LUA_ERRMEM ? CSIM_ERR_MEMORY : CSIM_ERR_OTHER;
}

typedef struct { const char *key; int ref; } drop_args;

static int drop_protected(lua_State *L) {
    drop_args *a = (drop_args *)lua_touserdata(L, 1);
    if (a->key == NULL) {
        luaL_unref(L, LUA_REGISTRYINDEX, a->ref);
        return 0;
    }
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, a->key);
    return 0;
}

int csim_lua51_drop(lua_State *L, const char *key, int ref) {
    drop_args a = {key, ref};
    int st = lua_cpcall(L, drop_protected, &a);
    if (st != 0) lua_pop(L, 1);
    return st == 0 ? CSIM_OK : CSIM_ERR_OTHER;
}

typedef struct {
    const char *flat;
    const size_t *lens;
    int nkeys, nargs, presize;
} call_args;

static void call_array(lua_State *L, const char **p, const size_t *lens, int n, int presize, const char *name) {
    lua_createtable(L, presize ? n : 0, 0);
    for (int j = 0; j < n; j++) {
        lua_pushlstring(L, *p, lens[j]);
        lua_rawseti(L, -2, j + 1);
        *p += lens[j];
    }
    lua_setfield(L, LUA_GLOBALSINDEX, name);
}

/* luaCallFunction's registry["__RUN_CTX__"]: set to a light userdata before
 * the run and to nil after it (luaSaveOnRegistry). The nil leaves the key in
 * its node, so the registry's hash holds one entry more than its live keys
 * until the next rehash drops it, and the next run puts it back. */
static void run_ctx(lua_State *L, int set) {
    lua_pushstring(L, "__RUN_CTX__");
    if (set) lua_pushlightuserdata(L, L); else lua_pushnil(L);
    lua_settable(L, LUA_REGISTRYINDEX);
}

static int call_globals_protected(lua_State *L) {
    call_args *a = (call_args *)lua_touserdata(L, 1);
    const char *p = a->flat;
    run_ctx(L, 1);
    call_array(L, &p, a->lens, a->nkeys, a->presize, "KEYS");
    call_array(L, &p, a->lens + a->nkeys, a->nargs, a->presize, "ARGV");
    run_ctx(L, 0);
    return 0;
}

int csim_lua51_set_call_globals(lua_State *L, const char *flat, const size_t *lens, int nkeys, int nargs, int presize) {
    call_args a = {flat, lens, nkeys, nargs, presize};
    int st = lua_cpcall(L, call_globals_protected, &a);
    if (st != 0) lua_pop(L, 1);
    return st == 0 ? CSIM_OK : CSIM_ERR_OTHER;
}

int csim_lua51_gc_step(lua_State *L, int kbytes) { return lua_gc(L, LUA_GCSTEP, kbytes); }

void csim_lua51_gc_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT, 0); }

int64_t csim_lua51_gc_count_bytes(lua_State *L) {
    return (int64_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024 + lua_gc(L, LUA_GCCOUNTB, 0);
}

/* ---- live tables, for the readonly-flag difference ---- */

typedef struct {
    const void **items;
    size_t count, cap;
    int64_t tables;
} visit_set;

/* Open addressing over pointers, in C memory: counting must not allocate in Lua. */
static int visit(visit_set *v, const void *p) {
    if (p == NULL) return 0;
    if ((v->count + 1) * 2 > v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        const void **items = calloc(cap, sizeof *items);
        if (items == NULL) return 0;
        for (size_t i = 0; i < v->cap; i++) {
            if (v->items[i] == NULL) continue;
            size_t h = ((uintptr_t)v->items[i] >> 4) & (cap - 1);
            while (items[h] != NULL) h = (h + 1) & (cap - 1);
            items[h] = v->items[i];
        }
        free(v->items);
        v->items = items;
        v->cap = cap;
    }
    size_t h = ((uintptr_t)p >> 4) & (v->cap - 1);
    while (v->items[h] != NULL) {
        if (v->items[h] == p) return 0;
        h = (h + 1) & (v->cap - 1);
    }
    v->items[h] = p;
    v->count++;
    return 1;
}

static void walk(lua_State *L, visit_set *v, int depth);

/* Walks the value on top of the stack and pops it. */
static void walk_top(lua_State *L, visit_set *v, int depth) {
    int t = lua_type(L, -1);
    if ((t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TUSERDATA) && depth < 200 && lua_checkstack(L, 4)
        && visit(v, lua_topointer(L, -1))) {
        walk(L, v, depth + 1);
    }
    lua_pop(L, 1);
}

static void walk(lua_State *L, visit_set *v, int depth) {
    int t = lua_type(L, -1);
    if (t == LUA_TTABLE) {
        v->tables++;
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            lua_pushvalue(L, -2);
            walk_top(L, v, depth);        /* the key */
            walk_top(L, v, depth);        /* the value */
        }
    } else if (t == LUA_TFUNCTION) {
        for (int i = 1; lua_getupvalue(L, -1, i) != NULL; i++) walk_top(L, v, depth);
        lua_getfenv(L, -1);
        walk_top(L, v, depth);
    } else if (t == LUA_TUSERDATA) {
        lua_getfenv(L, -1);
        walk_top(L, v, depth);
    }
    if (t == LUA_TTABLE || t == LUA_TUSERDATA) {
        if (lua_getmetatable(L, -1)) walk_top(L, v, depth);
    }
}

static int count_protected(lua_State *L) {
    visit_set *v = (visit_set *)lua_touserdata(L, 1);
    lua_pushvalue(L, LUA_REGISTRYINDEX);
    walk_top(L, v, 0);
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    walk_top(L, v, 0);
    lua_pushstring(L, "");
    if (lua_getmetatable(L, -1)) walk_top(L, v, 0);
    lua_pop(L, 1);
    return 0;
}

int64_t csim_lua51_count_tables(lua_State *L) {
    visit_set v = {NULL, 0, 0, 0};
    int st = lua_cpcall(L, count_protected, &v);
    if (st != 0) lua_pop(L, 1);
    free(v.items);
    return v.tables;
}
