/*
 * Test image: asks the task server who it is through seed 001's
 * task-object calls (getcmdline, tid_to_handle, state) and prints the
 * answers, so test_task_objects can compare them with what it started.
 */
#include <l4/thread.h>
#include <l4rt/l4rt.h>
#include <l4srv/task.h>

int main(int argc, char **argv)
{
    (void) argc;
    (void) argv;
    char cmdline[TASK_CMDLINE_MAX + 1];
    L4_Word_t handle = 0, state = 0;
    int err = task_obj_getcmdline(task_server(), cmdline, sizeof(cmdline));
    if (err) {
        printf("whoami: getcmdline failed: %d\n", err);
        return 1;
    }
    printf("whoami: cmdline \"%s\"\n", cmdline);
    /* Any thread of the task names it; the main thread is the one asking. */
    if ((err = task_obj_tid_to_handle(task_server(), L4_Myself(), &handle)) ||
        (err = task_obj_state(task_server(), handle, &state))) {
        printf("whoami: task-object call failed: %d\n", err);
        return 2;
    }
    printf("whoami: handle %lx state %lu\n", handle, state);
    /* A buffer too small for the command line is refused, not overrun. */
    char tiny[2];
    err = task_obj_getcmdline(task_server(), tiny, sizeof(tiny));
    printf("whoami: tiny buffer %s\n", err ? "refused" : "accepted");
    return 0;
}
