# Flags for bertpp's own tests and examples (never imposed on host apps).
function(bertpp_configure_target target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(BERTPP_NATIVE)
    target_compile_options(${target} PRIVATE -march=native
                                             # GCC 12 reports false (maybe-)uninitialized warnings
                                             # inside Eigen's AVX-512 packet code (GEMM packing,
                                             # pmin/pmax), whose intrinsics take undefined inputs.
                                             $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>
                                             $<$<CXX_COMPILER_ID:GNU>:-Wno-uninitialized>)
  endif()
  if(BERTPP_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined
                                             # GCC 12 reports false maybe-uninitialized warnings
                                             # inside libstdc++'s <regex>/<functional> under ASan.
                                             $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
