/* Test image: greets, shows its command line word by word, exits 0. */
#include <l4rt/l4rt.h>

/* Pointers in data: the loader's tests want relocations to check. */
const char *greeting[] = {"hello,", "world", NULL};

int main(int argc, char **argv)
{
    printf("%s %s\n", greeting[0], greeting[1]);
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    return 0;
}
