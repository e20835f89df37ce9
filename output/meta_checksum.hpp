#pragma once
// The SHA-256 over /meta of run files and sweep files (private to output/). Uncompressed
// variable-length text has no checksum in HDF5 (Fletcher32 cannot cover it), so a flipped bit in
// the stored scenario or in a /meta attribute would otherwise go unnoticed.
//
// Format (also in docs/scenarios.md and docs/sweeps.md):
//   /meta attr checksum_covers  string array: the items covered, in order, each "attr:<name>"
//                               (an attribute of /meta) or "dataset:<name>" (a scalar text
//                               dataset under /meta)
//   /meta attr checksum_sha256  lower-case hex SHA-256 of, for each covered item in order:
//                               name "\n" decimal byte length of the value "\n" value "\n"
// where name is the item as written in checksum_covers and the value is: a string's UTF-8
// bytes; an integer's decimal text; a string array's items joined by "\n".

#include <hdf5.h>

#include <string>
#include <vector>

namespace airace::h5 {

struct CoveredItem {
  std::string name;   // "attr:seed", "dataset:scenario_yaml"
  std::string value;  // as the format above turns it into bytes
};

// Lower-case hex SHA-256 of `items` in the format above.
std::string meta_digest(const std::vector<CoveredItem>& items);

// The hint of the error a reader reports for a mismatch.
inline constexpr const char* kMetaChecksumHint =
    "changed after airace wrote it, by a disk, copy or transfer error or an edit: write it again";

// Writes the attributes of /meta, and records what each text dataset under it holds, so that
// the checksum covers exactly what the writer wrote; finish() adds checksum_covers and
// checksum_sha256. Used by both writers (run files, sweep files).
class CoveredMeta {
 public:
  explicit CoveredMeta(hid_t meta) : meta_(meta) {}
  // Variable-length text is stored up to its first NUL, and covered as stored.
  void text(const std::string& name, const std::string& value);
  void count(const std::string& name, unsigned long long value);  // uint64
  void int32(const std::string& name, int value);
  // A scalar text dataset /meta/<name> the writer has written with `value`.
  void dataset(const std::string& name, const std::string& value);
  void finish() const;

 private:
  hid_t meta_;
  std::vector<CoveredItem> items_;
};

// Recomputes the digest from what `meta` holds. Returns "" when it matches or when the file has
// neither checksum attribute (written before they were); else what does not match, in words
// that follow "the file is damaged: ". Throws Failure when HDF5 cannot read an item.
std::string meta_checksum_mismatch(hid_t meta);

}  // namespace airace::h5
