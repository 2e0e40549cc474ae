/*
 * Inside the root task's name server: the object table its parts share.
 * The table is built by naming_start before the server thread runs, then
 * touched only by that thread, then freed by naming_cleanup after the run;
 * so it needs no lock. Nothing outside the name server includes this.
 */
#ifndef ROOT_NS_H
#define ROOT_NS_H

#include <stddef.h>

#include <l4/types.h>
#include <l4srv/naming.h>

#include "server.h"

#define NS_MAX_NODES   256
#define NS_SLOT_BITS   8 /* handle = generation << NS_SLOT_BITS | slot */
#define NS_ROOT_SLOT   0
#define NS_MEMFILE_MAX (256 * 1024) /* bytes in one file of /logs or made by mk_object */

/* How a node's contents come about. */
enum ns_kind {
    NS_DIR,       /* a directory of this server */
    NS_MEMFILE,   /* a file held in memory (mk_object FILE) */
    NS_MODULE,    /* a boot module: a host file read on demand */
    NS_GENERATED, /* text made by a generator at each open (/stats) */
    NS_BOUND,     /* service, device, task or directory another thread implements */
};

/* Generates a file's text into buf; returns its length (at most cap). */
typedef size_t (*ns_generator)(char *buf, size_t cap);

struct ns_node {
    int used;
    L4_Word_t gen;  /* bumped on delete, so the old handle goes stale */
    L4_Word_t type; /* enum naming_type */
    enum ns_kind kind;
    int parent; /* slot of the directory holding it; -1 for the root */
    char name[NAMING_NAME_MAX + 1];
    L4_Word_t owner;    /* global ID of the thread that made it; 0: the system */
    unsigned creatable; /* directories: bit (1 << type) for each type mk_object may make here */
    /* NS_BOUND: the implementing thread; nil until naming_register. */
    L4_ThreadId_t target;
    L4_Word_t target_handle;
    /* NS_MEMFILE */
    char *data;
    size_t size;
    /* NS_GENERATED */
    ns_generator generate;
};

extern struct ns_node ns_nodes[NS_MAX_NODES];
extern int ns_modules_dirfd; /* the host directory behind /modules, or -1 */

/* The slot of a live node's handle (NAMING_ROOT: the root), or -1. */
int ns_slot(L4_Word_t handle);
L4_Word_t ns_handle(int slot);
/* Add a node under parent; the new slot, or -1 (table full). */
int ns_add(int parent, const char *name, size_t len, L4_Word_t type, enum ns_kind kind);
/* The child of dir called name, or -1. */
int ns_child(int dir, const char *name, size_t len);

/* Parts of the server (files.c, modules.c, stats.c). */
void files_serve(const struct srv_req *rq, const char *buf);
void files_cleanup(void);
int modules_load(int parent, const char *host_dir);
void modules_cleanup(void);
void stats_populate(int parent);
size_t stats_system(char *buf, size_t cap);

#endif /* ROOT_NS_H */
