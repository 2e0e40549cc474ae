/*
 * Helpers shared by the name-service suites (see naming_util.h).
 */
#include <string.h>

#include "naming_util.h"

int u_read_path(const char *path, char *buf, size_t cap, size_t *len)
{
    struct naming_result r;
    L4_Word_t fh;
    int err = naming_lookup(path, &r);
    if (!err)
        err = file_open(r.server, r.handle, FILE_OPEN_READ, &fh);
    if (err)
        return err;
    *len = 0;
    for (;;) {
        size_t got, want = cap - 1 - *len < FILE_IO_MAX ? cap - 1 - *len : FILE_IO_MAX;
        if (want == 0)
            break;
        err = file_read(r.server, fh, buf + *len, want, &got);
        if (err)
            break;
        *len += got;
    }
    buf[*len] = 0;
    int close_err = file_close(r.server, fh);
    if (err == L4SRV_ERR_END_OF_FILE || err == 0)
        err = close_err;
    return err;
}

int u_listed(const char *path, const char *name)
{
    static char text[16384];
    size_t len;
    if (u_read_path(path, text, sizeof(text), &len))
        return 0;
    size_t n = strlen(name);
    for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
        if (!strncmp(line, name, n) && line[n] == ' ')
            return 1;
        if (!strchr(line, '\n'))
            break;
    }
    return 0;
}

long u_raw_call(L4_ThreadId_t server, L4_Word_t label, unsigned u, const L4_Word_t *w,
                const void *str, size_t len, L4_Word_t *reply)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, label);
    for (unsigned i = 0; i < u; i++)
        L4_MsgAppendWord(&msg, w[i]);
    if (str)
        L4_MsgAppendSimpleStringItem(&msg, L4_StringItem((int) len, (void *) str));
    L4_MsgLoad(&msg);
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t tag = L4_Call(server);
    if (L4_IpcFailed(tag))
        return -1;
    if (reply)
        L4_StoreMRs(1, L4_UntypedWords(tag) < 4 ? (int) L4_UntypedWords(tag) : 4, reply);
    return (long) L4_Label(tag);
}

struct other_job {
    int (*fn)(void *arg);
    void *arg;
    int result;
};

static struct other_job other_job;

static void other_thread(void *kip)
{
    (void) kip;
    other_job.result = other_job.fn(other_job.arg);
    h_signal_root();
}

int u_as_other_thread(int (*fn)(void *arg), void *arg)
{
    other_job = (struct other_job){.fn = fn, .arg = arg, .result = -1};
    L4_ThreadId_t t = h_spawn(H_FIRST_APP + 1, other_thread, NULL);
    h_wait_signal(t);
    h_delete(t);
    return other_job.result;
}
