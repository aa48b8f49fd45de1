/*
 * The Lua environment a server builds before its first script, on Lua 5.1,
 * in the server's order, with real Lua API calls, so that Lua's own count of
 * a simulated VM has the server's shape (read from Redis 7.0.15 / 7.4.0
 * src/eval.c scriptingInit and src/script_lua.c, Valkey 9's
 * src/modules/lua/engine_lua.c and script_lua.c; measured on Debian's Redis
 * 7.0.15 and Valkey 9.1.2, docs/fidelity.md).
 *
 * Every function a script could call is one stub that raises if called;
 * nothing is ever run. The libraries are opened in lua51_libs.c.
 */
#include "CScriptsimEngine.h"

#include <string.h>

#include <lua5.1/lua.h>
#include <lua5.1/lauxlib.h>
#include <lua5.1/lualib.h>

#include "lua51_api.h"

int csim_lua51_stub(lua_State *L) {
    lua_pushstring(L, "scriptsim compiles scripts, it never runs them");
    return lua_error(L);
}

#define stub csim_lua51_stub

/* ---- the globals allow list (luaSetAllowListProtection / luaNewIndexAllowList) ---- */

static const char *const redis_allowed[] = {
    "string", "cjson", "bit", "cmsgpack", "math", "table", "struct",          /* libraries */
    "redis", "__redis__err__handler",                                          /* API */
    "xpcall", "tostring", "setmetatable", "next", "assert", "tonumber", "rawequal", "collectgarbage",
    "getmetatable", "rawset", "pcall", "coroutine", "type", "_G", "select", "unpack", "gcinfo", "pairs",
    "rawget", "loadstring", "ipairs", "_VERSION", "load", "error",
    "debug", NULL                                                              /* removed after init */
};
/* Upstream 7.0 and 7.4 also allow these; Debian's 7.0.15 (CVE-2025-46818
 * backport) and Valkey 9 (lua-enable-insecure-api no) drop them. */
static const char *const insecure[] = {"getfenv", "setfenv", "newproxy", NULL};
static const char *const valkey_extra[] = {"os", "server", "__server__err__handler", NULL};

static int in_list(const char *const *list, const char *name) {
    for (; *list; list++) if (strcmp(*list, name) == 0) return 1;
    return 0;
}

static int allow_redis70(lua_State *L) {
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, NULL) : NULL;
    if (k && in_list(redis_allowed, k)) lua_rawset(L, 1);
    return 0;
}

static int allow_redis74(lua_State *L) {
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, NULL) : NULL;
    if (k && (in_list(redis_allowed, k) || in_list(insecure, k) || strcmp(k, "os") == 0)) lua_rawset(L, 1);
    return 0;
}

static int allow_valkey(lua_State *L) {
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, NULL) : NULL;
    if (k && (in_list(redis_allowed, k) || in_list(valkey_extra, k))) lua_rawset(L, 1);
    return 0;
}

static void set_globals_metatable(lua_State *L, const char *field, lua_CFunction f) {
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_newtable(L);
    lua_pushcfunction(L, f);
    lua_setfield(L, -2, field);
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
}

/* ---- the redis (and Valkey server) table ---- */

static void field_function(lua_State *L, const char *name) {
    lua_pushstring(L, name);
    lua_pushcfunction(L, stub);
    lua_settable(L, -3);
}

static void field_number(lua_State *L, const char *name, double v) {
    lua_pushstring(L, name);
    lua_pushnumber(L, v);
    lua_settable(L, -3);
}

static void field_string(lua_State *L, const char *name, const char *v) {
    lua_pushstring(L, name);
    lua_pushstring(L, v);
    lua_settable(L, -3);
}

static void register_api(lua_State *L, int server) {
    lua_pushcfunction(L, stub);                       /* redis's own pcall */
    lua_setfield(L, LUA_GLOBALSINDEX, "pcall");
    lua_newtable(L);
    field_function(L, "call");
    field_function(L, "pcall");
    field_function(L, "log");
    field_number(L, "LOG_DEBUG", 0);
    field_number(L, "LOG_VERBOSE", 1);
    field_number(L, "LOG_NOTICE", 2);
    field_number(L, "LOG_WARNING", 3);
    if (server == CSIM_SERVER_VALKEY) {
        field_number(L, "REDIS_VERSION_NUM", 0x070204);
        field_string(L, "REDIS_VERSION", "7.2.4");
        field_number(L, "VALKEY_VERSION_NUM", 0x090102);
        field_string(L, "VALKEY_VERSION", "9.1.2");
        field_string(L, "SERVER_NAME", "valkey");
    } else if (server == CSIM_SERVER_REDIS74) {
        field_number(L, "REDIS_VERSION_NUM", 0x070401);
        field_string(L, "REDIS_VERSION", "7.4.1");
    } else {
        field_number(L, "REDIS_VERSION_NUM", 0x07000f);
        field_string(L, "REDIS_VERSION", "7.0.15");
    }
    field_function(L, "setresp");
    field_function(L, "sha1hex");
    field_function(L, "error_reply");
    field_function(L, "status_reply");
    field_function(L, "set_repl");
    field_number(L, "REPL_NONE", 0);
    field_number(L, "REPL_AOF", 1);
    field_number(L, "REPL_SLAVE", 2);
    field_number(L, "REPL_REPLICA", 2);
    field_number(L, "REPL_ALL", 3);
    field_function(L, "acl_check_cmd");
    if (server == CSIM_SERVER_VALKEY) {
        lua_setfield(L, LUA_GLOBALSINDEX, "server");
        lua_getfield(L, LUA_GLOBALSINDEX, "server");
        lua_setfield(L, LUA_GLOBALSINDEX, "redis");
    } else {
        lua_setfield(L, LUA_GLOBALSINDEX, "redis");
    }
    lua_getfield(L, LUA_GLOBALSINDEX, "math");      /* redis_math_random / randomseed */
    field_function(L, "random");
    field_function(L, "randomseed");
    lua_setfield(L, LUA_GLOBALSINDEX, "math");
}

/* scriptingInit / initializeEvalLuaState: the debugger's functions. */
static void add_debug_functions(lua_State *L, const char *table) {
    lua_getfield(L, LUA_GLOBALSINDEX, table);
    field_function(L, "breakpoint");
    field_function(L, "debug");
    field_function(L, "replicate_commands");
    lua_setfield(L, LUA_GLOBALSINDEX, table);
}

/* ---- the error handler, compiled from the servers' own text ---- */

#define ERRH_BODY \
    "  local i = dbg.getinfo(2,'nSl')\n" \
    "  if i and i.what == 'C' then\n" \
    "    i = dbg.getinfo(3,'nSl')\n" \
    "  end\n" \
    "  if type(err) ~= 'table' then\n" \
    "    err = {err='ERR ' .. tostring(err)}" \
    "  end" \
    "  if i then\n" \
    "    err['source'] = i.source\n" \
    "    err['line'] = i.currentline\n" \
    "  end" \
    "  return err\n" \
    "end\n"

static const char redis_errh[] = "local dbg = debug\ndebug = nil\nfunction __redis__err__handler(err)\n" ERRH_BODY;
static const char valkey_errh[] = "local dbg = debug\ndebug = nil\nlocal error_handler = function (err)\n" ERRH_BODY
                                  "return error_handler";

/* ---- globals locked (luaSetErrorMetatable, luaSetTableProtectionRecursively) ----
 *
 * The recursive protection walk only sets the readonly flag of Redis's Lua in
 * each table; it allocates nothing, so it is not rebuilt here (the flag's 8
 * bytes per table are added to the retained count instead: lua51.c). */

/* luaSetTableProtectionForBasicTypes (Debian's 7.0.15 and Valkey 9): garbage only. */
static void basic_types_pass(lua_State *L) {
    lua_pushstring(L, ""); lua_pop(L, 1);
    lua_pushnumber(L, 0); lua_pop(L, 1);
    lua_pushboolean(L, 0); lua_pop(L, 1);
    lua_pushnil(L); lua_pop(L, 1);
    lua_pushcfunction(L, stub); lua_pop(L, 1);
    lua_newthread(L); lua_pop(L, 1);
    lua_pushlightuserdata(L, L); lua_pop(L, 1);
}

typedef struct { int server; } build_args;

static int build_protected(lua_State *L) {
    int server = ((build_args *)lua_touserdata(L, 1))->server;
    lua_CFunction allow = server == CSIM_SERVER_VALKEY ? allow_valkey : server == CSIM_SERVER_REDIS74 ? allow_redis74 : allow_redis70;
    set_globals_metatable(L, "__newindex", allow);
    if (server == CSIM_SERVER_VALKEY) {
        lua_pushlightuserdata(L, L);
        lua_setfield(L, LUA_REGISTRYINDEX, "__RUN_CTX__");
    }
    csim_lua51_load_libraries(L, server != CSIM_SERVER_REDIS70);
    if (server == CSIM_SERVER_VALKEY) {
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, "__RUN_CTX__");
    }
    register_api(L, server);
    if (server == CSIM_SERVER_VALKEY) {
        lua_pushstring(L, "__ERROR_HANDLER__");
        if (luaL_loadbuffer(L, valkey_errh, strlen(valkey_errh), "@err_handler_def") != 0) return lua_error(L);
        lua_call(L, 0, 1);
        lua_settable(L, LUA_REGISTRYINDEX);
        add_debug_functions(L, "server");
        lua_getfield(L, LUA_REGISTRYINDEX, "__ERROR_HANDLER__");
        lua_setfield(L, LUA_GLOBALSINDEX, "__server__err__handler");
        lua_getfield(L, LUA_GLOBALSINDEX, "__server__err__handler");
        lua_setfield(L, LUA_GLOBALSINDEX, "__redis__err__handler");
    } else {
        add_debug_functions(L, "redis");
        if (luaL_loadbuffer(L, redis_errh, strlen(redis_errh), "@err_handler_def") != 0) return lua_error(L);
        lua_call(L, 0, 0);
    }
    set_globals_metatable(L, "__index", stub);      /* luaSetErrorMetatable */
    if (server != CSIM_SERVER_REDIS74) basic_types_pass(L);
    return 0;
}

void *csim_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
void *csim_lua_alloc_glibc(void *ud, void *ptr, size_t osize, size_t nsize);
void csim_size_classes_init(void);

lua_State *csim_lua51_open(csim_alloc_ctx *ctx, int server) {
    if (csim_lua51_bind(NULL, 0) != 0) return NULL;
    csim_size_classes_init();
    lua_State *L = lua_newstate(ctx->kind == CSIM_ALLOC_GLIBC ? csim_lua_alloc_glibc : csim_lua_alloc, ctx);
    if (L == NULL) return NULL;
    build_args a = {server};
    if (lua_cpcall(L, build_protected, &a) != 0) {
        lua_close(L);
        return NULL;
    }
    return L;
}
