#include "output/meta_checksum.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "output/h5_detail.hpp"

namespace airace::h5 {
namespace {

constexpr const char* kCoversAttr = "checksum_covers";
constexpr const char* kDigestAttr = "checksum_sha256";

// Text as stored, variable-length or fixed-length, from an attribute or a dataset.
std::vector<std::string> read_texts(hid_t obj, bool attribute, const std::string& what) {
  const Handle type(attribute ? H5Aget_type(obj) : H5Dget_type(obj), H5Tclose, "reading " + what);
  const Handle space(attribute ? H5Aget_space(obj) : H5Dget_space(obj), H5Sclose,
                     "reading " + what);
  const auto count =
      static_cast<std::size_t>(check(H5Sget_simple_extent_npoints(space.get()), "reading " + what));
  if (H5Tget_class(type.get()) != H5T_STRING) throw Failure{what + " does not hold text"};
  check_fits_in_memory(static_cast<double>(count),
                       static_cast<double>(std::max<std::size_t>(H5Tget_size(type.get()), 8)),
                       what);
  const Handle memory_type(H5Tcopy(type.get()), H5Tclose, "reading " + what);
  auto read = [&](void* buffer) {
    return attribute ? H5Aread(obj, memory_type.get(), buffer)
                     : H5Dread(obj, memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
  };
  std::vector<std::string> out;
  if (check(H5Tis_variable_str(type.get()), "reading " + what) > 0) {
    std::vector<char*> texts(count, nullptr);
    if (count > 0) {
      const ReadingText watched(count);
      check(read(texts.data()), "reading " + what);
    }
    for (char* t : texts) {
      out.emplace_back(t != nullptr ? t : "");
      std::free(t);
    }
  } else {
    const std::size_t size = H5Tget_size(type.get());
    std::vector<char> buffer(count * size + 1, '\0');
    if (count > 0) check(read(buffer.data()), "reading " + what);
    for (std::size_t i = 0; i < count; ++i) {
      std::string s(buffer.data() + i * size, size);
      s.erase(s.find_last_not_of(std::string("\0 ", 2)) + 1);  // null or space padding
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& texts) {
  std::string out;
  for (std::size_t i = 0; i < texts.size(); ++i) out += (i > 0 ? "\n" : "") + texts[i];
  return out;
}

// The bytes an attribute of /meta contributes, or Failure when it is neither text nor integer.
std::string attribute_value(hid_t meta, const std::string& name) {
  const std::string what = "attribute /meta " + name;
  const Handle attr(H5Aopen(meta, name.c_str(), H5P_DEFAULT), H5Aclose, "opening " + what);
  const Handle type(H5Aget_type(attr.get()), H5Tclose, "reading " + what);
  const H5T_class_t kind = H5Tget_class(type.get());
  if (kind == H5T_STRING) return joined(read_texts(attr.get(), true, what));
  if (kind != H5T_INTEGER) throw Failure{what + " is neither text nor an integer"};
  const Handle space(H5Aget_space(attr.get()), H5Sclose, "reading " + what);
  if (check(H5Sget_simple_extent_npoints(space.get()), "reading " + what) != 1)
    throw Failure{what + " holds more than one integer"};
  if (H5Tget_sign(type.get()) == H5T_SGN_NONE) {
    unsigned long long value = 0;
    check(H5Aread(attr.get(), H5T_NATIVE_ULLONG, &value), "reading " + what);
    return std::to_string(value);
  }
  long long value = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_LLONG, &value), "reading " + what);
  return std::to_string(value);
}

std::string dataset_value(hid_t meta, const std::string& name) {
  const std::string what = "/meta/" + name;
  const Handle ds(H5Dopen2(meta, name.c_str(), H5P_DEFAULT), H5Dclose, "opening " + what);
  return joined(read_texts(ds.get(), false, what));
}

// What a reader calls the covered datasets in a message.
std::string described(const std::string& dataset) {
  if (dataset == "scenario_yaml") return "the scenario text (/meta/scenario_yaml)";
  if (dataset == "base_scenario_yaml") return "the base scenario text (/meta/base_scenario_yaml)";
  if (dataset == "sweep_yaml") return "the sweep text (/meta/sweep_yaml)";
  if (dataset == "decisions") return "the teams' decisions (/meta/decisions)";
  return "/meta/" + dataset;
}

bool has_attr(hid_t obj, const char* name) {
  return check(H5Aexists(obj, name), std::string("looking up attribute ") + name) > 0;
}

}  // namespace

std::string meta_digest(const std::vector<CoveredItem>& items) {
  const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  auto add = [&](const std::string& bytes) {
    if (EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1)
      throw Failure{"computing the SHA-256 of /meta failed (OpenSSL)"};
  };
  if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw Failure{"computing the SHA-256 of /meta failed (OpenSSL)"};
  for (const CoveredItem& item : items) {
    add(item.name + "\n" + std::to_string(item.value.size()) + "\n");
    add(item.value);
    add("\n");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1)
    throw Failure{"computing the SHA-256 of /meta failed (OpenSSL)"};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0F];
  }
  return hex;
}

void CoveredMeta::text(const std::string& name, const std::string& value) {
  set_string_attr(meta_, name, value);
  items_.push_back({"attr:" + name, value.c_str()});
}

void CoveredMeta::count(const std::string& name, unsigned long long value) {
  set_uint64_attr(meta_, name, value);
  items_.push_back({"attr:" + name, std::to_string(value)});
}

void CoveredMeta::int32(const std::string& name, int value) {
  set_int32_attr(meta_, name, value);
  items_.push_back({"attr:" + name, std::to_string(value)});
}

void CoveredMeta::dataset(const std::string& name, const std::string& value) {
  items_.push_back({"dataset:" + name, value.c_str()});
}

void CoveredMeta::finish() const {
  std::vector<std::string> names;
  for (const CoveredItem& item : items_) names.push_back(item.name);
  set_string_array_attr(meta_, kCoversAttr, names);
  set_string_attr(meta_, kDigestAttr, meta_digest(items_));
}

std::string meta_checksum_mismatch(hid_t meta) {
  const bool has_covers = has_attr(meta, kCoversAttr);
  const bool has_digest = has_attr(meta, kDigestAttr);
  if (!has_covers && !has_digest) return {};  // written before files carried a checksum
  if (!has_covers || !has_digest)
    return std::string("/meta has ") + (has_covers ? kCoversAttr : kDigestAttr) + " but not " +
           (has_covers ? kDigestAttr : kCoversAttr);

  std::vector<std::string> covers;
  {
    const Handle attr(H5Aopen(meta, kCoversAttr, H5P_DEFAULT), H5Aclose,
                      std::string("opening attribute /meta ") + kCoversAttr);
    covers = read_texts(attr.get(), true, std::string("attribute /meta ") + kCoversAttr);
  }
  std::string stored;
  {
    const Handle attr(H5Aopen(meta, kDigestAttr, H5P_DEFAULT), H5Aclose,
                      std::string("opening attribute /meta ") + kDigestAttr);
    const std::vector<std::string> texts =
        read_texts(attr.get(), true, std::string("attribute /meta ") + kDigestAttr);
    stored = texts.empty() ? std::string() : texts.front();
  }

  std::vector<CoveredItem> items;
  std::vector<std::string> texts;  // the covered datasets, as a message names them
  std::size_t attributes = 0;
  for (const std::string& item : covers) {
    const bool is_attr = item.starts_with("attr:");
    const bool is_dataset = item.starts_with("dataset:");
    const std::string name = item.substr(item.find(':') + 1);
    const bool present = (is_attr || is_dataset) && !name.empty() &&
                         name.find('/') == std::string::npos &&
                         (is_attr ? H5Aexists(meta, name.c_str()) > 0
                                  : H5Lexists(meta, name.c_str(), H5P_DEFAULT) > 0);
    H5Eclear2(H5E_DEFAULT);
    if (!present)
      return std::string("/meta ") + kCoversAttr + " lists '" + item +
             "', which /meta does not hold, so the metadata cannot be checked against " +
             kDigestAttr;
    if (is_attr) {
      items.push_back({item, attribute_value(meta, name)});
      ++attributes;
    } else {
      items.push_back({item, dataset_value(meta, name)});
      texts.push_back(described(name));
    }
  }
  if (meta_digest(items) == stored) return {};
  std::string what;
  for (const std::string& t : texts) what += t + (&t == &texts.back() ? " or " : ", ");
  return what + "the metadata (" + std::to_string(attributes) +
         " /meta attributes) no longer match their SHA-256 (/meta " + kDigestAttr + ")";
}

}  // namespace airace::h5
