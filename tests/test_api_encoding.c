/*
 * The pure parts of the <l4/...> API: how thread IDs, fpages, timeouts,
 * tags, typed items, acceptors, string buffers, KIP fields and error codes
 * are encoded, and that the L4_Msg_t helpers round-trip. No system runs;
 * register accessors go to the scratch UTCB of a non-L4 thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <l4/types.h>
#include <l4/kip.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/thread.h>
#include <l4/space.h>
#include <l4/sigma0.h>
#include <l4/pagefault.h>

/* ---- thread IDs ---- */

static void global_id_puts_thread_number_high_and_version_low(void **state)
{
    (void) state;
    L4_ThreadId_t t = L4_GlobalId(0x123, 0x45);
    assert_int_equal(t.raw, 0x0000012300000045UL);
    assert_int_equal(L4_ThreadNo(t), 0x123);
    assert_int_equal(L4_Version(t), 0x45);
    assert_int_equal(t.global.X.thread_no, 0x123);
}

static void global_id_truncates_version_to_32_bits(void **state)
{
    (void) state;
    L4_ThreadId_t t = L4_GlobalId(1, 0x1ffffffffUL);
    assert_int_equal(L4_ThreadNo(t), 1);
    assert_int_equal(L4_Version(t), 0xffffffffUL);
}

static void id_with_nonzero_low_six_bits_is_global(void **state)
{
    (void) state;
    assert_true(L4_IsGlobalId(L4_GlobalId(5, 1)));
    assert_false(L4_IsLocalId(L4_GlobalId(5, 1)));
    assert_true(L4_IsGlobalId(L4_GlobalId(5, 0x20)));
}

static void id_with_six_low_zero_bits_is_local(void **state)
{
    (void) state;
    L4_ThreadId_t t;
    t.raw = 0x7000;
    assert_true(L4_IsLocalId(t));
    assert_false(L4_IsGlobalId(t));
    assert_int_equal(t.local.X.local_id, 0x7000 >> 6);
}

static void special_thread_ids_have_their_x2_values(void **state)
{
    (void) state;
    assert_true(L4_IsNilThread(L4_nilthread));
    assert_int_equal(L4_nilthread.raw, 0);
    assert_int_equal(L4_anythread.raw, ~0UL);
    assert_true(L4_IsGlobalId(L4_anythread));
    assert_int_equal(L4_anylocalthread.raw, ~0UL << 6);
    assert_true(L4_IsLocalId(L4_anylocalthread));
    assert_false(L4_IsNilThread(L4_anylocalthread));
}

static void thread_equality_compares_whole_ids(void **state)
{
    (void) state;
    assert_true(L4_IsThreadEqual(L4_GlobalId(3, 1), L4_GlobalId(3, 1)));
    assert_true(L4_IsThreadNotEqual(L4_GlobalId(3, 1), L4_GlobalId(3, 2)));
    assert_false(L4_IsThreadEqual(L4_nilthread, L4_anythread));
}

/* ---- fpages ---- */

static void fpage_of_power_of_two_size_keeps_base_and_size(void **state)
{
    (void) state;
    L4_Fpage_t f = L4_Fpage(0x10000, 0x1000);
    assert_int_equal(f.raw, 0x10000 | (12 << 4));
    assert_int_equal(L4_Address(f), 0x10000);
    assert_int_equal(L4_Size(f), 0x1000);
    assert_int_equal(L4_SizeLog2(f), 12);
    assert_int_equal(L4_Rights(f), L4_NoAccess);
}

static void fpage_size_rounds_up_to_next_power_of_two(void **state)
{
    (void) state;
    assert_int_equal(L4_SizeLog2(L4_Fpage(0, 0x1800)), 13);
    assert_int_equal(L4_SizeLog2(L4_Fpage(0, 0x1001)), 13);
    assert_int_equal(L4_SizeLog2(L4_Fpage(0, 3)), 2);
    assert_int_equal(L4_SizeLog2(L4_Fpage(0, 1UL << 40)), 40);
}

static void fpage_of_size_zero_or_one_has_no_size(void **state)
{
    (void) state;
    assert_int_equal(L4_SizeLog2(L4_Fpage(0x4000, 0)), 0);
    assert_int_equal(L4_Size(L4_Fpage(0x4000, 1)), 0);
}

static void fpage_address_ignores_base_bits_below_the_size(void **state)
{
    (void) state;
    L4_Fpage_t f = L4_Fpage(0x12345678, 0x10000);
    assert_int_equal(L4_Address(f), 0x12340000);
    assert_int_equal(f.raw & ~0x3ffUL, 0x12345400);
}

static void fpage_log2_stores_the_exponent_verbatim(void **state)
{
    (void) state;
    L4_Fpage_t f = L4_FpageLog2(0x200000, 21);
    assert_int_equal(f.raw, 0x200000 | (21 << 4));
    assert_int_equal(f.X.s, 21);
    assert_int_equal(f.X.b, 0x200000 >> 10);
}

static void fpage_rights_can_be_added_removed_and_set(void **state)
{
    (void) state;
    L4_Fpage_t f = L4_FpageLog2(0x1000, 12);
    f = L4_FpageAddRights(f, L4_Readable);
    assert_int_equal(L4_Rights(f), L4_Readable);
    L4_FpageAddRightsTo(&f, L4_Writable);
    assert_int_equal(L4_Rights(f), L4_ReadWriteOnly);
    f = L4_FpageRemoveRights(f, L4_Readable);
    assert_int_equal(L4_Rights(f), L4_Writable);
    L4_FpageRemoveRightsFrom(&f, L4_Writable);
    assert_int_equal(L4_Rights(f), L4_NoAccess);
    L4_Set_Rights(&f, L4_FullyAccessible);
    assert_int_equal(f.raw, 0x1000 | (12 << 4) | 7);
    assert_int_equal(L4_Address(f), 0x1000);
}

static void nilpage_and_complete_address_space_have_x2_encodings(void **state)
{
    (void) state;
    assert_true(L4_IsNilFpage(L4_Nilpage));
    assert_int_equal(L4_CompleteAddressSpace.raw, 0x10);
    assert_int_equal(L4_SizeLog2(L4_CompleteAddressSpace), 1);
    assert_int_equal(L4_Address(L4_CompleteAddressSpace), 0);
    assert_false(L4_IsNilFpage(L4_CompleteAddressSpace));
}

static void unmap_status_bits_reuse_the_rights_positions(void **state)
{
    (void) state;
    L4_Fpage_t f = L4_FpageLog2(0x1000, 12);
    f.raw |= L4_Writable;
    assert_true(L4_WasWritten(f));
    assert_false(L4_WasReferenced(f));
    assert_false(L4_WaseXecuted(f));
}

/* ---- clock and time ---- */

static void clock_arithmetic_and_ordering(void **state)
{
    (void) state;
    L4_Clock_t c = {1000};
    assert_int_equal(L4_ClockAddUsec(c, 24).raw, 1024);
    assert_int_equal(L4_ClockSubUsec(c, 1000).raw, 0);
    assert_true(L4_IsClockEarlier(c, L4_ClockAddUsec(c, 1)));
    assert_true(L4_IsClockLater(L4_ClockAddUsec(c, 1), c));
    assert_true(L4_IsClockEqual(c, c));
    assert_true(L4_IsClockNotEqual(c, L4_ClockSubUsec(c, 1)));
    c.raw = 0x1122334455667788UL;
    assert_int_equal(c.X.low, 0x55667788);
    assert_int_equal(c.X.high, 0x11223344);
}

static void never_is_zero_and_zerotime_is_exponent_one(void **state)
{
    (void) state;
    assert_int_equal(L4_Never.raw, 0);
    assert_int_equal(L4_ZeroTime.raw, 0x400);
    assert_int_equal(L4_ZeroTime.period.e, 1);
    assert_int_equal(L4_ZeroTime.period.m, 0);
}

static void timeperiod_of_zero_is_zerotime_not_never(void **state)
{
    (void) state;
    assert_int_equal(L4_TimePeriod(0).raw, L4_ZeroTime.raw);
}

static void timeperiod_below_1024_is_exact_with_exponent_0(void **state)
{
    (void) state;
    assert_int_equal(L4_TimePeriod(1).raw, 1);
    assert_int_equal(L4_TimePeriod(1023).period.m, 1023);
    assert_int_equal(L4_TimePeriod(1023).period.e, 0);
    assert_int_equal(L4_TimePeriod(1023).period.a, 0);
}

static void timeperiod_of_1024_has_mantissa_512_exponent_1(void **state)
{
    (void) state;
    L4_Time_t t = L4_TimePeriod(1024);
    assert_int_equal(t.period.m, 512);
    assert_int_equal(t.period.e, 1);
    assert_int_equal(t.raw, (1 << 10) | 512);
}

static void timeperiod_of_one_second_has_exponent_10(void **state)
{
    (void) state;
    L4_Time_t t = L4_TimePeriod(1000000);
    assert_int_equal(t.period.e, 10);
    assert_int_equal(t.period.m, 976); /* 976 * 1024 us: truncated, 0.06% short */
    assert_int_equal(L4_TimePeriodUsec(t), 999424);
}

static void timeperiod_truncates_bits_below_the_mantissa(void **state)
{
    (void) state;
    L4_Time_t t = L4_TimePeriod(2047);
    assert_int_equal(t.period.m, 1023);
    assert_int_equal(t.period.e, 1);
    assert_int_equal(L4_TimePeriodUsec(t), 2046);
}

static void timeperiod_of_a_variable_equals_that_of_the_constant(void **state)
{
    (void) state;
    static const L4_Word64_t samples[] = {0, 1, 1023, 1024, 1000000, (1UL << 41) - 1, 1UL << 41};
    const L4_Time_t expected[] = {
        L4_TimePeriod(0),         L4_TimePeriod(1),       L4_TimePeriod(1023),
        L4_TimePeriod(1024),      L4_TimePeriod(1000000), L4_TimePeriod((1UL << 41) - 1),
        L4_TimePeriod(1UL << 41),
    };
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        volatile L4_Word64_t us = samples[i];
        assert_int_equal(L4_TimePeriod(us).raw, expected[i].raw);
    }
}

static void timeperiod_up_to_2_pow_41_uses_exponent_31(void **state)
{
    (void) state;
    L4_Time_t t = L4_TimePeriod((1UL << 41) - 1);
    assert_int_equal(t.period.e, 31);
    assert_int_equal(t.period.m, 1023);
}

static void timeperiod_of_2_pow_41_or_more_is_never(void **state)
{
    (void) state;
    assert_int_equal(L4_TimePeriod(1UL << 41).raw, L4_Never.raw);
    assert_int_equal(L4_TimePeriod(~0UL).raw, L4_Never.raw);
}

static void time_comparisons_compare_durations_not_encodings(void **state)
{
    (void) state;
    L4_Time_t two_a = L4_TimePeriod(2), two_b;
    two_b.raw = (1 << 10) | 1; /* 1 * 2^1 */
    assert_true(L4_IsTimeEqual(two_a, two_b));
    assert_true(L4_IsTimeShorter(L4_TimePeriod(5), L4_TimePeriod(6)));
    assert_true(L4_IsTimeLonger(L4_Never, L4_TimePeriod((1UL << 41) - 1)));
    assert_true(L4_IsTimeEqual(L4_ZeroTime, L4_TimePeriod(0)));
    assert_true(L4_IsTimeNotEqual(L4_ZeroTime, L4_Never));
}

/* ---- message tags and IPC results ---- */

static void msgtag_packs_u_t_flags_and_label(void **state)
{
    (void) state;
    L4_MsgTag_t tag;
    tag.raw = (0xabcdUL << 16) | (0x9UL << 12) | (3UL << 6) | 5;
    assert_int_equal(L4_UntypedWords(tag), 5);
    assert_int_equal(L4_TypedWords(tag), 3);
    assert_int_equal(tag.X.flags, 9);
    assert_int_equal(L4_Label(tag), 0xabcd);
}

static void msgtag_add_label_keeps_counts_and_flags(void **state)
{
    (void) state;
    L4_MsgTag_t tag;
    tag.raw = (0x8UL << 12) | (2UL << 6) | 1;
    L4_MsgTag_t labelled = L4_MsgTagAddLabel(tag, 0x77);
    assert_int_equal(labelled.raw, (0x77UL << 16) | (0x8UL << 12) | (2UL << 6) | 1);
    L4_MsgTagAddLabelTo(&tag, 0x78);
    assert_int_equal(L4_Label(tag), 0x78);
    L4_Set_Label(&tag, 0x79);
    assert_int_equal(L4_Label(tag), 0x79);
    assert_true(L4_IsMsgTagEqual(tag, tag));
    assert_true(L4_IsMsgTagNotEqual(tag, L4_Niltag));
}

static void negative_protocol_label_is_cut_to_48_bits(void **state)
{
    (void) state;
    L4_MsgTag_t tag = L4_MsgTagAddLabel(L4_Niltag, (L4_Word_t) -6 << 4);
    assert_int_equal(L4_Label(tag), 0xffffffffffa0UL);
    assert_int_equal(L4_Label(tag), L4_SIGMA0_LABEL);
    assert_int_equal(L4_MsgTagProtocol(tag), L4_PROTOCOL_SIGMA0);
    assert_true(L4_IsSigma0RequestTag(tag));
    assert_false(L4_IsPagefaultTag(tag));
    assert_int_equal(L4_ProtocolLabel(L4_PROTOCOL_SIGMA0, 0), L4_SIGMA0_LABEL);
}

static void pagefault_tag_carries_the_faulting_access(void **state)
{
    (void) state;
    L4_MsgTag_t tag = L4_PagefaultTag(L4_Writable);
    assert_int_equal(L4_UntypedWords(tag), 2);
    assert_int_equal(L4_TypedWords(tag), 0);
    assert_int_equal(L4_Label(tag), L4_PAGEFAULT_LABEL | L4_Writable);
    assert_int_equal(L4_Label(tag), 0xffffffffffe2UL);
    assert_true(L4_IsPagefaultTag(tag));
    assert_int_equal(L4_PagefaultAccess(tag), L4_Writable);
    assert_int_equal(L4_ProtocolLabel(L4_PROTOCOL_PAGEFAULT, 2), 0xffffffffffe2UL);

    L4_PfRequest_t req;
    req.raw[0] = tag.raw;
    assert_int_equal(req.X.wrx, L4_Writable);
    assert_int_equal(req.X.u, 2);
}

static void ipc_result_flags_decode_from_the_tag(void **state)
{
    (void) state;
    L4_MsgTag_t tag = L4_Niltag;
    assert_true(L4_IpcSucceeded(tag));
    tag.X.flags = 0x8;
    assert_true(L4_IpcFailed(tag));
    assert_false(L4_IpcSucceeded(tag));
    tag.X.flags = 0x1;
    assert_true(L4_IpcPropagated(tag));
    tag.X.flags = 0x2;
    assert_true(L4_IpcRedirected(tag));
    tag.X.flags = 0x4;
    assert_true(L4_IpcXcpu(tag));
    assert_false(L4_IpcPropagated(tag));
    tag.raw = 0;
    L4_Set_Propagation(&tag);
    assert_int_equal(tag.raw, 1UL << 12);
}

static void timeouts_word_puts_send_timeout_high(void **state)
{
    (void) state;
    assert_int_equal(L4_Timeouts(L4_ZeroTime, L4_Never), 0x04000000UL);
    assert_int_equal(L4_Timeouts(L4_Never, L4_ZeroTime), 0x0400UL);
    L4_Time_t big;
    big.raw = 0xffff;
    assert_int_equal(L4_Timeouts(big, big), 0xffffffffUL);
}

static void ipc_error_code_decodes_phase_type_and_offset(void **state)
{
    (void) state;
    L4_Word_t err = L4_IpcErrorEncode(1, L4_IpcErrMsgOverflow, 100);
    assert_int_equal(err, (100UL << 4) | (4 << 1) | 1);
    assert_int_equal(L4_IpcErrorType(err), L4_IpcErrMsgOverflow);
    assert_true(L4_IpcErrorInReceivePhase(err));
    assert_int_equal(L4_IpcErrorOffset(err), 100);

    err = L4_IpcErrorEncode(0, L4_IpcErrNonExistingPartner, 0);
    assert_int_equal(err, 4);
    assert_false(L4_IpcErrorInReceivePhase(err));
    assert_int_equal(L4_IpcErrorType(err), L4_IpcErrNonExistingPartner);
}

static void ipc_error_strings_name_phase_and_type(void **state)
{
    (void) state;
    assert_string_equal(L4_IpcErrorCode_String(L4_IpcErrorEncode(1, L4_IpcErrTimeout, 0)),
                        "receive timeout");
    assert_string_equal(L4_IpcErrorCode_String(L4_IpcErrorEncode(0, L4_IpcErrAborted, 9)),
                        "send aborted");
    for (L4_Word_t err = 0; err < 16; err++)
        assert_non_null(L4_IpcErrorCode_String(err));
}

static void syscall_error_strings_cover_every_code(void **state)
{
    (void) state;
    assert_string_equal(L4_ErrorCode_String(L4_ErrOk), "ok");
    assert_string_equal(L4_ErrorCode_String(L4_ErrNoMem), "out of memory");
    assert_string_equal(L4_ErrorCode_String(L4_ErrInvalidThread), "invalid thread");
    assert_string_equal(L4_ErrorCode_String(9), "unknown error code");
    assert_int_equal(L4_ERROR_UTCB_AREA, L4_ErrUtcbArea);
}

/* ---- typed items ---- */

static void map_item_has_type_100_and_page_aligned_send_base(void **state)
{
    (void) state;
    L4_Fpage_t f = L4_FpageAddRights(L4_FpageLog2(0x40000, 14), L4_Readable);
    L4_MapItem_t m = L4_MapItem(f, 0x12345678);
    assert_int_equal(m.raw[0], 0x12345400UL | 0x8);
    assert_int_equal(m.raw[1], f.raw);
    assert_true(L4_IsMapItem(m));
    assert_int_equal(m.X.__type, 4);
    assert_int_equal(L4_MapItemSndBase(m), 0x12345400);
    assert_int_equal(L4_MapItemSndFpage(m).raw, f.raw);
}

static void grant_item_has_type_101(void **state)
{
    (void) state;
    L4_GrantItem_t g = L4_GrantItem(L4_FpageLog2(0x1000, 12), 0x3000);
    assert_int_equal(g.raw[0], 0x3000UL | 0xa);
    assert_true(L4_IsGrantItem(g));
    assert_int_equal(L4_GrantItemSndBase(g), 0x3000);
    assert_int_equal(L4_GrantItemSndFpage(g).raw, L4_FpageLog2(0x1000, 12).raw);

    L4_MapItem_t as_map;
    memcpy(&as_map, &g, sizeof(as_map));
    assert_false(L4_IsMapItem(as_map));
}

static void simple_string_item_has_length_and_one_pointer(void **state)
{
    (void) state;
    char text[] = "hello";
    L4_StringItem_t s = L4_StringItem(5, text);
    assert_int_equal(s.raw[0], 5UL << 10);
    assert_ptr_equal((void *) s.raw[1], text);
    assert_ptr_equal(s.X.str.string_ptr, text);
    assert_int_equal(s.X.string_length, 5);
    assert_true(L4_IsStringItem(&s));
    assert_false(L4_CompoundString(&s));
    assert_int_equal(L4_Substrings(&s), 1);
    assert_ptr_equal(L4_Substring(&s, 1), text);
}

static void map_item_is_not_a_string_item(void **state)
{
    (void) state;
    L4_MapItem_t m = L4_MapItem(L4_Nilpage, 0);
    L4_StringItem_t s;
    memcpy(&s, &m, sizeof(s));
    assert_false(L4_IsStringItem(&s));
}

static void substring_address_adds_a_pointer_to_the_last_piece(void **state)
{
    (void) state;
    char a[4], b[4], c[4];
    L4_Word_t w[8] = {0};
    L4_StringItem_t *s = (L4_StringItem_t *) w;
    *s = L4_StringItem(4, a);
    L4_AddSubstringAddressTo(s, b);
    L4_AddSubstringAddressTo(s, c);
    assert_int_equal(L4_Substrings(s), 3);
    assert_int_equal(w[0], (4UL << 10) | (2UL << 4));
    assert_ptr_equal(L4_Substring(s, 1), a);
    assert_ptr_equal(L4_Substring(s, 2), b);
    assert_ptr_equal(L4_Substring(s, 3), c);
}

static void substring_makes_a_compound_string(void **state)
{
    (void) state;
    char a[4], b[8];
    L4_Word_t w[8] = {0};
    L4_StringItem_t *s = (L4_StringItem_t *) w;
    L4_StringItem_t piece = L4_StringItem(8, b);
    *s = L4_StringItem(4, a);
    L4_StringItem_t *copy = L4_AddSubstringTo(s, &piece);
    assert_ptr_equal(copy, &w[2]);
    assert_true(L4_CompoundString(s));
    assert_int_equal(w[0], (4UL << 10) | (1UL << 9));
    assert_int_equal(w[2], 8UL << 10);
    assert_ptr_equal((void *) w[3], b);
    assert_false(L4_CompoundString(copy));
}

static void cache_hint_lives_in_bits_1_and_2(void **state)
{
    (void) state;
    L4_CacheAllocationHint_t hint = {4};
    L4_StringItem_t s = L4_AddCacheAllocationHint(L4_StringItem(1, (void *) 0), hint);
    assert_int_equal(s.raw[0] & 0xf, 4);
    assert_true(L4_IsStringItem(&s));
    assert_true(L4_IsCacheAllocationHintEqual(L4_CacheAllocationHint(s), hint));
    assert_true(
        L4_IsCacheAllocationHintNotEqual(L4_CacheAllocationHint(s), L4_UseDefaultCacheAllocation));
    L4_AddCacheAllocationHintTo(&s, L4_UseDefaultCacheAllocation);
    assert_int_equal(s.raw[0] & 0xf, 4);
}

/* ---- message objects ---- */

static void msg_put_then_get_round_trips_words_and_items(void **state)
{
    (void) state;
    L4_Msg_t msg;
    L4_Word_t words[3] = {10, 20, 30}, out_words[3] = {0};
    L4_MapItem_t item = L4_MapItem(L4_FpageLog2(0x8000, 15), 0x8000), out_item;
    L4_MsgPut(&msg, 0x1234, 3, words, 2, &item);
    L4_MsgTag_t tag = L4_MsgMsgTag(&msg);
    assert_int_equal(L4_Label(tag), 0x1234);
    assert_int_equal(L4_UntypedWords(tag), 3);
    assert_int_equal(L4_TypedWords(tag), 2);
    assert_int_equal(tag.X.flags, 0);
    assert_int_equal(msg.msg[1], 10);
    assert_int_equal(msg.msg[4], item.raw[0]);

    L4_MsgGet(&msg, out_words, &out_item);
    assert_memory_equal(out_words, words, sizeof(words));
    assert_memory_equal(&out_item, &item, sizeof(item));
}

static void msg_clear_leaves_an_empty_tag(void **state)
{
    (void) state;
    L4_Msg_t msg;
    msg.msg[0] = ~0UL;
    L4_MsgClear(&msg);
    assert_int_equal(msg.tag.raw, 0);
}

static void msg_append_word_moves_typed_items_up(void **state)
{
    (void) state;
    L4_Msg_t msg;
    L4_MapItem_t item = L4_MapItem(L4_FpageLog2(0x1000, 12), 0), got;
    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, 1);
    L4_MsgAppendMapItem(&msg, item);
    L4_MsgAppendWord(&msg, 2);
    assert_int_equal(L4_UntypedWords(msg.tag), 2);
    assert_int_equal(L4_TypedWords(msg.tag), 2);
    assert_int_equal(L4_MsgWord(&msg, 0), 1);
    assert_int_equal(L4_MsgWord(&msg, 1), 2);
    assert_int_equal(msg.msg[3], item.raw[0]);
    assert_int_equal(msg.msg[4], item.raw[1]);
    assert_int_equal(L4_MsgGetMapItem(&msg, 0, &got), 2);
    assert_memory_equal(&got, &item, sizeof(item));
}

static void msg_appends_grant_and_simple_string_items(void **state)
{
    (void) state;
    char text[16];
    L4_Msg_t msg;
    L4_GrantItem_t grant = L4_GrantItem(L4_FpageLog2(0x2000, 13), 0x4000), got_grant;
    L4_Word_t compound[4] = {(16UL << 10) | (1UL << 4) | (1UL << 9), (L4_Word_t) text, 0, 0};
    L4_StringItem_t got_string[2];
    L4_MsgClear(&msg);
    L4_MsgAppendGrantItem(&msg, grant);
    L4_MsgAppendSimpleStringItem(&msg, *(L4_StringItem_t *) compound);
    assert_int_equal(L4_TypedWords(msg.tag), 4);
    assert_int_equal(L4_MsgGetGrantItem(&msg, 0, &got_grant), 2);
    assert_true(L4_IsGrantItem(got_grant));
    assert_int_equal(L4_GrantItemSndBase(got_grant), 0x4000);
    /* Appended as a simple item: its j and c bits are dropped. */
    assert_int_equal(L4_MsgGetStringItem(&msg, 2, got_string), 2);
    assert_int_equal(got_string[0].raw[0], 16UL << 10);
    assert_ptr_equal(L4_Substring(got_string, 1), text);
}

static void msg_compound_string_item_round_trips_every_word(void **state)
{
    (void) state;
    char a[8], b[8], c[8];
    /* Two pieces: 8 bytes in a and b, then 8 bytes in c. */
    L4_Word_t compound[5] = {
        (8UL << 10) | (1UL << 4) | (1UL << 9),
        (L4_Word_t) a,
        (L4_Word_t) b,
        8UL << 10,
        (L4_Word_t) c,
    };
    L4_Word_t out[5] = {0};
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, 99);
    L4_MsgAppendStringItem(&msg, (L4_StringItem_t *) compound);
    assert_int_equal(L4_TypedWords(msg.tag), 5);
    assert_int_equal(L4_MsgGetStringItem(&msg, 0, (L4_StringItem_t *) out), 5);
    assert_memory_equal(out, compound, sizeof(compound));

    L4_Msg_t other;
    L4_MsgClear(&other);
    other.tag.X.u = 1;
    L4_MsgPutStringItem(&other, 0, (L4_StringItem_t *) compound);
    assert_memory_equal(&other.msg[2], compound, sizeof(compound));
}

static void msg_put_functions_address_untyped_and_typed_slots(void **state)
{
    (void) state;
    char text[4];
    L4_Msg_t msg;
    L4_Word_t w = 0;
    L4_MsgClear(&msg);
    msg.tag.X.u = 2;
    msg.tag.X.t = 6;
    L4_MsgPutWord(&msg, 1, 0xbeef);
    L4_MsgGetWord(&msg, 1, &w);
    assert_int_equal(w, 0xbeef);
    assert_int_equal(msg.msg[2], 0xbeef);
    L4_MsgPutMapItem(&msg, 0, L4_MapItem(L4_Nilpage, 0x1000));
    L4_MsgPutGrantItem(&msg, 2, L4_GrantItem(L4_Nilpage, 0x2000));
    L4_MsgPutSimpleStringItem(&msg, 4, L4_StringItem(4, text));
    assert_int_equal(msg.msg[3], 0x1000 | 0x8);
    assert_int_equal(msg.msg[5], 0x2000 | 0xa);
    assert_int_equal(msg.msg[7], 4UL << 10);
    assert_ptr_equal((void *) msg.msg[8], text);
}

static void msg_label_and_tag_setters(void **state)
{
    (void) state;
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, 5);
    L4_Set_MsgLabel(&msg, 0x4242);
    assert_int_equal(L4_MsgLabel(&msg), 0x4242);
    assert_int_equal(L4_UntypedWords(msg.tag), 1);
    L4_MsgTag_t tag = L4_MsgTagAddLabel(L4_Niltag, 7);
    L4_Set_MsgMsgTag(&msg, tag);
    assert_int_equal(L4_MsgMsgTag(&msg).raw, tag.raw);
}

/* ---- acceptors and string buffers ---- */

static void basic_acceptors_have_x2_encodings(void **state)
{
    (void) state;
    assert_int_equal(L4_UntypedWordsAcceptor.raw, 0);
    assert_int_equal(L4_StringItemsAcceptor.raw, 1);
    assert_true(L4_HasStringItems(L4_StringItemsAcceptor));
    assert_false(L4_HasMapGrantItems(L4_StringItemsAcceptor));
}

static void map_grant_acceptor_keeps_window_and_drops_rights(void **state)
{
    (void) state;
    L4_Fpage_t window = L4_FpageAddRights(L4_FpageLog2(0x100000, 20), L4_FullyAccessible);
    L4_Acceptor_t a = L4_MapGrantItems(window);
    assert_int_equal(a.raw, 0x100000UL | (20 << 4));
    assert_true(L4_HasMapGrantItems(a));
    assert_false(L4_HasStringItems(a));
    assert_int_equal(L4_RcvWindow(a).raw, L4_FpageLog2(0x100000, 20).raw);
    assert_int_equal(a.X.RcvWindow, (0x100000UL | (20 << 4)) >> 4);
}

static void acceptors_add_and_remove(void **state)
{
    (void) state;
    L4_Acceptor_t window = L4_MapGrantItems(L4_CompleteAddressSpace);
    L4_Acceptor_t both = L4_AddAcceptor(window, L4_StringItemsAcceptor);
    assert_int_equal(both.raw, 0x11);
    assert_int_equal(L4_RemoveAcceptor(both, L4_StringItemsAcceptor).raw, 0x10);
    assert_int_equal(L4_RemoveAcceptor(both, window).raw, 0x1);

    L4_Acceptor_t a = L4_UntypedWordsAcceptor;
    L4_AddAcceptorTo(&a, window);
    L4_AddAcceptorTo(&a, L4_StringItemsAcceptor);
    assert_int_equal(a.raw, 0x11);
    /* A later window replaces the earlier one. */
    L4_AddAcceptorTo(&a, L4_MapGrantItems(L4_FpageLog2(0x400000, 22)));
    assert_int_equal(a.raw, 0x400000UL | (22 << 4) | 1);
    L4_RemoveAcceptorFrom(&a, L4_StringItemsAcceptor);
    assert_int_equal(a.raw, 0x400000UL | (22 << 4));
}

static void msgbuffer_first_simple_string_marks_buffer_used(void **state)
{
    (void) state;
    char text[32];
    L4_MsgBuffer_t buf;
    memset(&buf, 0x5a, sizeof(buf));
    L4_MsgBufferClear(&buf);
    L4_MsgBufferAppendSimpleRcvString(&buf, L4_StringItem(32, text));
    assert_int_equal(buf.raw[0], 32UL << 10);
    assert_ptr_equal((void *) buf.raw[1], text);
    assert_int_equal(buf.raw[2], ~0UL);
    assert_int_equal(buf.string[0].X.string_length, 32);
}

static void msgbuffer_strings_are_chained_by_the_C_bit(void **state)
{
    (void) state;
    char a[8], b[8];
    L4_MsgBuffer_t buf;
    L4_MsgBufferClear(&buf);
    L4_MsgBufferAppendSimpleRcvString(&buf, L4_StringItem(8, a));
    L4_MsgBufferAppendSimpleRcvString(&buf, L4_StringItem(4, b));
    assert_int_equal(buf.raw[0], (8UL << 10) | 1);
    assert_int_equal(buf.raw[2], 4UL << 10);
    assert_ptr_equal((void *) buf.raw[3], b);
}

static void msgbuffer_takes_compound_receive_strings(void **state)
{
    (void) state;
    char a[8], b[8], c[8];
    L4_Word_t compound[5] = {
        (8UL << 10) | (1UL << 4) | (1UL << 9),
        (L4_Word_t) a,
        (L4_Word_t) b,
        8UL << 10,
        (L4_Word_t) c,
    };
    L4_MsgBuffer_t buf;
    L4_MsgBufferClear(&buf);
    L4_MsgBufferAppendRcvString(&buf, (L4_StringItem_t *) compound);
    L4_MsgBufferAppendSimpleRcvString(&buf, L4_StringItem(8, a));
    assert_int_equal(buf.raw[0], compound[0] | 1);
    assert_memory_equal(&buf.raw[1], &compound[1], 4 * sizeof(L4_Word_t));
    assert_int_equal(buf.raw[5], 8UL << 10);
    assert_ptr_equal((void *) buf.raw[6], a);
}

/* ---- registers (scratch UTCB) ---- */

static void message_registers_round_trip(void **state)
{
    (void) state;
    L4_Word_t in[4] = {1, 2, 3, 4}, out[4] = {0}, w = 0;
    L4_LoadMR(63, 0x63);
    L4_StoreMR(63, &w);
    assert_int_equal(w, 0x63);
    assert_int_equal(l4sim_utcb()->mr[63], 0x63);
    L4_LoadMRs(10, 4, in);
    L4_StoreMRs(10, 4, out);
    assert_memory_equal(in, out, sizeof(in));
    L4_Set_MsgTag(L4_MsgTagAddLabel(L4_Niltag, 3));
    assert_int_equal(L4_Label(L4_MsgTag()), 3);
    assert_int_equal(l4sim_utcb()->mr[0], 3UL << 16);
}

static void msg_load_and_store_copy_only_the_announced_words(void **state)
{
    (void) state;
    L4_Msg_t msg, back;
    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, 0x11);
    L4_MsgAppendWord(&msg, 0x22);
    L4_MsgAppendMapItem(&msg, L4_MapItem(L4_FpageLog2(0x1000, 12), 0));
    l4sim_utcb()->mr[5] = 0x5555;
    L4_MsgLoad(&msg);
    assert_int_equal(l4sim_utcb()->mr[0], msg.msg[0]);
    assert_int_equal(l4sim_utcb()->mr[2], 0x22);
    assert_int_equal(l4sim_utcb()->mr[5], 0x5555);

    memset(&back, 0, sizeof(back));
    L4_MsgStore(L4_MsgTag(), &back);
    assert_memory_equal(back.msg, msg.msg, 5 * sizeof(L4_Word_t));
    assert_int_equal(back.msg[5], 0);
}

static void accept_strings_copies_acceptor_and_buffer_into_brs(void **state)
{
    (void) state;
    char a[8], b[8];
    /* Fully initialised: gcc -O3 cannot see that only four words are read. */
    L4_MsgBuffer_t buf = {{0}};
    L4_Word_t br = 0;
    L4_MsgBufferClear(&buf);
    L4_MsgBufferAppendSimpleRcvString(&buf, L4_StringItem(8, a));
    L4_MsgBufferAppendSimpleRcvString(&buf, L4_StringItem(8, b));
    l4sim_utcb()->br[5] = 0x77;
    L4_AcceptStrings(L4_StringItemsAcceptor, &buf);
    assert_int_equal(L4_Accepted().raw, 1);
    assert_memory_equal(&l4sim_utcb()->br[1], buf.raw, 4 * sizeof(L4_Word_t));
    assert_int_equal(l4sim_utcb()->br[5], 0x77);
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_StoreBR(0, &br);
    assert_int_equal(br, 0x10);
}

static void thread_control_registers_map_to_utcb_fields(void **state)
{
    (void) state;
    struct l4sim_utcb *u = l4sim_utcb();
    L4_Set_UserDefinedHandle(0xfeed);
    assert_int_equal(u->user_defined_handle, 0xfeed);
    assert_int_equal(L4_UserDefinedHandle(), 0xfeed);
    L4_Set_Pager(L4_GlobalId(9, 1));
    assert_int_equal(u->pager, L4_GlobalId(9, 1).raw);
    L4_Set_ExceptionHandler(L4_GlobalId(10, 1));
    assert_int_equal(L4_ExceptionHandler().raw, L4_GlobalId(10, 1).raw);
    L4_Set_XferTimeouts(L4_Timeouts(L4_ZeroTime, L4_ZeroTime));
    assert_int_equal(u->xfer_timeouts, 0x04000400UL);
    L4_Set_VirtualSender(L4_GlobalId(11, 1));
    assert_int_equal(L4_ActualSender().raw, L4_GlobalId(11, 1).raw);
    L4_Set_ThreadWord(1, 0xabc);
    assert_int_equal(u->thread_word[1], 0xabc);
    assert_int_equal(L4_ThreadWord(1), 0xabc);
    assert_int_equal(L4_MyGlobalId().raw, u->my_global_id);
    assert_int_equal(L4_MyLocalId().raw, u->my_local_id);
    assert_int_equal(L4_ErrorCode(), u->error_code);
}

/* ---- thread state, KIP ---- */

static void thread_state_bits_follow_the_exregs_control_word(void **state)
{
    (void) state;
    L4_ThreadState_t s = {L4_EXREGS_HALT_FLAG | L4_EXREGS_SEND_FLAG};
    assert_true(L4_ThreadWasHalted(s));
    assert_true(L4_ThreadWasSending(s));
    assert_false(L4_ThreadWasReceiving(s));
    assert_true(L4_ThreadWasIpcing(s));
    s.raw = L4_EXREGS_RECV_FLAG;
    assert_false(L4_ThreadWasHalted(s));
    assert_true(L4_ThreadWasIpcing(s));
    s.raw = 0;
    assert_false(L4_ThreadWasIpcing(s));
}

/* Kernel IDs are (id << 8) | subid, found in KernelId's bits 16..31. */
static void kernel_id_constants_decode_to_their_id_and_subid(void **state)
{
    (void) state;
    static const struct {
        L4_Word_t kid, id, subid;
    } kids[] = {
        {L4_KID_L4_486, 0, 1},          {L4_KID_L4_PENTIUM, 0, 2},
        {L4_KID_L4_X86, 0, 3},          {L4_KID_L4_MIPS, 1, 1},
        {L4_KID_L4_ALPHA, 2, 1},        {L4_KID_FIASCO, 3, 1},
        {L4_KID_L4KA_HAZELNUT, 4, 1},   {L4_KID_L4KA_PISTACHIO, 4, 2},
        {L4_KID_L4KA_STRAWBERRY, 4, 3}, {L4_KID_NICTA_PISTACHIO, 5, 1},
        {L4_KID_L4SIM, 0x2a, 0},
    };
    for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
        L4_KernelId_t k = {.raw = kids[i].kid << 16};
        assert_int_equal(k.x.id, kids[i].id);
        assert_int_equal(k.x.subid, kids[i].subid);
    }
}

/* A supplier is its four characters in memory order, read as a little-endian word. */
static void supplier_constants_spell_their_names(void **state)
{
    (void) state;
    static const struct {
        L4_Word_t supl;
        char name[5];
    } suppliers[] = {
        {L4_SUPL_GMD, "GMD "}, {L4_SUPL_IBM, "IBM "},   {L4_SUPL_UNSW, "UNSW"},
        {L4_SUPL_UKA, "UKa "}, {L4_SUPL_NICTA, "NICT"}, {L4_SUPL_L4SIM, "l4sm"},
    };
    for (size_t i = 0; i < sizeof(suppliers) / sizeof(suppliers[0]); i++) {
        L4_Word_t w = 0;
        for (int c = 3; c >= 0; c--)
            w = (w << 8) | (unsigned char) suppliers[i].name[c];
        assert_int_equal(suppliers[i].supl, w);
    }
}

/* A KIP built from raw words at their X.2 64-bit word indices. */
static void kip_accessors_read_raw_words_at_x2_positions(void **state)
{
    (void) state;
    static L4_Word_t k[160];
    memset(k, 0, sizeof(k));
    k[0] = L4_KIP_MAGIC;
    k[1] = (L4_Word_t) L4_APIVERSION_X2 << 24;
    k[2] = L4_APIFLAG_64BIT << 2;
    k[3] = 80 * 8;                               /* kernel descriptor at word 80 */
    k[21] = (104UL * 8 << 32) | 2;               /* 2 memory descriptors at word 104 */
    k[42] = (14UL << 16) | (10UL << 10) | 2;     /* UTCB: s 14, a 10, m 2 */
    k[43] = 12;                                  /* KIP area 4 KiB */
    k[46] = 0xb007;                              /* boot info */
    k[47] = 96 * 8;                              /* processor descriptors at word 96 */
    k[48] = 5 | (7UL << 16);                     /* clock precisions */
    k[49] = (0x40UL << 20) | (0x10UL << 8) | 18; /* user base 64, system base 16, t 18 */
    k[50] = ((1UL << 12) | (1UL << 21)) | 5;     /* 4K and 2M pages, r-x */
    k[51] = (5UL << 60) | 1;                     /* 2 processors, 32-byte descriptors */
    k[80] = 0x2aUL << 24;
    k[81] = (26UL << 9) | (11UL << 5) | 21;
    k[82] = 0x00010002UL;
    memcpy(&k[83], "l4sm", 4);
    memcpy(&k[84], "version\0feat-a\0feat-b\0", 23);
    k[96 + 4] = 1000; /* cpu 1: external frequency */
    k[96 + 5] = 2000;
    k[104] = 0x1000 | (1UL << 9) | L4_ConventionalMemoryType;
    k[105] = 0x7fffff000UL;
    k[106] = 0x100000 | (3UL << 4) | L4_BootLoaderSpecificMemoryType;
    k[107] = 0x1ff000;

    void *kip = k;
    L4_KernelInterfacePage_t *p = kip;
    assert_int_equal(p->magic, L4_MAGIC);
    assert_int_equal(p->ApiVersion.x.version, L4_APIVERSION_X2);
    assert_int_equal(p->ApiFlags.x.ww, L4_APIFLAG_64BIT);
    assert_int_equal(L4_ThreadIdBits(kip), 18);
    assert_int_equal(L4_ThreadIdSystemBase(kip), 0x10);
    assert_int_equal(L4_ThreadIdUserBase(kip), 0x40);
    assert_int_equal(L4_Sigma0Id(kip).raw, L4_GlobalId(0x40, 1).raw);
    assert_int_equal(L4_UtcbAreaSizeLog2(kip), 14);
    assert_int_equal(L4_UtcbAreaSize(kip), 1 << 14);
    assert_int_equal(L4_UtcbAlignmentLog2(kip), 10);
    assert_int_equal(L4_UtcbSize(kip), 2048);
    assert_int_equal(L4_KipAreaSizeLog2(kip), 12);
    assert_int_equal(L4_KipAreaSize(kip), 4096);
    assert_int_equal(L4_BootInfo(kip), 0xb007);
    assert_int_equal(L4_ReadPrecision(kip), 5);
    assert_int_equal(L4_SchedulePrecision(kip), 7);
    assert_int_equal(L4_PageSizeMask(kip), (1UL << 12) | (1UL << 21));
    assert_int_equal(L4_PageRights(kip), 5);
    assert_int_equal(L4_NumProcessors(kip), 2);

    L4_Word_t y, m, d;
    L4_KernelGenDate(kip, &y, &m, &d);
    assert_int_equal(y, 2026);
    assert_int_equal(m, 11);
    assert_int_equal(d, 21);
    assert_int_equal(L4_KernelVersion(kip), 0x00010002UL);
    assert_memory_equal(&k[83], "l4sm", 4);
    assert_int_equal(L4_KernelSupplier(kip), k[83]);
    assert_string_equal(L4_KernelVersionString(kip), "version");
    assert_string_equal(L4_Feature(kip, 0), "feat-a");
    assert_string_equal(L4_Feature(kip, 1), "feat-b");
    assert_null(L4_Feature(kip, 2));

    assert_int_equal(L4_NumMemoryDescriptors(kip), 2);
    L4_MemoryDesc_t *md = L4_MemoryDesc(kip, 0);
    assert_ptr_equal(md, &k[104]);
    assert_int_equal(L4_MemoryDescType(md), L4_ConventionalMemoryType);
    assert_true(L4_IsMemoryDescVirtual(md));
    assert_int_equal(L4_MemoryDescLow(md), 0x1000);
    assert_int_equal(L4_MemoryDescHigh(md), 0x7fffff3ffUL);
    md = L4_MemoryDesc(kip, 1);
    assert_int_equal(L4_MemoryDescType(md), 0x3e);
    assert_false(L4_IsMemoryDescVirtual(md));
    assert_null(L4_MemoryDesc(kip, 2));

    L4_ProcDesc_t *pd = L4_ProcDesc(kip, 1);
    assert_ptr_equal(pd, &k[100]);
    assert_int_equal(L4_ProcDescExternalFreq(pd), 1000);
    assert_int_equal(L4_ProcDescInternalFreq(pd), 2000);
    assert_null(L4_ProcDesc(kip, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(global_id_puts_thread_number_high_and_version_low),
        cmocka_unit_test(global_id_truncates_version_to_32_bits),
        cmocka_unit_test(id_with_nonzero_low_six_bits_is_global),
        cmocka_unit_test(id_with_six_low_zero_bits_is_local),
        cmocka_unit_test(special_thread_ids_have_their_x2_values),
        cmocka_unit_test(thread_equality_compares_whole_ids),
        cmocka_unit_test(fpage_of_power_of_two_size_keeps_base_and_size),
        cmocka_unit_test(fpage_size_rounds_up_to_next_power_of_two),
        cmocka_unit_test(fpage_of_size_zero_or_one_has_no_size),
        cmocka_unit_test(fpage_address_ignores_base_bits_below_the_size),
        cmocka_unit_test(fpage_log2_stores_the_exponent_verbatim),
        cmocka_unit_test(fpage_rights_can_be_added_removed_and_set),
        cmocka_unit_test(nilpage_and_complete_address_space_have_x2_encodings),
        cmocka_unit_test(unmap_status_bits_reuse_the_rights_positions),
        cmocka_unit_test(clock_arithmetic_and_ordering),
        cmocka_unit_test(never_is_zero_and_zerotime_is_exponent_one),
        cmocka_unit_test(timeperiod_of_zero_is_zerotime_not_never),
        cmocka_unit_test(timeperiod_below_1024_is_exact_with_exponent_0),
        cmocka_unit_test(timeperiod_of_1024_has_mantissa_512_exponent_1),
        cmocka_unit_test(timeperiod_of_one_second_has_exponent_10),
        cmocka_unit_test(timeperiod_truncates_bits_below_the_mantissa),
        cmocka_unit_test(timeperiod_of_a_variable_equals_that_of_the_constant),
        cmocka_unit_test(timeperiod_up_to_2_pow_41_uses_exponent_31),
        cmocka_unit_test(timeperiod_of_2_pow_41_or_more_is_never),
        cmocka_unit_test(time_comparisons_compare_durations_not_encodings),
        cmocka_unit_test(msgtag_packs_u_t_flags_and_label),
        cmocka_unit_test(msgtag_add_label_keeps_counts_and_flags),
        cmocka_unit_test(negative_protocol_label_is_cut_to_48_bits),
        cmocka_unit_test(pagefault_tag_carries_the_faulting_access),
        cmocka_unit_test(ipc_result_flags_decode_from_the_tag),
        cmocka_unit_test(timeouts_word_puts_send_timeout_high),
        cmocka_unit_test(ipc_error_code_decodes_phase_type_and_offset),
        cmocka_unit_test(ipc_error_strings_name_phase_and_type),
        cmocka_unit_test(syscall_error_strings_cover_every_code),
        cmocka_unit_test(map_item_has_type_100_and_page_aligned_send_base),
        cmocka_unit_test(grant_item_has_type_101),
        cmocka_unit_test(simple_string_item_has_length_and_one_pointer),
        cmocka_unit_test(map_item_is_not_a_string_item),
        cmocka_unit_test(substring_address_adds_a_pointer_to_the_last_piece),
        cmocka_unit_test(substring_makes_a_compound_string),
        cmocka_unit_test(cache_hint_lives_in_bits_1_and_2),
        cmocka_unit_test(msg_put_then_get_round_trips_words_and_items),
        cmocka_unit_test(msg_clear_leaves_an_empty_tag),
        cmocka_unit_test(msg_append_word_moves_typed_items_up),
        cmocka_unit_test(msg_appends_grant_and_simple_string_items),
        cmocka_unit_test(msg_compound_string_item_round_trips_every_word),
        cmocka_unit_test(msg_put_functions_address_untyped_and_typed_slots),
        cmocka_unit_test(msg_label_and_tag_setters),
        cmocka_unit_test(basic_acceptors_have_x2_encodings),
        cmocka_unit_test(map_grant_acceptor_keeps_window_and_drops_rights),
        cmocka_unit_test(acceptors_add_and_remove),
        cmocka_unit_test(msgbuffer_first_simple_string_marks_buffer_used),
        cmocka_unit_test(msgbuffer_strings_are_chained_by_the_C_bit),
        cmocka_unit_test(msgbuffer_takes_compound_receive_strings),
        cmocka_unit_test(message_registers_round_trip),
        cmocka_unit_test(msg_load_and_store_copy_only_the_announced_words),
        cmocka_unit_test(accept_strings_copies_acceptor_and_buffer_into_brs),
        cmocka_unit_test(thread_control_registers_map_to_utcb_fields),
        cmocka_unit_test(thread_state_bits_follow_the_exregs_control_word),
        cmocka_unit_test(kernel_id_constants_decode_to_their_id_and_subid),
        cmocka_unit_test(supplier_constants_spell_their_names),
        cmocka_unit_test(kip_accessors_read_raw_words_at_x2_positions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
