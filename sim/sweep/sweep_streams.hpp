#pragma once
// Where the sweep library's random numbers come from. Every draw uses Stream::sweep_design; the
// counter's step says which use (high 32 bits) and which slot of it, e.g. which design
// dimension (low 32 bits). The numbers never change, or stored sweeps would no longer reproduce.

#include <cstdint>
#include <string_view>

#include "sim/core/fnv1a.hpp"
#include "sim/core/random.hpp"

namespace airace {

enum class SweepDraw : uint32_t {
  latin_hypercube = 0,       // slot: dimension; entity 0
  sobol_owen_tree = 1,       // slot: dimension; entity: word of the scramble tree
  sobol_owen_tail = 2,       // slot: dimension; entity: the point's node below the tree
  sobol_digital_shift = 3,   // slot: dimension; entity 0
  bootstrap = 4,             // slot 0 (Sobol), 1 (Morris); entity: resample
  // 5 (entity: the parameter's position in the scenario) is retired: adding a parameter moved
  // the draws of every one after it.
  morris_trajectory = 6,     // slot: trajectory; entity 0
  uncertain_parameters = 7,  // slot 0; entity: parameter_stream_id of its key path, with the
                             // replicate in the key
};

// The stream entity of an uncertain parameter: FNV-1a (64 bits) of its key path, so that its
// draws stay the same when other parameters are added, removed or reordered.
inline uint64_t parameter_stream_id(std::string_view key) { return fnv1a64(key); }

inline RandomStream sweep_stream(uint64_t seed, uint32_t replicate, SweepDraw use, uint32_t slot,
                                 uint64_t entity) {
  const uint64_t step = (uint64_t{static_cast<uint32_t>(use)} << 32) | slot;
  return RandomStream({seed, replicate, Stream::sweep_design}, step, entity);
}

// Uniform integer in [0, n), n > 0, without modulo bias (rejection of the uneven top).
inline uint64_t uniform_index(RandomStream& rng, uint64_t n) {
  const uint64_t uneven = (UINT64_MAX - n + 1) % n;  // 2^64 mod n
  for (;;) {
    const uint64_t x = rng.next_u64();
    if (x >= uneven) return x % n;
  }
}

}  // namespace airace
