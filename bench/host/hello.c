/*
 * The host counterpart of the hello test image, for the task_new_kill
 * baseline: a static program that prints the same lines and exits 0.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("hello, world\n");
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    return 0;
}
