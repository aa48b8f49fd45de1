/* The table of unfinished output files and the signal handler that removes
 * them (CScriptsimEngine.h, "Unfinished output files"). */
#include "CScriptsimEngine.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CSIM_PENDING_MAX 64

/* Slots are read and written with atomic loads and stores, so a handler on
 * any thread sees NULL or a whole path. A removed path is never freed: a
 * handler on another thread may be reading it (a command has a few files). */
static char *pending[CSIM_PENDING_MAX];
static const char *interrupted_message = "interrupted";

static void say(const char *s) { ssize_t ignored = write(2, s, strlen(s)); (void)ignored; }

static void on_signal(int sig) {
    for (int i = 0; i < CSIM_PENDING_MAX; i++) {
        char *p = __atomic_load_n(&pending[i], __ATOMIC_ACQUIRE);
        if (p) unlink(p);
    }
    say("scriptsim: ");
    say(interrupted_message);
    say(sig == SIGINT ? " (SIGINT)\n" : sig == SIGTERM ? " (SIGTERM)\n" : " (SIGHUP)\n");
    _exit(128 + sig);
}

void csim_pending_install(const char *message) {
    interrupted_message = strdup(message);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* A parent may have started us with these blocked (test runners do):
     * a command that writes files must still stop on them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int csim_pending_add(const char *path) {
    char *copy = strdup(path);
    if (!copy) return -1;
    for (int i = 0; i < CSIM_PENDING_MAX; i++) {
        char *expected = NULL;
        if (__atomic_compare_exchange_n(&pending[i], &expected, copy, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return 0;
    }
    free(copy);
    return -1;
}

void csim_pending_remove(const char *path) {
    for (int i = 0; i < CSIM_PENDING_MAX; i++) {
        char *p = __atomic_load_n(&pending[i], __ATOMIC_ACQUIRE);
        if (p && strcmp(p, path) == 0) {
            char *expected = p;
            __atomic_compare_exchange_n(&pending[i], &expected, NULL, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
            return;
        }
    }
}
