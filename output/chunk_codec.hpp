#pragma once
// Compression of HDF5 chunks outside HDF5, so that it can run on every core while one thread
// makes the HDF5 calls: the byte shuffle and deflate that HDF5's own shuffle and deflate
// filters apply, in the same order and format, so any HDF5 reader decodes the result.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace airace {

// HDF5's shuffle filter for 8-byte elements: byte b of element i goes to b * n + i.
std::vector<unsigned char> shuffle_bytes(std::span<const double> values);
std::vector<double> unshuffle_bytes(std::span<const unsigned char> bytes);

// Shuffle, then deflate at `level` (1-12) into a zlib stream, the format HDF5's deflate filter
// writes and reads. libdeflate compresses a whole buffer several times faster than zlib and,
// at the same level, a little smaller; any zlib inflater decodes it. The low byte planes that
// deflate poorly (a deflated sample saves under a quarter) go first into the stream as stored
// blocks, and libdeflate compresses the rest after them: deflating them cost as much time per
// byte as the rest and saved little of it. The bytes depend on the values and the level alone.
std::vector<unsigned char> shuffle_deflate(std::span<const double> values, int level);
// The same bytes into the front of `out`, a buffer the caller keeps from chunk to chunk: `out`
// grows when a chunk needs more room and never shrinks, so that it is neither reallocated nor
// cleared per chunk. Returns the number of bytes of the compressed chunk.
std::size_t shuffle_deflate_into(std::span<const double> values, int level,
                                 std::vector<unsigned char>& out);
// The inverse, by zlib (a decoder independent of the encoder), for tests: inflate `count`
// doubles and unshuffle them.
std::vector<double> inflate_unshuffle(std::span<const unsigned char> compressed, std::size_t count);

// The chunks of an N-dimensional dataset: shape, chunk shape, and the grid of chunks in
// row-major order.
class ChunkGrid {
 public:
  ChunkGrid(std::vector<std::uint64_t> shape, std::vector<std::uint64_t> chunk);
  std::size_t chunk_count() const { return count_; }
  std::size_t chunk_elements() const { return elements_; }
  // The element coordinates at which chunk k starts.
  std::vector<std::uint64_t> offset(std::size_t k) const;
  const std::vector<std::uint64_t>& shape() const { return shape_; }
  const std::vector<std::uint64_t>& chunk() const { return chunk_; }

 private:
  std::vector<std::uint64_t> shape_;
  std::vector<std::uint64_t> chunk_;
  std::vector<std::uint64_t> grid_;
  std::size_t count_ = 1;
  std::size_t elements_ = 1;
};

}  // namespace airace
