/*
 * The Lua 5.1 C API as function pointers bound by version (lua51.c), and the
 * macros that send every call in the 5.1 files through them. Include after
 * <lua5.1/lua.h>, <lauxlib.h> and <lualib.h>, in 5.1 files only.
 */
#ifndef CSIM_LUA51_API_H
#define CSIM_LUA51_API_H

#define CSIM_LUA51_FUNCTIONS(X) \
    X(newstate, lua_newstate) X(close, lua_close) X(settop, lua_settop) X(gettop, lua_gettop) \
    X(pushvalue, lua_pushvalue) X(remove, lua_remove) X(insert, lua_insert) X(replace, lua_replace) \
    X(type, lua_type) X(tolstring, lua_tolstring) X(touserdata, lua_touserdata) X(toboolean, lua_toboolean) \
    X(pushnil, lua_pushnil) X(pushnumber, lua_pushnumber) X(pushinteger, lua_pushinteger) \
    X(pushlstring, lua_pushlstring) X(pushstring, lua_pushstring) X(pushcclosure, lua_pushcclosure) \
    X(pushboolean, lua_pushboolean) X(pushlightuserdata, lua_pushlightuserdata) \
    X(gettable, lua_gettable) X(getfield, lua_getfield) X(rawget, lua_rawget) X(rawgeti, lua_rawgeti) \
    X(createtable, lua_createtable) X(newuserdata, lua_newuserdata) X(getmetatable, lua_getmetatable) \
    X(settable, lua_settable) X(setfield, lua_setfield) X(rawset, lua_rawset) X(rawseti, lua_rawseti) \
    X(setmetatable, lua_setmetatable) X(call, lua_call) X(pcall, lua_pcall) X(cpcall, lua_cpcall) \
    X(load, lua_load) X(error, lua_error) X(gc, lua_gc) X(next, lua_next) \
    X(L_loadbuffer, luaL_loadbuffer) X(L_register, luaL_register) X(L_newmetatable, luaL_newmetatable) \
    X(open_base, luaopen_base) X(open_table, luaopen_table) X(open_string, luaopen_string) \
    X(open_math, luaopen_math) X(open_debug, luaopen_debug) X(open_os, luaopen_os) \
    X(newthread, lua_newthread) X(checkstack, lua_checkstack) X(topointer, lua_topointer) \
    X(getupvalue, lua_getupvalue) X(getfenv, lua_getfenv) X(L_ref, luaL_ref) X(L_unref, luaL_unref)

#define CSIM_LUA51_FIELD(field, name) __typeof__(&name) field;
struct csim_lua51_api { CSIM_LUA51_FUNCTIONS(CSIM_LUA51_FIELD) };
#undef CSIM_LUA51_FIELD

extern struct csim_lua51_api L51;

/* Shared by the 5.1 files: the one C function every library entry points to
 * (raises if called), and the libraries in the server's order. */
int csim_lua51_stub(lua_State *L);
void csim_lua51_load_libraries(lua_State *L, int with_os);

#define lua_newstate (L51.newstate)
#define lua_close (L51.close)
#define lua_settop (L51.settop)
#define lua_gettop (L51.gettop)
#define lua_pushvalue (L51.pushvalue)
#define lua_remove (L51.remove)
#define lua_insert (L51.insert)
#define lua_replace (L51.replace)
#define lua_type (L51.type)
#define lua_tolstring (L51.tolstring)
#define lua_touserdata (L51.touserdata)
#define lua_toboolean (L51.toboolean)
#define lua_pushnil (L51.pushnil)
#define lua_pushnumber (L51.pushnumber)
#define lua_pushinteger (L51.pushinteger)
#define lua_pushlstring (L51.pushlstring)
#define lua_pushstring (L51.pushstring)
#define lua_pushcclosure (L51.pushcclosure)
#define lua_pushboolean (L51.pushboolean)
#define lua_pushlightuserdata (L51.pushlightuserdata)
#define lua_gettable (L51.gettable)
#define lua_getfield (L51.getfield)
#define lua_rawget (L51.rawget)
#define lua_rawgeti (L51.rawgeti)
#define lua_createtable (L51.createtable)
#define lua_newuserdata (L51.newuserdata)
#define lua_getmetatable (L51.getmetatable)
#define lua_settable (L51.settable)
#define lua_setfield (L51.setfield)
#define lua_rawset (L51.rawset)
#define lua_rawseti (L51.rawseti)
#define lua_setmetatable (L51.setmetatable)
#define lua_call (L51.call)
#define lua_pcall (L51.pcall)
#define lua_cpcall (L51.cpcall)
#define lua_load (L51.load)
#define lua_error (L51.error)
#define lua_gc (L51.gc)
#define lua_next (L51.next)
#define luaL_loadbuffer (L51.L_loadbuffer)
#define luaL_register (L51.L_register)
#define luaL_newmetatable (L51.L_newmetatable)
#define luaopen_base (L51.open_base)
#define luaopen_table (L51.open_table)
#define luaopen_string (L51.open_string)
#define luaopen_math (L51.open_math)
#define luaopen_debug (L51.open_debug)
#define luaopen_os (L51.open_os)
#define lua_newthread (L51.newthread)
#define lua_checkstack (L51.checkstack)
#define lua_topointer (L51.topointer)
#define lua_getupvalue (L51.getupvalue)
#define lua_getfenv (L51.getfenv)
#define luaL_ref (L51.L_ref)
#define luaL_unref (L51.L_unref)

#endif
