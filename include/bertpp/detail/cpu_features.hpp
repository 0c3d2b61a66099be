// What this CPU can run, read once per process, and the cap on it that
// users and tests set (bertpp::set_cpu_features, environment BERTPP_ISA).
// The SIMD kernels are compiled into the headers with function-level target
// attributes, so a build without -march still runs AVX2 or AVX-512 code;
// every kernel asks cpu_level() which one to run.
#pragma once

#include "bertpp/error.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BERTPP_X86_KERNELS 1
#include <cpuid.h>
#else
#define BERTPP_X86_KERNELS 0
#endif

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

#if BERTPP_X86_KERNELS && defined(__linux__)
#include <sys/syscall.h>
#endif

// Compilers that know the AMX target attributes and intrinsics: GCC 11+,
// clang 12+. Older ones build no AMX kernel, so the amx level is never
// reported.
#if BERTPP_X86_KERNELS && ((defined(__clang__) && __clang_major__ >= 12) || \
                           (!defined(__clang__) && __GNUC__ >= 11))
#define BERTPP_AMX_KERNELS 1
#else
#define BERTPP_AMX_KERNELS 0
#endif

namespace bertpp {

// The instruction-set levels bertpp has kernels for, in increasing order.
// Avx2: AVX2 + FMA. Avx512: AVX-512 F/BW/DQ/VL (its int8 kernel also needs
// AVX-512 VNNI; without it int8 runs the AVX2 kernels). Amx: Avx512 plus
// AMX-INT8 tiles for the int8 GEMM (float32 runs the AVX-512 kernels).
enum class InstructionSet { Portable = 0, Avx2 = 1, Avx512 = 2, Amx = 3 };

inline const char* instruction_set_name(InstructionSet level) {
  switch (level) {
    case InstructionSet::Avx2: return "avx2";
    case InstructionSet::Avx512: return "avx512";
    case InstructionSet::Amx: return "amx";
    case InstructionSet::Portable: break;
  }
  return "portable";
}

namespace detail {

struct CpuInfo {
  bool avx2_fma = false;     // AVX2 + FMA3 (and the OS saves ymm state)
  bool avx512 = false;       // AVX-512 F, BW, DQ, VL (and the OS saves zmm state)
  bool avx512_vnni = false;  // vpdpbusd on zmm
  bool avx_vnni = false;     // vpdpbusd on ymm without AVX-512 (VEX encoded)
  bool amx_int8 = false;     // AMX tiles with tdpbusd, enabled by the OS (see amx_permitted())
  long l1d_bytes = 32 * 1024;    // per core; defaults where the OS does not say
  long l2_bytes = 1024 * 1024;

  InstructionSet best() const {
    return avx512 && avx2_fma && amx_int8 && avx512_vnni ? InstructionSet::Amx
           : avx512 && avx2_fma                          ? InstructionSet::Avx512
           : avx2_fma                                    ? InstructionSet::Avx2
                                                         : InstructionSet::Portable;
  }
};

// AMX tile data is not saved by the OS unless the process asks first (Linux
// 5.16+: arch_prctl ARCH_REQ_XCOMP_PERM for XTILEDATA); a process-wide
// grant, inherited by threads and forked children. False where it is
// refused or the OS has no such request. The grant has a cost for the host
// (Linux then refuses sigaltstack stacks too small for the tile state), so
// it is asked for only when an int8 product is about to run on AMX
// (amx_permitted()), never by float32-only programs or under a lower cap.
inline bool request_amx_permission() {
#if BERTPP_X86_KERNELS && defined(__linux__) && defined(SYS_arch_prctl)
  constexpr long kRequestPermission = 0x1023, kTileData = 18;  // ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA
  return ::syscall(SYS_arch_prctl, kRequestPermission, kTileData) == 0;
#else
  return false;
#endif
}

inline CpuInfo detect_cpu() {
  CpuInfo info;
#if BERTPP_X86_KERNELS
  // libgcc / compiler-rt check the OS-enabled register state (XGETBV) too.
  __builtin_cpu_init();
  info.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  info.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  info.avx512_vnni = info.avx512 && __builtin_cpu_supports("avx512vnni");
  // AVX-VNNI: CPUID leaf 7 sub-leaf 1, EAX bit 4 (not every compiler's
  // __builtin_cpu_supports knows it); its ymm state is AVX2's.
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) info.avx_vnni = info.avx2_fma && (eax & (1u << 4));
  // AMX-TILE and AMX-INT8: leaf 7 sub-leaf 0, EDX bits 24 and 25; the OS
  // must enable the tile state in XCR0 (bits 17, 18) and grant it.
  // (avx512_vnni implies the OS saves AVX-512 state, so XGETBV exists.)
  if (BERTPP_AMX_KERNELS && info.avx512_vnni && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) &&
      (edx & (1u << 24)) && (edx & (1u << 25))) {
    unsigned xcr0_low = 0, xcr0_high = 0;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    const unsigned tile_state = (1u << 17) | (1u << 18);
    info.amx_int8 = (xcr0_low & tile_state) == tile_state;
  }
#endif
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE)
  const long l1 = ::sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = ::sysconf(_SC_LEVEL2_CACHE_SIZE);
  if (l1 >= 16 * 1024 && l1 <= 4 * 1024 * 1024) info.l1d_bytes = l1;
  if (l2 >= 128 * 1024 && l2 <= 64 * 1024 * 1024) info.l2_bytes = l2;
#endif
  return info;
}

// Detected once per process.
inline const CpuInfo& cpu_info() {
  static const CpuInfo info = detect_cpu();
  return info;
}

// True when this process may run AMX code: the CPU and OS have it and the
// OS granted the tile state (asked once per process, on the first call).
inline bool amx_permitted() {
  static const bool permitted = cpu_info().amx_int8 && request_amx_permission();
  return permitted;
}

// "portable" | "avx2" | "avx512" | "amx" (case-sensitive, as documented).
inline InstructionSet parse_instruction_set(const std::string& name, const std::string& where) {
  if (name == "portable") return InstructionSet::Portable;
  if (name == "avx2") return InstructionSet::Avx2;
  if (name == "avx512") return InstructionSet::Avx512;
  if (name == "amx") return InstructionSet::Amx;
  detail::throw_error<ConfigError>(
      {where, ": '", name, "' is not an instruction set; use portable, avx2, avx512 or amx"});
}

// The cap: the highest level kernels may use. Starts at BERTPP_ISA when set,
// else unlimited; a cap above what the CPU has means the CPU's best.
inline std::atomic<int>& cpu_cap() {
  static std::atomic<int> cap([] {
    const char* env = std::getenv("BERTPP_ISA");
    if (!env || !*env) return static_cast<int>(InstructionSet::Amx);
    return static_cast<int>(parse_instruction_set(env, "environment variable BERTPP_ISA"));
  }());
  return cap;
}

// The level every kernel runs now: min(cap, what the CPU has).
inline InstructionSet cpu_level() {
  const int cap = cpu_cap().load(std::memory_order_relaxed);
  return static_cast<InstructionSet>(std::min(cap, static_cast<int>(cpu_info().best())));
}

// int8 kernels: "amx", "avx512-vnni", "avx-vnni", "avx2" or "portable".
enum class Int8Path { Portable, Avx2, AvxVnni, Avx512Vnni, Amx };

inline Int8Path int8_path() {
  const InstructionSet level = cpu_level();
  const CpuInfo& cpu = cpu_info();
  if (level == InstructionSet::Amx)  // (best() saw avx512_vnni: the kernel if the OS refuses AMX)
    return amx_permitted() ? Int8Path::Amx : Int8Path::Avx512Vnni;
  if (level == InstructionSet::Avx512 && cpu.avx512_vnni) return Int8Path::Avx512Vnni;
  if (level >= InstructionSet::Avx2 && cpu.avx_vnni) return Int8Path::AvxVnni;
  if (level >= InstructionSet::Avx2) return Int8Path::Avx2;
  return Int8Path::Portable;
}

inline const char* int8_path_name(Int8Path path) {
  switch (path) {
    case Int8Path::Amx: return "amx";
    case Int8Path::Avx512Vnni: return "avx512-vnni";
    case Int8Path::AvxVnni: return "avx-vnni";
    case Int8Path::Avx2: return "avx2";
    case Int8Path::Portable: break;
  }
  return "portable";
}

}  // namespace detail
}  // namespace bertpp
