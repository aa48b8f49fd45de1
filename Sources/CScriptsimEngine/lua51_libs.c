/*
 * The libraries a server opens in its Lua VM, on Lua 5.1, in its order
 * (luaLoadLibraries): the standard ones from Debian's liblua5.1, and the ones
 * Redis and Valkey bundle (cjson, struct, cmsgpack, bit, and the sandboxed
 * os of 7.4+) rebuilt as the tables, closures, upvalues and userdata their
 * openers create, with the same names and strings (Redis deps/lua/src at
 * 7.0.15 and 7.4.1). Their functions are stubs: scripts are never run.
 */
#include "CScriptsimEngine.h"

#include <string.h>

#include <lua5.1/lua.h>
#include <lua5.1/lauxlib.h>
#include <lua5.1/lualib.h>

#include "lua51_api.h"

#define stub csim_lua51_stub

/* ---- libraries (luaLoadLib: the opener called with its name) ---- */

static void load_lib(lua_State *L, const char *name, lua_CFunction open) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

/* os as Redis 7.4+ and Valkey patch it: only clock. */
static int open_sandbox_os(lua_State *L) {
    static const luaL_Reg lib[] = {{"clock", stub}, {NULL, NULL}};
    luaL_register(L, LUA_OSLIBNAME, lib);
    return 1;
}

/* sizeof(json_config_t) in lua_cjson.c 2.1.0: ch2token[256] ints, escape2char[256],
 * a strbuf_t (40), nine ints. Its strbuf is malloc'd outside Lua. */
#define CJSON_CONFIG_BYTES 1360

static int open_cjson(lua_State *L) {
    static const char *const names[] = {"encode", "decode", "encode_sparse_array", "encode_max_depth",
        "decode_max_depth", "encode_number_precision", "encode_keep_buffer", "encode_invalid_numbers",
        "decode_invalid_numbers", "new", NULL};
    lua_newtable(L);
    void *config = lua_newuserdata(L, CJSON_CONFIG_BYTES);
    memset(config, 0, CJSON_CONFIG_BYTES);
    lua_newtable(L);
    lua_pushcfunction(L, stub);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    for (const char *const *n = names; *n; n++) {   /* luaL_setfuncs(l, reg, 1) */
        lua_pushvalue(L, -1);
        lua_pushcclosure(L, stub, 1);
        lua_setfield(L, -3, *n);
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    lua_pushstring(L, "cjson");
    lua_setfield(L, -2, "_NAME");
    lua_pushstring(L, "2.1.0");
    lua_setfield(L, -2, "_VERSION");
    lua_pushvalue(L, -1);                             /* ENABLE_CJSON_GLOBAL */
    lua_setfield(L, LUA_GLOBALSINDEX, "cjson");
    return 1;
}

static int open_struct(lua_State *L) {
    static const luaL_Reg lib[] = {{"pack", stub}, {"unpack", stub}, {"size", stub}, {NULL, NULL}};
    luaL_register(L, "struct", lib);
    return 1;
}

static int open_cmsgpack(lua_State *L) {
    static const char *const names[] = {"pack", "unpack", "unpack_one", "unpack_limit", NULL};
    lua_newtable(L);
    for (const char *const *n = names; *n; n++) {
        lua_pushcfunction(L, stub);
        lua_setfield(L, -2, *n);
    }
    lua_pushstring(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushstring(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    lua_pushstring(L, "Copyright (C) 2012, Salvatore Sanfilippo");
    lua_setfield(L, -2, "_COPYRIGHT");
    lua_pushstring(L, "MessagePack C implementation for Lua");
    lua_setfield(L, -2, "_DESCRIPTION");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_GLOBALSINDEX, "cmsgpack");
    return 1;
}

static int open_bit(lua_State *L) {
    static const luaL_Reg lib[] = {{"tobit", stub}, {"bnot", stub}, {"band", stub}, {"bor", stub}, {"bxor", stub},
        {"lshift", stub}, {"rshift", stub}, {"arshift", stub}, {"rol", stub}, {"ror", stub}, {"bswap", stub},
        {"tohex", stub}, {NULL, NULL}};
    lua_pushnumber(L, 1437217655.0);                  /* the self-test value, left on the stack */
    luaL_register(L, "bit", lib);
    return 1;
}

void csim_lua51_load_libraries(lua_State *L, int with_os) {
    load_lib(L, "", luaopen_base);
    load_lib(L, LUA_TABLIBNAME, luaopen_table);
    load_lib(L, LUA_STRLIBNAME, luaopen_string);
    load_lib(L, LUA_MATHLIBNAME, luaopen_math);
    load_lib(L, LUA_DBLIBNAME, luaopen_debug);
    if (with_os) load_lib(L, LUA_OSLIBNAME, open_sandbox_os);
    load_lib(L, "cjson", open_cjson);
    load_lib(L, "struct", open_struct);
    load_lib(L, "cmsgpack", open_cmsgpack);
    load_lib(L, "bit", open_bit);
}
