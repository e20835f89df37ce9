#pragma once
// Parallel loops over index ranges. All of the engine's parallelism goes through here, so that
// the rules that keep results independent of the thread count live in one place:
//   - each index writes only its own slots of the output (no shared accumulators);
//   - sums over indices are made afterwards, serially or in fixed blocks, never with atomics.
//
// Under ThreadSanitizer (the tsan preset) the loop tells TSan that the work before the loop
// happens before every iteration and every iteration before the work after it: Debian's
// oneTBB is not built with TSan, so TSan cannot see the synchronisation inside it.

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cstddef>

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);
#define AIRACE_TSAN_ACQUIRE(addr) __tsan_acquire(addr)
#define AIRACE_TSAN_RELEASE(addr) __tsan_release(addr)
#define AIRACE_TSAN_IGNORE_READS_BEGIN() AnnotateIgnoreReadsBegin(__FILE__, __LINE__)
#define AIRACE_TSAN_IGNORE_READS_END() AnnotateIgnoreReadsEnd(__FILE__, __LINE__)
#else
#define AIRACE_TSAN_ACQUIRE(addr) ((void)(addr))
#define AIRACE_TSAN_RELEASE(addr) ((void)(addr))
#define AIRACE_TSAN_IGNORE_READS_BEGIN() ((void)0)
#define AIRACE_TSAN_IGNORE_READS_END() ((void)0)
#endif

namespace airace {

// Calls f(i) for every i in [0, n), in parallel, in tasks of `grain` consecutive indices
// (one task, on the calling thread, when n <= grain).
template <class F>
void parallel_for_each_index(std::size_t n, std::size_t grain, F&& f) {
  if (grain == 0) grain = 1;
  const std::size_t tasks = (n + grain - 1) / grain;
  if (tasks <= 1) {
    for (std::size_t i = 0; i < n; ++i) f(i);
    return;
  }
  // Two tokens: one orders the caller before the iterations, the other the iterations before
  // the caller. Iterations never acquire what another iteration released, so a race between
  // two iterations is still reported.
  struct Tokens {
    char fork = 0;
    char join = 0;
  } tokens;
  AIRACE_TSAN_RELEASE(&tokens.fork);
  oneapi::tbb::parallel_for(std::size_t{0}, tasks, [&tokens, &f, n, grain](std::size_t task) {
    // The closure itself is handed over by oneTBB: read it before the acquire, unseen.
    AIRACE_TSAN_IGNORE_READS_BEGIN();
    Tokens* const t = &tokens;
    F* const body = &f;
    const std::size_t begin = task * grain;
    const std::size_t end = std::min(n, begin + grain);
    AIRACE_TSAN_IGNORE_READS_END();
    AIRACE_TSAN_ACQUIRE(&t->fork);
    for (std::size_t i = begin; i < end; ++i) (*body)(i);
    AIRACE_TSAN_RELEASE(&t->join);
  });
  AIRACE_TSAN_ACQUIRE(&tokens.join);
}

}  // namespace airace
