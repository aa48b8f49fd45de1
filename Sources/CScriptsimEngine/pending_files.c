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

/* Every signal whose default action ends the process without a core dump,
 * and SIGQUIT (the Swift runtime's backtracer takes it for a crash and then
 * lets the command go on): each would leave unfinished files behind. */
static const struct { int sig; const char *name; } terminating[] = {
    {SIGINT, "SIGINT"}, {SIGTERM, "SIGTERM"}, {SIGHUP, "SIGHUP"}, {SIGQUIT, "SIGQUIT"},
    {SIGALRM, "SIGALRM"}, {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"},
    {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"},
};
#define CSIM_TERMINATING (sizeof terminating / sizeof terminating[0])

/* Set once every output is written and flushed: what is left is the report
 * on standard output and a few renames, and an interruption there would leave
 * some outputs replaced and others not. A signal then lets the command finish. */
static int finishing;

void csim_pending_finishing(void) { __atomic_store_n(&finishing, 1, __ATOMIC_RELEASE); }

static void on_signal(int sig) {
    if (__atomic_load_n(&finishing, __ATOMIC_ACQUIRE)) return;
    for (int i = 0; i < CSIM_PENDING_MAX; i++) {
        char *p = __atomic_load_n(&pending[i], __ATOMIC_ACQUIRE);
        if (p) unlink(p);
    }
    say("scriptsim: ");
    say(interrupted_message);
    const char *name = "a signal";
    for (size_t i = 0; i < CSIM_TERMINATING; i++) if (terminating[i].sig == sig) name = terminating[i].name;
    say(" (");
    say(name);
    say(")\n");
    _exit(128 + sig);
}

void csim_pending_install(const char *message) {
    interrupted_message = strdup(message);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    /* A parent may have started us with these blocked (test runners do):
     * a command that writes files must still stop on them. */
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < CSIM_TERMINATING; i++) {
        sigaction(terminating[i].sig, &sa, NULL);
        sigaddset(&set, terminating[i].sig);
    }
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    /* Past `ulimit -f` a write fails with EFBIG (exit 74, files removed)
     * instead of the process dying of SIGXFSZ with its files left behind. */
    signal(SIGXFSZ, SIG_IGN);
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
