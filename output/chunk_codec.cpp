#include "output/chunk_codec.hpp"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace airace {

namespace {
// Transposes an 8x8 matrix of bytes held as eight little-endian words, row r in x[r]: afterwards
// byte c of x[r] is what byte r of x[c] was (Hacker's Delight, transpose8, by 64-bit swaps).
void transpose8x8(std::uint64_t x[8]) {
  auto swap = [&](std::size_t i, std::size_t j, unsigned shift, std::uint64_t mask) {
    const std::uint64_t t = ((x[i] >> shift) ^ x[j]) & mask;
    x[j] ^= t;
    x[i] ^= t << shift;
  };
  for (std::size_t i = 0; i < 8; i += 2) swap(i, i + 1, 8, 0x00FF00FF00FF00FFULL);
  for (std::size_t i : {0, 1, 4, 5}) swap(i, i + 2, 16, 0x0000FFFF0000FFFFULL);
  for (std::size_t i = 0; i < 4; ++i) swap(i, i + 4, 32, 0x00000000FFFFFFFFULL);
}

// Eight elements at a time as an 8x8 byte transpose (a byte loop wrote one byte per step to
// eight streams: 1.6% of a baseline run), the rest byte by byte. Same bytes either way.
void shuffle_into(std::span<const double> values, unsigned char* out) {
  static_assert(std::endian::native == std::endian::little);
  const std::size_t n = values.size();
  const auto* in = reinterpret_cast<const unsigned char*>(values.data());
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x[8];
    std::memcpy(x, in + i * sizeof(double), sizeof x);
    transpose8x8(x);
    for (std::size_t b = 0; b < 8; ++b) std::memcpy(out + b * n + i, &x[b], sizeof x[b]);
  }
  for (; i < n; ++i)
    for (std::size_t b = 0; b < sizeof(double); ++b) out[b * n + i] = in[i * sizeof(double) + b];
}
}  // namespace

std::vector<unsigned char> shuffle_bytes(std::span<const double> values) {
  std::vector<unsigned char> out(values.size() * sizeof(double));
  shuffle_into(values, out.data());
  return out;
}

std::vector<double> unshuffle_bytes(std::span<const unsigned char> bytes) {
  const std::size_t n = bytes.size() / sizeof(double);
  std::vector<double> out(n);
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t b = 0; b < sizeof(double); ++b) o[i * sizeof(double) + b] = bytes[b * n + i];
  return out;
}

namespace {
// One compressor per thread and level: allocating one costs more than compressing a small chunk.
libdeflate_compressor* compressor(int level) {
  struct Owned {
    int level = -1;
    std::unique_ptr<libdeflate_compressor, void (*)(libdeflate_compressor*)> c{
        nullptr, &libdeflate_free_compressor};
  };
  thread_local Owned mine;
  if (!mine.c || mine.level != level) {
    mine.c.reset(libdeflate_alloc_compressor(level));
    if (!mine.c)
      throw std::runtime_error("libdeflate has no compression level " + std::to_string(level));
    mine.level = level;
  }
  return mine.c.get();
}
}  // namespace

namespace {
// Whether a byte plane of at least kNoisePlaneMin bytes is worth storing as it is: deflating
// its first kNoisePlaneMin bytes saves less than a quarter of them. Deflating such a plane cost
// as much time per byte as any other and saved little of it: storing every plane that saves
// under a quarter cut the baseline's 100-replicate run by about 0.2 s of 3.7 on two cores, for a
// file 3.3% larger (2026-12-07; the rule before, bytes spread evenly and a saving under 1/32,
// stored fewer planes). The low bytes of noisy doubles (daily returns, market values) are stored;
// a plane with a few common values (zeros, NaN padding, exponents) or repeated ones is not.
constexpr std::size_t kNoisePlaneMin = 4096;
bool noise_plane(const unsigned char* p, std::size_t m, libdeflate_compressor* c) {
  if (m < kNoisePlaneMin || m > (std::size_t{1} << 24)) return false;
  thread_local std::array<unsigned char, 2 * kNoisePlaneMin> sample;
  const std::size_t size =
      libdeflate_deflate_compress(c, p, kNoisePlaneMin, sample.data(), sample.size());
  return size == 0 || size > kNoisePlaneMin - kNoisePlaneMin / 4;
}

// The FLEVEL bits libdeflate writes in a zlib header for `level`, and the header's check bits.
unsigned char zlib_flags(int level) {
  const unsigned flevel = level < 2 ? 0 : level < 6 ? 1 : level == 6 ? 2 : 3;
  const unsigned flg = flevel << 6;
  return static_cast<unsigned char>(flg + (31 - (0x78 * 256 + flg) % 31) % 31);
}
}  // namespace

std::size_t shuffle_deflate_into(std::span<const double> values, int level,
                                 std::vector<unsigned char>& out) {
  // The shuffled bytes go to a buffer each thread keeps, and the output to one the caller
  // keeps: fresh buffers of a chunk's size cost a page fault per 4 KiB and a clearing pass, as
  // much as the compression itself.
  thread_local std::vector<unsigned char> shuffled;
  const std::size_t n = values.size();
  shuffled.resize(n * sizeof(double));
  shuffle_into(values, shuffled.data());
  libdeflate_compressor* const c = compressor(level);
  // The low byte planes that are noise, from the first up (never the top one).
  std::size_t noisy = 0;
  while (noisy + 1 < sizeof(double) && noise_plane(shuffled.data() + noisy * n, n, c)) ++noisy;
  if (noisy == 0) {
    const std::size_t bound = libdeflate_zlib_compress_bound(c, shuffled.size());
    if (out.size() < bound) out.resize(bound);
    const std::size_t size =
        libdeflate_zlib_compress(c, shuffled.data(), shuffled.size(), out.data(), out.size());
    if (size == 0) throw std::runtime_error("libdeflate could not compress a chunk");
    return size;
  }
  // Noise planes go into the stream as stored blocks (deflate's blocks of bytes as they are,
  // each at most 65535), the other planes after them as libdeflate compresses them, one
  // stream: a zlib header, the stored blocks (not final), libdeflate's blocks (the last one
  // final), the Adler-32 of all the bytes. Deflating noise cost as much time per byte as
  // anything else and saved little of it.
  const std::size_t stored = noisy * n;
  const std::size_t rest = shuffled.size() - stored;
  constexpr std::size_t kStoredMax = 65535;
  const std::size_t blocks = (stored + kStoredMax - 1) / kStoredMax;
  const std::size_t bound =
      2 + stored + 5 * blocks + libdeflate_deflate_compress_bound(c, rest) + 4;
  if (out.size() < bound) out.resize(bound);
  unsigned char* o = out.data();
  *o++ = 0x78;  // deflate, 32 KiB window
  *o++ = zlib_flags(level);
  for (std::size_t at = 0; at < stored;) {
    const std::size_t len = std::min(kStoredMax, stored - at);
    *o++ = 0x00;  // not final, stored; the rest of the byte is padding
    *o++ = static_cast<unsigned char>(len & 0xff);
    *o++ = static_cast<unsigned char>(len >> 8);
    *o++ = static_cast<unsigned char>(~len & 0xff);
    *o++ = static_cast<unsigned char>((~len >> 8) & 0xff);
    std::memcpy(o, shuffled.data() + at, len);
    o += len;
    at += len;
  }
  const std::size_t room = static_cast<std::size_t>(out.data() + out.size() - o) - 4;
  const std::size_t packed =
      libdeflate_deflate_compress(c, shuffled.data() + stored, rest, o, room);
  if (packed == 0) throw std::runtime_error("libdeflate could not compress a chunk");
  o += packed;
  const std::uint32_t adler = libdeflate_adler32(1, shuffled.data(), shuffled.size());
  for (int shift = 24; shift >= 0; shift -= 8) *o++ = static_cast<unsigned char>(adler >> shift);
  return static_cast<std::size_t>(o - out.data());
}

std::vector<unsigned char> shuffle_deflate(std::span<const double> values, int level) {
  thread_local std::vector<unsigned char> packed;
  const std::size_t size = shuffle_deflate_into(values, level, packed);
  return {packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(size)};
}

std::vector<double> inflate_unshuffle(std::span<const unsigned char> compressed,
                                      std::size_t count) {
  std::vector<unsigned char> shuffled(count * sizeof(double));
  uLongf size = static_cast<uLongf>(shuffled.size());
  if (uncompress(shuffled.data(), &size, compressed.data(),
                 static_cast<uLong>(compressed.size())) != Z_OK ||
      size != shuffled.size())
    throw std::runtime_error("zlib could not inflate a chunk");
  return unshuffle_bytes(shuffled);
}

ChunkGrid::ChunkGrid(std::vector<std::uint64_t> shape, std::vector<std::uint64_t> chunk)
    : shape_(std::move(shape)), chunk_(std::move(chunk)) {
  if (shape_.size() != chunk_.size()) throw std::logic_error("chunk rank differs from the shape");
  for (std::size_t d = 0; d < shape_.size(); ++d) {
    if (chunk_[d] == 0) throw std::logic_error("a chunk dimension is zero");
    grid_.push_back((shape_[d] + chunk_[d] - 1) / chunk_[d]);
    count_ *= grid_.back();
    elements_ *= chunk_[d];
  }
}

std::vector<std::uint64_t> ChunkGrid::offset(std::size_t k) const {
  std::vector<std::uint64_t> o(shape_.size());
  for (std::size_t d = shape_.size(); d-- > 0;) {
    o[d] = (k % grid_[d]) * chunk_[d];
    k /= grid_[d];
  }
  return o;
}

}  // namespace airace
