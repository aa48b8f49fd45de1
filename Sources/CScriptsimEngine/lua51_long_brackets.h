/*
 * The CVE-2025-46819 lexer on a stock Lua 5.1 (lua51_long_brackets.c).
 */
#ifndef CSIM_LUA51_LONG_BRACKETS_H
#define CSIM_LUA51_LONG_BRACKETS_H

#include <stddef.h>

/* `b` with every level-0 long string or comment that holds a `[[` re-delimited
 * at a level its text cannot close, so stock 5.1 reads it as the patched lexer
 * does (text, lines and compiled function unchanged). A malloc'd copy with its
 * length in *out_len, or NULL when nothing needed rewriting (or no memory);
 * *first_k: the lowest level used (0: none). */
char *csim_unnest_long_brackets(const char *b, size_t n, size_t *out_len, size_t *first_k);

/* A compile message quoting a re-delimited token gets its `[[`/`]]` back. */
void csim_unnest_fix_message(char *msg, size_t first_k);

#endif
