/*
 * _start, the entry of every thread of an image. The kernel calls it with
 * the KIP in %rdi on a 16-byte aligned stack, so the task_startup block
 * (<l4srv/task.h>) lies just above the return address. It only hands both
 * to rt_start; it must never touch memory other than its own stack.
 */
    .text
    .globl _start
    .type _start, @function
_start:
    lea 8(%rsp), %rsi   /* the task_startup block */
    xor %ebp, %ebp      /* the outermost frame, for debuggers */
    and $-16, %rsp      /* the C ABI wants it aligned at the call */
    call rt_start
    ud2                 /* rt_start never returns */
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
