#include "output/h5_detail.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "output/h5_reader.hpp"

namespace airace {
namespace {
// The path of the file being read, for a signal handler: a fixed buffer and an atomic pointer
// to it, both safe to read from the handler.
char g_reading_path[4096];
std::atomic<const char*> g_reading{nullptr};
static_assert(std::atomic<const char*>::is_always_lock_free);

// The steady-clock time (ns since its epoch) by which the text being read must be in, or 0.
std::atomic<int64_t> g_text_deadline_ns{0};
static_assert(std::atomic<int64_t>::is_always_lock_free);

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

const char* file_being_read() { return g_reading.load(); }

bool text_read_overdue() {
  const int64_t deadline = g_text_deadline_ns.load();
  return deadline != 0 && steady_now_ns() > deadline;
}

namespace h5 {

ReadingFile::ReadingFile(const std::string& path) {
  g_reading.store(nullptr);
  std::snprintf(g_reading_path, sizeof g_reading_path, "%s", path.c_str());
  g_reading.store(g_reading_path);
}

ReadingFile::~ReadingFile() { g_reading.store(nullptr); }

ReadingText::ReadingText(std::size_t count) {
  constexpr int64_t kBase = 3'000'000'000;  // 3 s
  constexpr int64_t kEach = 20'000;         // 20 us a string
  const int64_t n = static_cast<int64_t>(std::min<std::size_t>(count, 1'000'000'000));
  g_text_deadline_ns.store(steady_now_ns() + kBase + kEach * n);
}

ReadingText::~ReadingText() { g_text_deadline_ns.store(0); }

}  // namespace h5
}  // namespace airace

namespace airace::h5 {

std::string error_detail() {
  std::vector<std::string> lines;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
        if (e->desc != nullptr && *e->desc != '\0')
          static_cast<std::vector<std::string>*>(out)->emplace_back(e->desc);
        return 0;
      },
      &lines);
  H5Eclear2(H5E_DEFAULT);
  if (lines.empty()) return {};
  std::string detail = lines.back();
  // The system's own words, from a low-level driver line such as "unable to open file: name =
  // '...', errno = 13, error message = 'Permission denied', ...".
  const std::string marker = "error message = '";
  if (const auto at = detail.find(marker); at != std::string::npos) {
    const auto from = at + marker.size();
    const auto to = detail.find('\'', from);
    if (to != std::string::npos) return detail.substr(from, to - from);
  }
  return detail;
}

void fail(const std::string& what) {
  const std::string detail = error_detail();
  throw Failure{detail.empty() ? what : what + " (" + detail + ")"};
}

void check_fits_in_memory(double count, double bytes_each, const std::string& what) {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return;
  const double limit = 0.75 * static_cast<double>(pages) * static_cast<double>(page);
  const double need = count * bytes_each;
  if (need <= limit) return;
  char text[160];
  std::snprintf(text, sizeof text,
                " holds %.3g values (%.3g GB), more than 3/4 of this machine's memory (%.3g GB)",
                count, need / 1e9, limit / 0.75 / 1e9);
  throw Failure{what + text};
}

Handle temporary_file_access() {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "creating file access properties");
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "creating file access properties");
  check(H5Pset_file_locking(fapl.get(), false, true), "creating file access properties");
  return fapl;
}

Handle in_memory_access() {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "creating file access properties");
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "creating file access properties");
  constexpr std::size_t kGrowBytes = std::size_t{16} << 20;
  check(H5Pset_fapl_core(fapl.get(), kGrowBytes, 0), "creating file access properties");
  return fapl;
}

std::string in_memory_name() {
  // HDF5 tries to open the name before creating the file: under /dev/null, a file, no path can
  // ever name one.
  static std::atomic<uint64_t> counter{0};
  return "/dev/null/airace-in-memory-" + std::to_string(counter.fetch_add(1)) + ".h5";
}

std::string file_image(hid_t file) {
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flushing the file");
  const ssize_t size = check(H5Fget_file_image(file, nullptr, 0), "measuring the file");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  check(H5Fget_file_image(file, bytes.data(), bytes.size()), "copying the file's bytes");
  return bytes;
}

Handle utf8_string_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose, "creating a string type");
  check(H5Tset_size(t.get(), H5T_VARIABLE), "creating a string type");
  check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "creating a string type");
  return t;
}

Handle scalar_space() { return Handle(H5Screate(H5S_SCALAR), H5Sclose, "creating a dataspace"); }

Handle simple_space(const std::vector<hsize_t>& dims) {
  return Handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
                "creating a dataspace");
}

void set_string_attr(hid_t obj, const std::string& name, const std::string& value) {
  const Handle type = utf8_string_type();
  const Handle space = scalar_space();
  const Handle attr(
      H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
      "creating attribute " + name);
  const char* text = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &text), "writing attribute " + name);
}

void set_string_array_attr(hid_t obj, const std::string& name,
                           const std::vector<std::string>& values) {
  const Handle type = utf8_string_type();
  const Handle space = simple_space({values.size()});
  const Handle attr(
      H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
      "creating attribute " + name);
  std::vector<const char*> texts;
  texts.reserve(values.size());
  for (const std::string& v : values) texts.push_back(v.c_str());
  if (!texts.empty())
    check(H5Awrite(attr.get(), type.get(), texts.data()), "writing attribute " + name);
}

void set_uint64_attr(hid_t obj, const std::string& name, unsigned long long value) {
  const Handle space = scalar_space();
  const Handle attr(
      H5Acreate2(obj, name.c_str(), H5T_STD_U64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
      "creating attribute " + name);
  check(H5Awrite(attr.get(), H5T_NATIVE_ULLONG, &value), "writing attribute " + name);
}

void set_int32_attr(hid_t obj, const std::string& name, int value) {
  const Handle space = scalar_space();
  const Handle attr(
      H5Acreate2(obj, name.c_str(), H5T_STD_I32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
      "creating attribute " + name);
  check(H5Awrite(attr.get(), H5T_NATIVE_INT, &value), "writing attribute " + name);
}

}  // namespace airace::h5
