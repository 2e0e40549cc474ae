/*
 * The console of an image: what printf writes, gathered into lines and
 * sent to the log service, one LOG_WRITE request per line. Every thread of
 * the task shares one line, under a lock, so a line is never torn between
 * two requests unless it is longer than the log takes.
 */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4srv/ids.h>
#include <l4srv/log.h>

#include "rt.h"

static struct rt_lock lock;
static char line[LOG_LINE_MAX]; /* guarded by lock */
static size_t len;              /* guarded by lock */

/* Send the line; the log answers, but a console has nobody to tell of an error. */
static void send_line(void)
{
    if (len == 0)
        return; /* the log refuses empty lines */
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, LOG_WRITE);
    L4_MsgAppendSimpleStringItem(&msg, L4_StringItem((int) len, line));
    L4_MsgLoad(&msg);
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_Call_Timeouts(l4srv_id(L4SRV_LOG), RT_CALL_TIMEOUT, RT_CALL_TIMEOUT);
    len = 0;
}

void rt_console_lock(void)
{
    rt_lock(&lock);
}

void rt_console_unlock(void)
{
    rt_unlock(&lock);
}

void rt_console_put(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            send_line();
            continue;
        }
        if (len == sizeof(line))
            send_line(); /* too long for one log line: the rest goes on the next */
        line[len++] = s[i];
    }
}

void rt_console_flush(void)
{
    rt_lock(&lock);
    send_line();
    rt_unlock(&lock);
}

void rt_console_reset(void)
{
    len = 0;
    rt_unlock(&lock);
}

int putchar(int c)
{
    char ch = (char) c;
    rt_lock(&lock);
    rt_console_put(&ch, 1);
    rt_unlock(&lock);
    return (unsigned char) c;
}

int puts(const char *s)
{
    rt_lock(&lock);
    rt_console_put(s, strlen(s));
    rt_console_put("\n", 1);
    rt_unlock(&lock);
    return 0;
}
