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

/* The environment being built on this thread. The allow list is consulted
 * only while the environment is built (no script ever runs), so the server's
 * switches are read from here rather than from an upvalue: a closure would
 * make every VM larger than the server's by the upvalue's bytes. */
static _Thread_local const csim_server_env *building;

/* The globals a script may create: the allow list, plus what this server adds. */
static int allow_global(lua_State *L) {
    const csim_server_env *env = building;
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, NULL) : NULL;
    if (k == NULL) return 0;
    if (in_list(redis_allowed, k)
        || (env->insecure_api && in_list(insecure, k))
        || (env->os_library && strcmp(k, "os") == 0)
        || (env->server_table && in_list(valkey_extra, k)))
        lua_rawset(L, 1);
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

static void register_api(lua_State *L, const csim_server_env *env) {
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
    field_number(L, "REDIS_VERSION_NUM", env->redis_version_num);
    field_string(L, "REDIS_VERSION", env->redis_version);
    if (env->server_table) {
        field_number(L, "VALKEY_VERSION_NUM", env->valkey_version_num);
        field_string(L, "VALKEY_VERSION", env->valkey_version);
        field_string(L, "SERVER_NAME", "valkey");
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
    if (env->server_table) {
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

static int build_protected(lua_State *L) {
    const csim_server_env *env = (const csim_server_env *)lua_touserdata(L, 1);
    int valkey = env->family == CSIM_SERVER_VALKEY;
    set_globals_metatable(L, "__newindex", allow_global);
    if (valkey) {
        lua_pushlightuserdata(L, L);
        lua_setfield(L, LUA_REGISTRYINDEX, "__RUN_CTX__");
    }
    csim_lua51_load_libraries(L, env->os_library);
    if (valkey) {
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, "__RUN_CTX__");
    }
    register_api(L, env);
    if (valkey) {
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
    if (env->basic_type_protection) basic_types_pass(L);
    return 0;
}

void *csim_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
void *csim_lua_alloc_glibc(void *ud, void *ptr, size_t osize, size_t nsize);
void csim_size_classes_init(void);

lua_State *csim_lua51_open(csim_alloc_ctx *ctx, const csim_server_env *env) {
    if (csim_lua51_bind(NULL, 0) != 0) return NULL;
    csim_size_classes_init();
    lua_State *L = lua_newstate(ctx->kind == CSIM_ALLOC_GLIBC ? csim_lua_alloc_glibc : csim_lua_alloc, ctx);
    if (L == NULL) return NULL;
    building = env;
    int failed = lua_cpcall(L, build_protected, (void *)env) != 0;
    building = NULL;
    if (failed) {
        lua_close(L);
        return NULL;
    }
    return L;
}
