/*
 * Entering and leaving user code on x86-64: switch to the user's stack,
 * call its entry, and come back to the host stack either when it returns
 * or when the kernel abandons it (kill, restart).
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
    xorl %ebp, %ebp          /* user code starts a fresh frame chain */
    movq %rdi, %rax
    movq %rdx, %rdi
    callq *%rax
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

    .section .note.GNU-stack,"",@progbits
