/*
 * Test image: after l4rt_fork, parent and child each write their own value
 * into a global and into a heap block from before the fork, and print what
 * they see. The parent waits for the child and exits 0 only if isolation
 * held on both sides: 1 the fork failed, 2 the child saw or made a mess,
 * 3 the parent saw the child's writes, 4 the wait failed.
 */
#include <l4rt/l4rt.h>
#include <l4srv/task.h>

static volatile int shared = 1;
static char *note; /* a heap block: the child must follow it as an offset */

static int child(L4_Word_t note_offset)
{
    char *mine = (char *) (l4rt_image_base() + note_offset);
    int before = shared;
    shared = 2;
    int note_before_ok = strcmp(mine, "parent") == 0;
    strcpy(mine, "child");
    char *fresh = malloc(64); /* the heap works in the child too */
    if (fresh)
        snprintf(fresh, 64, "child heap");
    printf("fork: child sees %d before its write, %d after; note was %s\n", before, shared,
           note_before_ok ? "the parent's" : "wrong");
    int ok = before == 1 && shared == 2 && note_before_ok && fresh && !strcmp(fresh, "child heap");
    free(fresh);
    return ok ? 0 : 1;
}

int main(void)
{
    note = malloc(16);
    if (!note)
        return 1;
    strcpy(note, "parent");
    L4_ThreadId_t c;
    int err = l4rt_fork(child, (L4_Word_t) note - l4rt_image_base(), &c);
    if (err) {
        printf("fork: l4rt_fork failed: %d\n", err);
        return 1;
    }
    shared = 3;
    L4_Word_t status = 0;
    long state = l4rt_wait(c, &status);
    printf("fork: parent sees %d and note %s; child ended in state %ld with status %lu\n", shared,
           note, state, status);
    if (state != TASK_EXITED)
        return 4;
    if (status != 0)
        return 2;
    if (shared != 3 || strcmp(note, "parent") != 0)
        return 3;
    return 0;
}
