/*
 * String items: simple strings, substrings on either side, several strings,
 * compound strings, unaligned and page-crossing ones, and the overflow and
 * transfer-fault errors they can raise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

/* What the receiving thread saw; filled before it signals the root. */
struct seen {
    L4_MsgTag_t tag;
    L4_Word_t error;
    L4_Word_t mr[L4SIM_NUM_MRS];
    char buf[4][64];
};

static struct seen seen;

static void record(L4_MsgTag_t tag)
{
    seen.tag = tag;
    seen.error = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    L4_StoreMRs(0, L4SIM_NUM_MRS, seen.mr);
}

static void reset_seen(void)
{
    memset(&seen, 0, sizeof(seen));
}

enum buffer_kind {
    BUF_SIMPLE_64,     /* one 64-byte buffer */
    BUF_SIMPLE_16,     /* one 16-byte buffer */
    BUF_NONE,          /* acceptor without strings */
    BUF_THREE_OF_8,    /* one buffer of three 8-byte substrings */
    BUF_TWO_BUFFERS,   /* two 64-byte buffers */
    BUF_BAD_ADDRESS,   /* a 64-byte buffer at an unmapped address */
    BUF_COMPOUND_2X16, /* one compound buffer: two headers of 16 bytes */
};

/* Receive one message from the root into the buffers of arg's kind, then report. */
static void receive_strings(void *kip)
{
    (void) kip;
    enum buffer_kind kind = (enum buffer_kind)(uintptr_t) h_arg();
    L4_Word_t br[16] = {0};
    switch (kind) {
    case BUF_SIMPLE_64:
    case BUF_SIMPLE_16:
        br[0] = ((L4_Word_t) (kind == BUF_SIMPLE_64 ? 64 : 16)) << 10;
        br[1] = (L4_Word_t) seen.buf[0];
        L4_Accept(L4_StringItemsAcceptor);
        L4_LoadBRs(1, 2, br);
        break;
    case BUF_NONE:
        L4_Accept(L4_UntypedWordsAcceptor);
        break;
    case BUF_THREE_OF_8: {
        L4_StringItem_t s = L4_StringItem(8, seen.buf[0]);
        br[0] = s.raw[0];
        br[1] = s.raw[1];
        L4_AddSubstringAddressTo((L4_StringItem_t *) br, seen.buf[1]);
        L4_AddSubstringAddressTo((L4_StringItem_t *) br, seen.buf[2]);
        L4_Accept(L4_StringItemsAcceptor);
        L4_LoadBRs(1, 4, br);
        break;
    }
    case BUF_TWO_BUFFERS: {
        L4_MsgBuffer_t b;
        L4_MsgBufferClear(&b);
        L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem(64, seen.buf[0]));
        L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem(64, seen.buf[1]));
        L4_AcceptStrings(L4_StringItemsAcceptor, &b);
        break;
    }
    case BUF_BAD_ADDRESS:
        br[0] = 64UL << 10;
        br[1] = 16;
        L4_Accept(L4_StringItemsAcceptor);
        L4_LoadBRs(1, 2, br);
        break;
    case BUF_COMPOUND_2X16: {
        L4_Word_t w[4];
        L4_StringItem_t first = L4_StringItem(16, seen.buf[0]);
        L4_StringItem_t second = L4_StringItem(16, seen.buf[1]);
        memcpy(w, first.raw, sizeof(first.raw));
        L4_AddSubstringTo((L4_StringItem_t *) w, &second);
        L4_MsgBuffer_t b;
        L4_MsgBufferClear(&b);
        L4_MsgBufferAppendRcvString(&b, (L4_StringItem_t *) w);
        L4_AcceptStrings(L4_StringItemsAcceptor, &b);
        break;
    }
    }
    record(L4_Receive(h_root()));
    h_signal_root();
}

static L4_ThreadId_t string_receiver(enum buffer_kind kind)
{
    L4_ThreadId_t r = h_spawn(0, receive_strings, (void *) (uintptr_t) kind);
    h_wait_state(r, H_STATE_RECEIVING);
    return r;
}

/* Send u = 1 (a marker word), then the typed words. */
static L4_MsgTag_t send_items(L4_ThreadId_t to, const L4_Word_t *items, unsigned t)
{
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.u = 1;
    tag.X.t = t;
    L4_Set_Label(&tag, 0x5);
    L4_Set_MsgTag(tag);
    L4_LoadMR(1, 0xabc);
    L4_LoadMRs(2, (int) t, items);
    return L4_Send(to);
}

static char text13[] = "hello, world";

static int body_simple_string(void *arg)
{
    (void) arg;
    L4_ThreadId_t r = string_receiver(BUF_SIMPLE_64);
    L4_StringItem_t s = L4_StringItem(sizeof(text13), text13);
    H_IPC_OK(send_items(r, s.raw, 2));
    h_wait_signal(r);
    H_EQ(seen.error, 0);
    H_EQ(L4_Label(seen.tag), 0x5);
    H_EQ(L4_UntypedWords(seen.tag), 1);
    H_EQ(L4_TypedWords(seen.tag), 2);
    H_EQ(seen.mr[1], 0xabc);
    /* MR2..3 now describe the string as received: length, and where it is. */
    L4_StringItem_t *got = (L4_StringItem_t *) &seen.mr[2];
    H_CHECK(L4_IsStringItem(got));
    H_EQ(got->X.string_length, sizeof(text13));
    H_EQ((L4_Word_t) L4_Substring(got, 1), (L4_Word_t) seen.buf[0]);
    H_CHECK(strcmp(seen.buf[0], text13) == 0);
    return 0;
}

static void simple_string_lands_in_receive_buffer(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_simple_string, NULL), 0);
}

static char part_a[8] = "AAAAAAA", part_b[8] = "BBBBBBB", part_c[8] = "CCCCCCC";

static int body_substrings_gather(void *arg)
{
    (void) arg;
    L4_ThreadId_t r = string_receiver(BUF_SIMPLE_64);
    L4_Word_t item[4];
    L4_StringItem_t s = L4_StringItem(8, part_a);
    memcpy(item, s.raw, sizeof(s.raw));
    L4_AddSubstringAddressTo((L4_StringItem_t *) item, part_b);
    L4_AddSubstringAddressTo((L4_StringItem_t *) item, part_c);
    H_EQ(L4_Substrings((L4_StringItem_t *) item), 3);
    H_IPC_OK(send_items(r, item, 4));
    h_wait_signal(r);
    H_EQ(seen.error, 0);
    H_EQ(L4_TypedWords(seen.tag), 4);
    H_CHECK(memcmp(seen.buf[0], "AAAAAAA\0BBBBBBB\0CCCCCCC", 24) == 0);
    H_EQ(((L4_StringItem_t *) &seen.mr[2])->X.string_length, 24);
    return 0;
}

static void string_with_substrings_gathers_into_one_buffer(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_substrings_gather, NULL), 0);
}

static char text24[] = "0123456789abcdefghijklm"; /* 23 characters and the NUL */

static int body_buffer_scatters(void *arg)
{
    (void) arg;
    L4_ThreadId_t r = string_receiver(BUF_THREE_OF_8);
    L4_StringItem_t s = L4_StringItem(24, text24);
    H_IPC_OK(send_items(r, s.raw, 2));
    h_wait_signal(r);
    H_EQ(seen.error, 0);
    H_CHECK(memcmp(seen.buf[0], "01234567", 8) == 0);
    H_CHECK(memcmp(seen.buf[1], "89abcdef", 8) == 0);
    H_CHECK(memcmp(seen.buf[2], "ghijklm", 8) == 0);
    return 0;
}

static void receive_buffer_with_substrings_scatters_the_string(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_buffer_scatters, NULL), 0);
}

static int body_two_strings(void *arg)
{
    (void) arg;
    L4_ThreadId_t r = string_receiver(BUF_TWO_BUFFERS);
    L4_Word_t items[4];
    L4_StringItem_t s1 = L4_StringItem(sizeof(text13), text13);
    L4_StringItem_t s2 = L4_StringItem(sizeof(text24), text24);
    memcpy(items, s1.raw, sizeof(s1.raw));
    memcpy(items + 2, s2.raw, sizeof(s2.raw));
    H_IPC_OK(send_items(r, items, 4));
    h_wait_signal(r);
    H_EQ(seen.error, 0);
    H_CHECK(strcmp(seen.buf[0], text13) == 0);
    H_CHECK(strcmp(seen.buf[1], text24) == 0);
    H_EQ(((L4_StringItem_t *) &seen.mr[4])->X.string_length, sizeof(text24));
    H_EQ((L4_Word_t) L4_Substring((L4_StringItem_t *) &seen.mr[4], 1), (L4_Word_t) seen.buf[1]);
    return 0;
}

static void two_strings_fill_two_buffers_in_order(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_two_strings, NULL), 0);
}

/*
 * A compound string (c bit: another header continues the same string) is
 * one logical string in X.2: its pieces are copied, in order, into one
 * receive buffer.
 */
static int body_compound_string(void *arg)
{
    (void) arg;
    L4_ThreadId_t r = string_receiver(BUF_SIMPLE_64);
    L4_Word_t items[4];
    L4_StringItem_t first = L4_StringItem(8, part_a), second = L4_StringItem(8, part_b);
    memcpy(items, first.raw, sizeof(first.raw));
    L4_AddSubstringTo((L4_StringItem_t *) items, &second);
    H_CHECK(L4_CompoundString((L4_StringItem_t *) items));
    H_IPC_OK(send_items(r, items, 4));
    h_wait_signal(r);
    H_EQ(seen.error, 0);
    H_CHECK(memcmp(seen.buf[0], "AAAAAAA\0BBBBBBB", 16) == 0);
    return 0;
}

static void compound_string_fills_one_buffer(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_compound_string, NULL), 0);
}

/* Likewise a compound receive buffer (two 16-byte pieces) takes one string. */
static int body_compound_buffer(void *arg)
{
    (void) arg;
    L4_ThreadId_t r = string_receiver(BUF_COMPOUND_2X16);
    L4_StringItem_t s = L4_StringItem(24, text24);
    H_IPC_OK(send_items(r, s.raw, 2));
    h_wait_signal(r);
    H_EQ(seen.error, 0);
    H_CHECK(memcmp(seen.buf[0], "0123456789abcdef", 16) == 0);
    H_CHECK(memcmp(seen.buf[1], "ghijklm", 8) == 0);
    return 0;
}

static void compound_receive_buffer_takes_one_string(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_compound_buffer, NULL), 0);
}

static char text100[100] = "a string of a hundred bytes";

static int body_string_overflow(void *arg)
{
    (void) arg;
    L4_ThreadId_t r = string_receiver(BUF_SIMPLE_16);
    L4_StringItem_t s = L4_StringItem(sizeof(text100), text100);
    H_IPC_FAILS(send_items(r, s.raw, 2), H_ERR_SEND(L4_IpcErrMsgOverflow));
    h_wait_signal(r);
    H_CHECK(L4_IpcFailed(seen.tag));
    H_EQ(seen.error, H_ERR_RECV(L4_IpcErrMsgOverflow));
    /* Nothing was written past the buffer. */
    H_EQ(seen.buf[0][16], 0);
    return 0;
}

static void string_larger_than_buffer_overflows_on_both_sides(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_string_overflow, NULL), 0);
}

static int body_no_buffer(void *arg)
{
    (void) arg;
    L4_ThreadId_t r = string_receiver(BUF_NONE);
    L4_StringItem_t s = L4_StringItem(sizeof(text13), text13);
    H_IPC_FAILS(send_items(r, s.raw, 2), H_ERR_SEND(L4_IpcErrMsgOverflow));
    h_wait_signal(r);
    H_EQ(seen.error, H_ERR_RECV(L4_IpcErrMsgOverflow));

    /* A second string with only one buffer: overflow after the first one's bytes. */
    reset_seen();
    r = h_spawn(1, receive_strings, (void *) (uintptr_t) BUF_SIMPLE_64);
    h_wait_state(r, H_STATE_RECEIVING);
    L4_Word_t items[4];
    L4_StringItem_t s1 = L4_StringItem(sizeof(text13), text13);
    memcpy(items, s1.raw, sizeof(s1.raw));
    memcpy(items + 2, s1.raw, sizeof(s1.raw));
    H_IPC_FAILS(send_items(r, items, 4),
                L4_IpcErrorEncode(0, L4_IpcErrMsgOverflow, sizeof(text13)));
    h_wait_signal(r);
    H_EQ(seen.error, L4_IpcErrorEncode(1, L4_IpcErrMsgOverflow, sizeof(text13)));
    return 0;
}

static void string_without_receive_buffer_overflows(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_no_buffer, NULL), 0);
}

static int body_bad_string_address(void *arg)
{
    (void) arg;
    /* The sender's string is not readable: the fault is on the sender's side. */
    L4_ThreadId_t r = string_receiver(BUF_SIMPLE_64);
    L4_StringItem_t s = L4_StringItem(8, (void *) 16);
    H_IPC_FAILS(send_items(r, s.raw, 2), H_ERR_SEND(L4_IpcErrXferTimeoutInvoker));
    h_wait_signal(r);
    H_EQ(seen.error, H_ERR_RECV(L4_IpcErrXferTimeoutPartner));

    /* The receiver's buffer is not writable: the fault is on the receiver's side. */
    reset_seen();
    r = h_spawn(1, receive_strings, (void *) (uintptr_t) BUF_BAD_ADDRESS);
    h_wait_state(r, H_STATE_RECEIVING);
    s = L4_StringItem(sizeof(text13), text13);
    H_IPC_FAILS(send_items(r, s.raw, 2), H_ERR_SEND(L4_IpcErrXferTimeoutPartner));
    h_wait_signal(r);
    H_EQ(seen.error, H_ERR_RECV(L4_IpcErrXferTimeoutInvoker));

    /* Both sides keep working. */
    L4_ThreadId_t echo = h_spawn(2, h_echo_server, NULL);
    h_ping(echo, 1);
    return 0;
}

static void string_at_invalid_address_is_a_transfer_error(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_bad_string_address, NULL), 0);
}

/* ----------------------------------------------- unaligned string buffers */

#define PAGE  4096UL
#define GUARD 0xa5

/*
 * Strings at odd addresses, of odd lengths, crossing page boundaries. The
 * receive area is filled with guard bytes first: every byte the kernel
 * writes outside the string's bytes shows up as a changed guard.
 */
static unsigned char send_area[2 * PAGE] __attribute__((aligned(4096)));
static unsigned char recv_area[3 * PAGE] __attribute__((aligned(4096)));

/* One piece of a string or of a receive buffer: its offset in its area and its length. */
struct piece {
    size_t offset, len;
};

static void fill_areas(void)
{
    for (size_t i = 0; i < sizeof(send_area); i++)
        send_area[i] = (unsigned char) (i * 7 + 3);
    memset(recv_area, GUARD, sizeof(recv_area));
}

/*
 * Where byte `at` of the logical string lands (an offset in recv_area) when
 * the receive pieces are filled in order.
 */
static size_t landing_offset(const struct piece *buf, size_t nbuf, size_t at)
{
    for (size_t i = 0; i < nbuf; at -= buf[i].len, i++)
        if (at < buf[i].len)
            return buf[i].offset + at;
    return SIZE_MAX;
}

/* The whole receive area as it must look once the string of src has arrived. */
static void expected_area(unsigned char *want, const struct piece *src, size_t nsrc,
                          const struct piece *buf, size_t nbuf)
{
    memset(want, GUARD, sizeof(recv_area));
    size_t at = 0;
    for (size_t i = 0; i < nsrc; i++)
        for (size_t k = 0; k < src[i].len; k++, at++)
            want[landing_offset(buf, nbuf, at)] = send_area[src[i].offset + k];
}

/* Receive one message from the root with the BRs h_arg points to (BR1 on, then a 0 word). */
static void receive_into_brs(void *kip)
{
    (void) kip;
    const L4_Word_t *br = h_arg();
    unsigned n = 0;
    while (br[n])
        n++;
    L4_Accept(L4_StringItemsAcceptor);
    L4_LoadBRs(1, (int) n, br);
    record(L4_Receive(h_root()));
    h_signal_root();
}

/* The recv_area must hold exactly want; report the first byte that differs. */
static void check_area(const unsigned char *want)
{
    for (size_t i = 0; i < sizeof(recv_area); i++) {
        if (recv_area[i] != want[i]) {
            h_fail_at(__FILE__, __LINE__,
                      "receive area byte %zu (page %zu + %zu): 0x%02x, want 0x%02x", i, i / PAGE,
                      i % PAGE, recv_area[i], want[i]);
            return;
        }
    }
}

static unsigned char want_area[sizeof(recv_area)];

static int body_unaligned_simple(void *arg)
{
    (void) arg;
    fill_areas();
    /* 203 bytes from an odd address, across the sender's page boundary,
     * into a 211-byte buffer at an odd address across the receiver's. */
    const struct piece src = {PAGE - 101, 203}, buf = {PAGE - 51, 211};
    static L4_Word_t br[3];
    L4_StringItem_t rcv = L4_StringItem((int) buf.len, recv_area + buf.offset);
    memcpy(br, rcv.raw, sizeof(rcv.raw));
    L4_ThreadId_t r = h_spawn(0, receive_into_brs, br);
    h_wait_state(r, H_STATE_RECEIVING);

    L4_StringItem_t s = L4_StringItem((int) src.len, send_area + src.offset);
    H_IPC_OK(send_items(r, s.raw, 2));
    h_wait_signal(r);
    H_EQ(seen.error, 0);
    L4_StringItem_t *got = (L4_StringItem_t *) &seen.mr[2];
    H_EQ(got->X.string_length, src.len);
    H_EQ((L4_Word_t) L4_Substring(got, 1), (L4_Word_t) (recv_area + buf.offset));
    expected_area(want_area, &src, 1, &buf, 1);
    check_area(want_area);
    return 0;
}

static void unaligned_string_into_page_crossing_buffer_arrives_exactly(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_unaligned_simple, NULL), 0);
}

/*
 * Compound on both sides. The sender: one header with two 7-byte substrings
 * (the second crossing a page), then a 13-byte one; 27 bytes. The receiver:
 * 5 bytes, 9 bytes across a page, then one header with two 11-byte
 * substrings; 36 bytes, all at odd addresses.
 */
static int body_unaligned_compound(void *arg)
{
    (void) arg;
    fill_areas();
    const struct piece src[] = {{1, 7}, {PAGE - 5, 7}, {PAGE + 777, 13}};
    const struct piece buf[] = {
        {3, 5}, {PAGE - 3, 9}, {2 * PAGE + 1001, 11}, {2 * PAGE + 2047, 11}};
    const size_t nsrc = sizeof(src) / sizeof(src[0]), nbuf = sizeof(buf) / sizeof(buf[0]);

    static L4_Word_t br[8];
    memset(br, 0, sizeof(br));
    L4_StringItem_t r1 = L4_StringItem((int) buf[0].len, recv_area + buf[0].offset);
    L4_StringItem_t r2 = L4_StringItem((int) buf[1].len, recv_area + buf[1].offset);
    L4_StringItem_t r3 = L4_StringItem((int) buf[2].len, recv_area + buf[2].offset);
    memcpy(br, r1.raw, sizeof(r1.raw));
    L4_AddSubstringTo((L4_StringItem_t *) br, &r2);
    L4_AddSubstringTo((L4_StringItem_t *) br, &r3);
    L4_AddSubstringAddressTo((L4_StringItem_t *) br, recv_area + buf[3].offset);
    L4_ThreadId_t r = h_spawn(0, receive_into_brs, br);
    h_wait_state(r, H_STATE_RECEIVING);

    L4_Word_t items[5];
    L4_StringItem_t a = L4_StringItem((int) src[0].len, send_area + src[0].offset);
    L4_StringItem_t b = L4_StringItem((int) src[2].len, send_area + src[2].offset);
    memcpy(items, a.raw, sizeof(a.raw));
    L4_AddSubstringAddressTo((L4_StringItem_t *) items, send_area + src[1].offset);
    L4_AddSubstringTo((L4_StringItem_t *) items, &b);
    H_IPC_OK(send_items(r, items, 5));
    h_wait_signal(r);
    H_EQ(seen.error, 0);
    H_EQ(L4_TypedWords(seen.tag), 5);

    /* The sender's layout, with the total length and where each substring landed. */
    L4_StringItem_t *first = (L4_StringItem_t *) &seen.mr[2];
    H_EQ(first->X.string_length, 7 + 7 + 13);
    H_EQ(L4_Substrings(first), 2);
    H_CHECK(L4_CompoundString(first));
    H_EQ(seen.mr[3], (L4_Word_t) (recv_area + landing_offset(buf, nbuf, 0)));
    H_EQ(seen.mr[4], (L4_Word_t) (recv_area + landing_offset(buf, nbuf, 7)));
    H_EQ(seen.mr[6], (L4_Word_t) (recv_area + landing_offset(buf, nbuf, 14)));
    expected_area(want_area, src, nsrc, buf, nbuf);
    check_area(want_area);
    return 0;
}

static void unaligned_compound_strings_arrive_exactly(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_unaligned_compound, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(simple_string_lands_in_receive_buffer),
        cmocka_unit_test(string_with_substrings_gathers_into_one_buffer),
        cmocka_unit_test(receive_buffer_with_substrings_scatters_the_string),
        cmocka_unit_test(two_strings_fill_two_buffers_in_order),
        cmocka_unit_test(compound_string_fills_one_buffer),
        cmocka_unit_test(compound_receive_buffer_takes_one_string),
        cmocka_unit_test(string_larger_than_buffer_overflows_on_both_sides),
        cmocka_unit_test(string_without_receive_buffer_overflows),
        cmocka_unit_test(string_at_invalid_address_is_a_transfer_error),
        cmocka_unit_test(unaligned_string_into_page_crossing_buffer_arrives_exactly),
        cmocka_unit_test(unaligned_compound_strings_arrive_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
