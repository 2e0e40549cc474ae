/*
 * A program outside the project that uses the installed l4sim: compiled by
 * the install_consumers test through pkg-config and through find_package.
 */
#include <stdio.h>

#include <l4sim/l4sim.h>

static int root(void *arg)
{
    return *(const int *) arg;
}

int main(void)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    if (cfg.max_threads == 0) {
        fprintf(stderr, "consumer: l4sim_config_init left max_threads at 0\n");
        return 1;
    }
    int answer = 42;
    int r = l4sim_run(&cfg, root, &answer);
    if (r != 42) {
        fprintf(stderr, "consumer: l4sim_run returned %d, want 42\n", r);
        return 1;
    }
    puts("consumer: ok");
    return 0;
}
