#pragma once
// FNV-1a, 64 bits (Fowler–Noll–Vo, draft-eastlake-fnv): a stable hash of bytes for random-stream
// ids and for checksums that stored files hold. Its values must never change.

#include <cstdint>
#include <string_view>

namespace airace {

inline constexpr std::uint64_t kFnv1a64OffsetBasis = 14695981039346656037ULL;
inline constexpr std::uint64_t kFnv1a64Prime = 1099511628211ULL;
// The starting value of the hashes in sweep plans and sweep batch files: FNV's offset basis with
// its last digit lost. Stored sweeps hold hashes started from it, so it stays.
inline constexpr std::uint64_t kSweepFileFnvBasis = 1469598103934665603ULL;

// The hash of `bytes` started from `basis`: FNV's offset basis for a fresh hash, or the hash of
// what came before, to hash several pieces as one (fnv1a64(b, fnv1a64(a)) == fnv1a64(a + b)).
[[nodiscard]] constexpr std::uint64_t fnv1a64(std::string_view bytes,
                                              std::uint64_t basis = kFnv1a64OffsetBasis) noexcept {
  std::uint64_t h = basis;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnv1a64Prime;
  }
  return h;
}

}  // namespace airace
