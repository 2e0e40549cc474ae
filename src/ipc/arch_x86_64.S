/*
 * Entering and leaving user code on x86-64: switch to the user's stack,
 * call its entry, and come back to the host stack either when it returns
 * or when the kernel abandons it (kill, restart); and running a system
 * call's kernel part on the host stack for a caller on a window stack.
 */
    .text

/* int arch_user_enter(word_t ip, word_t sp, word_t arg, void **saved) */
    .globl arch_user_enter
    .hidden arch_user_enter
    .type arch_user_enter, @function
arch_user_enter:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp            /* keep the saved frame 16-byte aligned */
    movq %rsp, (%rcx)
    movq %rcx, %rbx
    testq %rsi, %rsi
    jz 1f
    movq %rsi, %rsp
1:  andq $-16, %rsp
    .globl arch_user_switch
    .hidden arch_user_switch
arch_user_switch:            /* from here to the call, the stack is the user's */
    xorl %ebp, %ebp          /* user code starts a fresh frame chain */
    movq %rdi, %rax
    movq %rdx, %rdi
    callq *%rax
    .globl arch_user_switch_end
    .hidden arch_user_switch_end
arch_user_switch_end:
    movq (%rbx), %rsp
    xorl %eax, %eax
    jmp 2f

/* void arch_user_leave(void *saved, int value) */
    .globl arch_user_leave
    .hidden arch_user_leave
    .type arch_user_leave, @function
arch_user_leave:
    movq %rdi, %rsp
    movl %esi, %eax
2:  addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size arch_user_enter, .-arch_user_enter

/*
 * word_t arch_kernel_call(struct sysargs *a, void *stack, kernel_part fn,
 *                         volatile int *on_host_stack)
 *
 * Call fn(a) on `stack` and return its result here. The only accesses to
 * the caller's stack are the two pushes before the flag is set and the pops
 * after it is cleared, so the flag is 1 exactly while the code running is
 * not on the caller's stack. The frame is a normal %rbp frame, so
 * debuggers and unwinders walk from the kernel part into the caller.
 */
    .globl arch_kernel_call
    .hidden arch_kernel_call
    .type arch_kernel_call, @function
arch_kernel_call:
    .cfi_startproc
    pushq %rbp
    .cfi_def_cfa_offset 16
    .cfi_offset %rbp, -16
    movq %rsp, %rbp
    .cfi_def_cfa_register %rbp
    pushq %rbx
    .cfi_offset %rbx, -24
    movq %rcx, %rbx
    movl $1, (%rbx)
    andq $-16, %rsi
    movq %rsi, %rsp
    callq *%rdx              /* a is still in %rdi */
    leaq -8(%rbp), %rsp
    movl $0, (%rbx)
    popq %rbx
    .cfi_restore %rbx
    popq %rbp
    .cfi_def_cfa %rsp, 8
    .cfi_restore %rbp
    ret
    .cfi_endproc
    .size arch_kernel_call, .-arch_kernel_call

    .section .note.GNU-stack,"",@progbits
