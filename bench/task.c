/*
 * Task-server entries for l4sim-bench: a whole task's life (New of the
 * hello image, its run, its exit and the reclaiming of its memory), and as
 * the baseline in the same run, posix_spawn and waitpid of a static host
 * program that prints the same lines.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <l4srv/system.h>
#include <l4srv/task.h>

#include "bench.h"

extern char **environ;

struct task_run {
    const struct bench_params *p;
    struct bench_samples *s;
};

/* Where the images and the host program are: the build tree, or the environment. */
static const char *images_dir(void)
{
    const char *dir = getenv("L4SIM_IMAGES");
    return dir ? dir : L4SIM_IMAGES_DIR;
}

static int task_op(void *ctx)
{
    (void) ctx;
    L4_ThreadId_t task;
    L4_Word_t state = 0, status = 1;
    if (task_new("/modules/hello", "hello", 0, &task, NULL) || task_wait(task, &state, &status))
        return -1;
    return state == TASK_EXITED && status == 0 ? 0 : -1;
}

static int task_app(void *arg)
{
    struct task_run *r = arg;
    if (bench_pin_self(r->p->cpu[0]))
        return -1;
    return bench_time_ops(r->p, r->s, task_op, r);
}

static int task_new_kill(const struct bench_params *p, struct bench_samples *s)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 0;
    struct l4srv_options opt = {.modules_dir = images_dir()};
    struct task_run r = {.p = p, .s = s};
    int rc = l4srv_run(&cfg, &opt, task_app, &r);
    if (rc != 0)
        fprintf(stderr, "l4sim-bench: task_new_kill: the run returned %d\n", rc);
    return rc == 0 ? 0 : -1;
}

struct spawn_ctx {
    char path[4096];
    posix_spawn_file_actions_t actions;
};

static int spawn_op(void *ctx)
{
    struct spawn_ctx *c = ctx;
    char *argv[] = {"hello", NULL};
    pid_t pid;
    int status;
    if (posix_spawn(&pid, c->path, &c->actions, NULL, argv, environ) != 0 ||
        waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int posix_spawn_hello(const struct bench_params *p, struct bench_samples *s)
{
    struct spawn_ctx c;
    snprintf(c.path, sizeof(c.path), "%s/host-hello", images_dir());
    if (access(c.path, X_OK) != 0) {
        fprintf(stderr, "l4sim-bench: posix_spawn_hello: no %s\n", c.path);
        return -1;
    }
    posix_spawn_file_actions_init(&c.actions);
    posix_spawn_file_actions_addopen(&c.actions, 1, "/dev/null", O_WRONLY, 0);
    int rc = bench_pin_self(p->cpu[0]) ? -1 : bench_time_ops(p, s, spawn_op, &c);
    posix_spawn_file_actions_destroy(&c.actions);
    return rc;
}

static const struct bench_entry entries[] = {
    {"posix_spawn_hello", "baseline: posix_spawn and waitpid of a static host hello",
     posix_spawn_hello, NULL},
    {"task_new_kill", "task_new of the hello image, its run and exit, memory reclaimed (task_wait)",
     task_new_kill, NULL},
};

const struct bench_family bench_task = {entries, sizeof(entries) / sizeof(entries[0])};
