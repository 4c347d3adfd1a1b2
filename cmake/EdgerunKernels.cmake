# ISA kernel files: each compiled with its own flags, nothing else with them.
#
# edgerun_add_isa_kernels(<target>) adds, on x86-64 only, src/kernels/x86/*-avx2.cc
# to <target> with -mavx2 -mfma -mf16c, src/kernels/x86/*-avx512f.cc with
# -mavx512f -mfma only (so their dispatch tests just AVX-512F and FMA),
# src/kernels/x86/*-avx512vnni.cc with the AVX-512 F/BW/VL/VNNI flags besides
# the AVX2 ones, src/kernels/x86/*-avx512bw.cc with -mavx2 -mfma and the
# AVX-512 F/BW/VL/DQ flags (no VNNI; their dispatch tests F/BW/VL only, so
# their object code must hold no DQ instruction: check it with objdump), and
# defines EDGERUN_HAVE_X86_KERNELS=1 for the target (read only by
# src/kernels/dispatch.cc, which fills the function tables after run-time CPU
# detection). The rest of the library stays portable.
set(EDGERUN_AVX2_FLAGS -mavx2 -mfma -mf16c)
# -Wno-uninitialized: GCC 12's AVX-512 headers trip it on their own
# _mm512_undefined_epi32() placeholders (a false positive inside the intrinsics).
set(EDGERUN_AVX512F_FLAGS -mavx512f -mfma -Wno-uninitialized)
set(EDGERUN_AVX512VNNI_FLAGS -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni -Wno-uninitialized)
set(EDGERUN_AVX512BW_FLAGS -mavx2 -mfma -mavx512f -mavx512bw -mavx512vl -mavx512dq -Wno-uninitialized)

function(edgerun_add_isa_kernels target)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    file(GLOB avx2_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/kernels/x86/*-avx2.cc)
    target_sources(${target} PRIVATE ${avx2_sources})
    set_source_files_properties(${avx2_sources} PROPERTIES COMPILE_OPTIONS "${EDGERUN_AVX2_FLAGS}")
    file(GLOB avx512f_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/kernels/x86/*-avx512f.cc)
    target_sources(${target} PRIVATE ${avx512f_sources})
    set_source_files_properties(${avx512f_sources} PROPERTIES COMPILE_OPTIONS "${EDGERUN_AVX512F_FLAGS}")
    file(GLOB avx512vnni_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/kernels/x86/*-avx512vnni.cc)
    target_sources(${target} PRIVATE ${avx512vnni_sources})
    set_source_files_properties(${avx512vnni_sources} PROPERTIES COMPILE_OPTIONS "${EDGERUN_AVX512VNNI_FLAGS}")
    file(GLOB avx512bw_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/kernels/x86/*-avx512bw.cc)
    target_sources(${target} PRIVATE ${avx512bw_sources})
    set_source_files_properties(${avx512bw_sources} PROPERTIES COMPILE_OPTIONS "${EDGERUN_AVX512BW_FLAGS}")
    target_compile_definitions(${target} PRIVATE EDGERUN_HAVE_X86_KERNELS=1)
  endif()
endfunction()
