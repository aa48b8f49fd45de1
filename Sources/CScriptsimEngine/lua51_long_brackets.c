/*
 * Long brackets as the servers' patched lexer reads them (CVE-2025-46819),
 * on a stock liblua5.1 whose lexer is not patched: the body is rewritten, not
 * the lexer. Pure C on bytes, no Lua API (lua51_long_brackets.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lua51_long_brackets.h"

/*
 * Long brackets under the CVE-2025-46819 lexer (Debian's 7.0.15, Redis
 * 7.4.6/8.0.4/8.2.2, Valkey 7.2.11/8.0.6/8.1.4/9.x): its skip_sep returns
 * the level + 2, so read_long_string's LUA_COMPAT_LSTR 1 test `sep == 0`
 * never holds and a `[[` inside a level-0 long string or comment is text.
 * Debian's liblua5.1 raises "nesting of [[...]] is deprecated" there, as
 * Redis 7.4.1 and 8.0.2 do. Such a bracket is re-delimited at a level its
 * text cannot close (longest '=' run + 1): the text, the line numbers and so
 * the compiled function are unchanged, and stock 5.1 reads it as the patched
 * lexer does. Checked against Debian's 7.0.15 and Valkey 9.1.2 on 16,000
 * random bracket bodies: same verdict and message (docs/fidelity.md).
 */

static int is_alpha_(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* skip_sep at b[i] ('[' or ']'): the number of '=' if the same bracket follows them, else -1; *next: index after the '='s. */
static long sep_at(const char *b, size_t n, size_t i, size_t *next) {
    size_t j = i + 1;
    while (j < n && b[j] == '=') j++;
    *next = j;
    return (j < n && b[j] == b[i]) ? (long)(j - i - 1) : -1;
}

/* A level-0 text from `from`: index of its closing `]]` (n if none), whether a `[[` occurs in it, longest '=' run. */
static size_t scan_level0(const char *b, size_t n, size_t from, int *nested, size_t *eqrun) {
    size_t run = 0;
    *nested = 0;
    *eqrun = 0;
    for (size_t p = from; p < n; p++) {
        if (b[p] == '=') {
            if (++run > *eqrun) *eqrun = run;
            continue;
        }
        run = 0;
        if (b[p] == ']' && p + 1 < n && b[p + 1] == ']') return p;
        if (b[p] == '[' && p + 1 < n && b[p + 1] == '[') *nested = 1;
    }
    return n;
}

typedef struct { char *p; size_t len, cap; } obuf;

static int put(obuf *o, const char *s, size_t len, char fill) {
    if (o->len + len + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + len + 1) cap *= 2;
        char *p = realloc(o->p, cap);
        if (p == NULL) return -1;
        o->p = p;
        o->cap = cap;
    }
    if (s) memcpy(o->p + o->len, s, len); else memset(o->p + o->len, fill, len);
    o->len += len;
    return 0;
}

char *csim_unnest_long_brackets(const char *b, size_t n, size_t *out_len, size_t *first_k) {
    obuf o = {NULL, 0, 0};
    *first_k = 0;
    size_t i = 0, copied = 0;
    while (i < n) {
        unsigned char c = (unsigned char)b[i];
        if (is_alpha_(c)) {                                   /* a name: no digit in it starts a numeral */
            while (i < n && (is_alpha_((unsigned char)b[i]) || is_digit((unsigned char)b[i]))) i++;
            continue;
        }
        if (is_digit(c) || (c == '.' && i + 1 < n && is_digit((unsigned char)b[i + 1]))) {  /* read_numeral */
            while (i < n && (is_digit((unsigned char)b[i]) || b[i] == '.')) i++;
            if (i < n && (b[i] == 'e' || b[i] == 'E' || b[i] == 0)) {
                i++;
                if (i < n && (b[i] == '+' || b[i] == '-' || b[i] == 0)) i++;
            }
            while (i < n && (is_alpha_((unsigned char)b[i]) || is_digit((unsigned char)b[i]))) i++;
            continue;
        }
        if (c == '"' || c == '\'') {                          /* read_string */
            size_t p = i + 1;
            while (p < n && b[p] != (char)c && b[p] != '\n' && b[p] != '\r') {
                if (b[p] == '\\' && p + 1 < n) {
                    p++;
                    if ((b[p] == '\n' || b[p] == '\r') && p + 1 < n && (b[p + 1] == '\n' || b[p + 1] == '\r') && b[p + 1] != b[p]) p++;
                }
                p++;
            }
            if (p >= n || b[p] != (char)c) break;             /* the lexer stops here */
            i = p + 1;
            continue;
        }
        int comment = 0;
        if (c == '-' && i + 1 < n && b[i + 1] == '-') {
            i += 2;
            comment = 1;
            if (i >= n || b[i] != '[') {
                while (i < n && b[i] != '\n' && b[i] != '\r') i++;
                continue;
            }
        } else if (c != '[') {
            i++;
            continue;
        }
        size_t open = i, next;
        long level = sep_at(b, n, open, &next);
        if (level < 0) {
            if (comment) while (i < n && b[i] != '\n' && b[i] != '\r') i++;   /* a short comment */
            else if (next > open + 1) break;                  /* `[=` without `[`: the lexer stops here */
            else i = next;                                    /* a plain `[` */
            continue;
        }
        if (level > 0) {                                      /* nesting at level > 0 never raises */
            size_t p = next + 1, q;
            for (i = n; p < n; p++)
                if (b[p] == ']' && sep_at(b, n, p, &q) == level) { i = q + 1; break; }
            continue;
        }
        int nested;
        size_t eqrun, close = scan_level0(b, n, next + 1, &nested, &eqrun);
        if (nested) {
            size_t k = eqrun + 1, textend = close < n ? close : n;
            if (*first_k == 0 || k < *first_k) *first_k = k;
            if (put(&o, b + copied, open - copied, 0) || put(&o, "[", 1, 0) || put(&o, NULL, k, '=') || put(&o, "[", 1, 0)
                || put(&o, b + next + 1, textend - (next + 1), 0)) { free(o.p); return NULL; }
            if (close < n && (put(&o, "]", 1, 0) || put(&o, NULL, k, '=') || put(&o, "]", 1, 0))) { free(o.p); return NULL; }
            copied = close < n ? close + 2 : n;
        }
        i = close < n ? close + 2 : n;
    }
    if (o.p == NULL) return NULL;
    if (put(&o, b + copied, n - copied, 0)) { free(o.p); return NULL; }
    *out_len = o.len;
    return o.p;
}

/* A lexer or parser message ending in "near '<token>'" names the token as the
 * lexer read it: give a re-delimited string back its `[[`/`]]`. Only levels
 * >= first_k can be ours; the token must also be one the rewrite produced:
 * it then holds a `[[` and no '=' run of k. */
void csim_unnest_fix_message(char *msg, size_t first_k) {
    if (first_k == 0) return;
    char *near = strstr(msg, " near '[=");
    if (near == NULL) return;
    for (char *again; (again = strstr(near + 1, " near '[=")) != NULL;) near = again;
    char *tok = near + 7;
    size_t len = strlen(tok), k = 0;
    while (tok[1 + k] == '=') k++;
    if (k < first_k || tok[1 + k] != '[' || len < 2 * (k + 2) + 1 || tok[len - 1] != '\'') return;
    char *tail = tok + len - 1 - (k + 2);
    if (tail[0] != ']' || tail[k + 1] != ']') return;
    for (size_t j = 1; j <= k; j++) if (tail[j] != '=') return;
    /* "[" "="*k "[" text "]" "="*k "]" "'"  ->  "[[" text "]]" "'" */
    size_t textlen = (size_t)(tail - (tok + k + 2));
    tok[1] = '[';
    memmove(tok + 2, tok + k + 2, textlen);
    memcpy(tok + 2 + textlen, "]]'", 4);
}
