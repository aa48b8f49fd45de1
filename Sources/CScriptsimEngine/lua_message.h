/*
 * Copies the error message on top of a Lua stack into a C buffer. The same
 * text serves both engines: included after <lua5.4/lua.h> in shim.c and after
 * <lua5.1/lua.h> plus lua51_api.h in lua51.c, it compiles against each one's API.
 */
#ifndef CSIM_LUA_MESSAGE_H
#define CSIM_LUA_MESSAGE_H

#include <string.h>

static void copy_message(lua_State *L, char *msg, size_t cap) {
    if (msg == NULL || cap == 0) return;
    size_t len = 0;
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    if (s == NULL) { s = "(error object is not a string)"; len = strlen(s); }
    if (len >= cap) len = cap - 1;
    memcpy(msg, s, len);
    msg[len] = '\0';
}

#endif
