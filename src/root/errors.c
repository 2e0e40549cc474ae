/*
 * Names of the server protocol exceptions, for messages and traces.
 */
#include <l4srv/errors.h>

const char *l4srv_strerror(int error)
{
    static const char *const names[L4SRV_ERR_COUNT] = {
        [L4SRV_OK] = "ok",
        [L4SRV_ERR_INVALID_ARG] = "invalid_argument",
        [L4SRV_ERR_NO_MEM] = "no_mem",
        [L4SRV_ERR_NO_PRIVILEGE] = "no_privilege",
        [L4SRV_ERR_NON_EXISTENT] = "non_existent",
        [L4SRV_ERR_INVALID_PATH] = "invalid_path",
        [L4SRV_ERR_FILE_ACCESS] = "file_access_error",
        [L4SRV_ERR_END_OF_FILE] = "end_of_file",
        [L4SRV_ERR_EXISTS] = "exists",
        [L4SRV_ERR_IO] = "io_error",
        [L4SRV_ERR_UNRESPONSIVE] = "unresponsive",
        [L4SRV_ERR_IPC] = "ipc_error",
        [L4SRV_ERR_GENERIC] = "generic_error",
        [L4SRV_ERR_BAD_IMAGE] = "bad_image",
    };
    return error >= 0 && error < L4SRV_ERR_COUNT ? names[error] : "unknown_error";
}
