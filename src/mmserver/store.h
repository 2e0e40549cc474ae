/*
 * The backing-store server, as the task service starts it.
 */
#ifndef MMSERVER_STORE_H
#define MMSERVER_STORE_H

#include <stdbool.h>

#include <l4/types.h>

bool store_open(L4_Word_t slots);
void store_close(void);
void store_main(void *kip);

#endif /* MMSERVER_STORE_H */
