# The <l4/...> user API (include/l4). api_headers_* compile every header in
# each supported language mode with warnings as errors, link against the
# library and check a few values; test_api_encoding checks the pure
# encoders and decoders, with the MR/BR accessors on the scratch UTCB that
# a thread outside a running system sees.

# -pedantic-errors holds for C11: the 64-bit bit-fields use implementation
# defined field types, which ISO C11 permits, and nothing else is GNU C.
l4sim_test(api_headers_c11 api_headers.c)
set_target_properties(api_headers_c11 PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF)
target_compile_options(api_headers_c11 PRIVATE -Wall -Wextra -Werror -pedantic-errors)

l4sim_test(api_headers_gnu11 api_headers.c)
set_target_properties(api_headers_gnu11 PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
target_compile_options(api_headers_gnu11 PRIVATE -Wall -Wextra -Werror)

l4sim_test(api_headers_cxx11 api_headers.cc)
set_target_properties(api_headers_cxx11 PROPERTIES CXX_STANDARD 11 CXX_STANDARD_REQUIRED ON
                                                   CXX_EXTENSIONS OFF)
target_compile_options(api_headers_cxx11 PRIVATE -Wall -Wextra -Werror)

l4sim_test(test_api_encoding test_api_encoding.c)
target_compile_options(test_api_encoding PRIVATE -Wall -Wextra -Werror)
