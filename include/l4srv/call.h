/*
 * How long the client stubs of every server (MM, task, naming, files,
 * log) wait: for the server to take the request, and again for its reply.
 * A server that does not answer in time makes the stub return
 * L4SRV_ERR_UNRESPONSIVE instead of hanging its client for ever. Waits
 * that are waits by design (task_wait) time only the request.
 */
#ifndef L4SRV_CALL_H
#define L4SRV_CALL_H

#include <l4/ipc.h>
#include <l4srv/errors.h>
#include <l4srv/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longer than any answer a healthy server takes, the MM server's wait for
 * the backing store (5 s by default) included; virtual time in
 * deterministic mode, so it costs tests nothing. */
#define L4SRV_CALL_TIMEOUT_MS 30000

/* Set the stubs' wait for this process, in ms (0: for ever); returns the old one. */
L4SRV_API unsigned l4srv_set_call_timeout(unsigned ms);
L4SRV_API unsigned l4srv_call_timeout_ms(void);

static inline L4_Time_t l4srv_call_timeout(void)
{
    unsigned ms = l4srv_call_timeout_ms();
    return ms ? L4_TimePeriod(1000ULL * ms) : L4_Never;
}

/* What a stub returns for a failed IPC: unresponsive for a timeout, else ipc. */
static inline int l4srv_ipc_failure(void)
{
    return L4_IpcErrorType(L4_ErrorCode()) == L4_IpcErrTimeout ? L4SRV_ERR_UNRESPONSIVE
                                                               : L4SRV_ERR_IPC;
}

#ifdef __cplusplus
}
#endif

#endif /* L4SRV_CALL_H */
