/*
 * The user runtime of l4sim's ELF task images (src/rt): what a program
 * linked into an image may call besides the <l4/...> and <l4srv/...>
 * headers. Images have no glibc; this is their whole C library. Compile
 * with L4SIM_IMAGE defined (the build of tests/images shows how).
 */
#ifndef L4RT_L4RT_H
#define L4RT_L4RT_H

#ifndef L4SIM_IMAGE
#error "<l4rt/l4rt.h> is for ELF images: compile with L4SIM_IMAGE defined"
#endif

#include <stdarg.h>
#include <stddef.h>

#include <l4/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Strings and memory (the usual semantics). ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strcpy(char *dst, const char *src);
/* Decimal, with an optional sign; stops at the first non-digit. */
long atol(const char *s);
int atoi(const char *s);

/*
 * Formatted output: %d %i %u %x %X %p %s %c %%, the length modifiers l, ll,
 * z and h, the flags '-' and '0', a width (digits or *) and, for %s, a
 * precision. printf and puts go to the console: the log service, one
 * request per line (lines longer than LOG_LINE_MAX are cut into pieces;
 * empty lines are dropped, the log takes none). A line goes out at its
 * newline; exit and the thread exits flush what is left.
 */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);
int putchar(int c);

/*
 * The heap: regions attached through the task's region mapper (RM_ATTACH
 * to L4_Pager()), 16-byte aligned blocks. NULL when the region mapper
 * refuses. Safe from every thread of the task; a forked child keeps the
 * parent's heap as it was at the fork.
 */
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);

/* End the task with status (TASK_EXIT to the task server). */
_Noreturn void exit(int status);

/* ---- Tasks and threads (the task server, <l4srv/task.h>). ---- */

/* What a forked child or a new thread runs; a child's result is its exit status. */
typedef int (*l4rt_fn)(L4_Word_t arg);

/*
 * Fork: a child task with a copy of this one's memory (at the same image
 * offsets, in another window) runs fn(arg) and exits with its result.
 * Every address arg or the copied memory holds still points into the
 * parent's window; pass offsets (l4rt_image_base) where the child must
 * follow one. Returns 0 with *child the child task, or an l4srv_error.
 */
int l4rt_fork(l4rt_fn fn, L4_Word_t arg, L4_ThreadId_t *child);

/* A new thread of this task (on a fresh guarded stack) runs fn(arg), then ends. */
int l4rt_thread_start(l4rt_fn fn, L4_Word_t arg, L4_ThreadId_t *thread);

/*
 * Wait until task has ended. Returns its enum task_state (TASK_EXITED,
 * TASK_KILLED, TASK_CRASHED) with *status (if not NULL) its exit status
 * or, for a crash, the fault address; or minus an l4srv_error.
 */
long l4rt_wait(L4_ThreadId_t task, L4_Word_t *status);

/* End the calling thread only (TASK_KILL of itself). */
_Noreturn void l4rt_thread_exit(void);

/* The task (its region mapper's ID), and where this image's offset 0 lies. */
L4_ThreadId_t l4rt_task(void);
L4_Word_t l4rt_image_base(void);

#ifdef __cplusplus
}
#endif

#endif /* L4RT_L4RT_H */
