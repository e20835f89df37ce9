#pragma once
// Counter-based random numbers (Random123 Philox4x64-10).
//
// Every draw is a pure function of (seed, replicate, stream, step, entity, draw index), so a
// result never depends on the thread that computes it or the order in which work is scheduled.
// Never seed per thread or per MPI rank; key a stream by what is being drawn.

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <numbers>

namespace airace {

// A purpose of random draws. The engine names its own; each mechanism names its streams in its
// own header (agents/supply.hpp: kBuyerDemandStream, ...), and the assembly refuses two modules
// using one number. A new purpose gets a new number; existing numbers never change, or stored
// results would no longer reproduce.
enum class Stream : uint32_t {
  test = 0,
  sweep_design = 100,  // sweep designs, bootstrap resamples and uncertain-parameter draws
};

struct StreamKey {
  uint64_t seed = 0;
  uint32_t replicate = 0;
  Stream stream = Stream::test;
};

// A sequence of draws for one (key, step, entity). Cheap to create: make one where it is used.
class RandomStream {
 public:
  RandomStream(StreamKey key, uint64_t step, uint64_t entity)
      : key_{{key.seed, (uint64_t{key.replicate} << 32) | static_cast<uint32_t>(key.stream)}},
        ctr_{{step, entity, 0, 0}} {}

  // Uniform on the open interval (0, 1): never exactly 0 or 1, so logs and inverses are safe.
  double uniform() { return to_open_unit(next_u64()); }

  // Standard normal by the Box–Muller transform (two uniforms per pair, both values used).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double a = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }

  // Lognormal multiplier with median 1: exp(sigma * N(0,1)).
  double lognormal_factor(double sigma) { return sigma == 0.0 ? 1.0 : std::exp(sigma * normal()); }

  uint64_t next_u64() {
    if (used_ == 4) refill();
    return block_.v[used_++];
  }

 private:
  using Philox = r123::Philox4x64;
  static double to_open_unit(uint64_t x) {
    return (static_cast<double>(x >> 11) + 0.5) * 0x1.0p-53;
  }
  void refill() {
    block_ = Philox()(ctr_, key_);
    ++ctr_.v[2];
    used_ = 0;
  }

  Philox::key_type key_;
  Philox::ctr_type ctr_;
  Philox::ctr_type block_{};
  int used_ = 4;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace airace
