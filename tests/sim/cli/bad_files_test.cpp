// Bad files given to the commands that read HDF5 (compare, merge, analyse): truncated at several
// lengths, bytes flipped, a global heap damaged so that HDF5 itself crashes or loops, an HDF5
// file of another program, one that declares 10^12 values, an empty file, a text file, a
// directory.
// Each is refused with exit status 2 and a message naming the file and what is wrong, never a
// crash or HDF5's own error stack, and nothing is written.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "output/h5_reader.hpp"
#include "output/sweep_file.hpp"
#include "sim/core/diagnostics.hpp"
#include "tests/airace_process.hpp"

namespace fs = std::filesystem;
using namespace airace;

namespace bad_files_test {

namespace {
using airace::testing::Outcome;
using airace::testing::run_airace;
using airace::testing::TempDir;

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void put(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

// An HDF5 file written by another program: random datasets, a /meta group without airace's
// attributes, and a group named like one of ours.
void write_foreign(const fs::path& p) {
  const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(f >= 0);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u;
  for (const char* name : {"/meta", "/indicators"})
    H5Gclose(H5Gcreate2(f, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  for (const char* name : {"/random", "/meta/values", "/indicators/us_cn_gap_months"}) {
    const hsize_t dims[2] = {3, 5};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t ds =
        H5Dcreate2(f, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    std::vector<double> v(15);
    for (double& x : v) x = u(rng);
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Dclose(ds);
    H5Sclose(space);
  }
  H5Fclose(f);
}

// A run file in all but size: its one series declares 10^12 values, in chunks never written,
// so that the file takes a few kB (a reader that believed it would run out of memory).
void write_vast(const fs::path& p) {
  const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(f >= 0);
  auto text_attr = [](hid_t obj, const char* name, const char* value) {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, type, &value);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
  };
  const hid_t meta = H5Gcreate2(f, "/meta", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  text_attr(meta, "program_version", "0.1.0");
  H5Gclose(meta);
  H5Gclose(H5Gcreate2(f, "/indicators", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  const hsize_t dims[2] = {1000000, 1000000};
  const hsize_t chunk[2] = {1, 1000};
  const hid_t space = H5Screate_simple(2, dims, nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 2, chunk);
  const hid_t ds = H5Dcreate2(f, "/indicators/us_cn_gap_months", H5T_IEEE_F64LE, space, H5P_DEFAULT,
                              dcpl, H5P_DEFAULT);
  text_attr(ds, "cadence", "monthly");
  H5Dclose(ds);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Fclose(f);
}

struct BadFile {
  fs::path path;
  bool always_refused;        // false: flipped bytes HDF5 may not see (raw data has no checksum)
  bool crashes_hdf5 = false;  // HDF5 1.10 itself crashes reading it
  bool loops_hdf5 = false;    // HDF5 1.10 itself never returns from reading it
};

// The damaged copies of a good file, and the files that are no airace file at all.
std::vector<BadFile> bad_files(const fs::path& good, const fs::path& dir, const std::string& stem) {
  const std::string bytes = bytes_of(good);
  const std::size_t n = bytes.size();
  std::vector<BadFile> out;
  for (std::size_t length : {std::size_t{0}, std::size_t{7}, std::size_t{512}, std::size_t{4096},
                             n / 4, n / 2, 3 * n / 4, n - 1}) {
    const fs::path p = dir / (stem + "_truncated_" + std::to_string(length) + ".h5");
    put(p, bytes.substr(0, length));
    out.push_back({p, true});
  }
  // 16 bytes inverted: in the superblock and the first object headers (which HDF5 checks), and
  // at places in the middle.
  for (std::size_t at :
       {std::size_t{40}, std::size_t{500}, std::size_t{1000}, n / 3, n / 2, 2 * n / 3}) {
    std::string flipped = bytes;
    for (std::size_t i = at; i < std::min(n, at + 16); ++i)
      flipped[i] = static_cast<char>(~flipped[i]);
    const fs::path p = dir / (stem + "_flipped_" + std::to_string(at) + ".h5");
    put(p, flipped);
    out.push_back({p, false});
  }
  // A global heap (where variable-length strings live) whose first object claims a size far
  // past the heap's end: HDF5 1.10 crashes on it (SIGSEGV) instead of returning an error, and
  // h5dump with it. The object's size is at 24 bytes from the "GCOL" signature. Set to 2^64 - 16
  // instead, the size with its 16-byte header makes the next object start where this one began,
  // and HDF5 1.10 loops for ever (in every build) instead of failing.
  if (const std::size_t at = bytes.find("GCOL"); at != std::string::npos) {
    struct HeapDamage {
      uint64_t size;
      const char* suffix;
      bool crashes, loops;
    };
    for (const HeapDamage d : {HeapDamage{0x00FFFFFFFFFFFFull, "_heap.h5", true, false},
                               HeapDamage{0xFFFFFFFFFFFFFFF0ull, "_heap_loop.h5", false, true}}) {
      std::string heap = bytes;
      for (int i = 0; i < 8; ++i)
        heap[at + 24 + i] = static_cast<char>((d.size >> (8 * i)) & 0xFF);
      const fs::path p = dir / (stem + d.suffix);
      put(p, heap);
      out.push_back({p, true, d.crashes, d.loops});
    }
    // The same loop in a heap in the middle of the file, which holds the dimension labels and
    // scale lists of some series: those reads must be watched too (16 flipped bytes there once
    // made compare spin for ever in H5DSget_label). A heap nobody reads leaves the file valid.
    std::vector<std::size_t> heaps;
    for (std::size_t h = at; h != std::string::npos; h = bytes.find("GCOL", h + 4))
      heaps.push_back(h);
    if (heaps.size() > 2) {
      std::string heap = bytes;
      const std::size_t middle = heaps[heaps.size() / 2];
      for (int i = 0; i < 8; ++i)
        heap[middle + 24 + i] = static_cast<char>((0xFFFFFFFFFFFFFFF0ull >> (8 * i)) & 0xFF);
      const fs::path p = dir / (stem + "_heap_loop_middle.h5");
      put(p, heap);
      out.push_back({p, false, false, true});
    }
  }
  return out;
}

std::vector<BadFile> foreign_files(const fs::path& dir) {
  const fs::path foreign = dir / "foreign.h5";
  write_foreign(foreign);
  write_vast(dir / "vast.h5");
  put(dir / "empty.h5", "");
  put(dir / "text.h5", "time,value\n2022-01-01,3\n");
  fs::create_directory(dir / "directory.h5");
  return {{foreign, true},
          {dir / "vast.h5", true},
          {dir / "empty.h5", true},
          {dir / "text.h5", true},
          {dir / "directory.h5", true}};
}

// airace on a deliberately damaged file. Debian's libhdf5 can copy a negative length (H5HG_read
// on a damaged global heap) before it crashes; ASan reports that in its memcpy wrapper before
// it reads tests/asan.supp (a size overflow is never suppressible), so under the asan preset
// these runs go without ASan's memcpy/memset/memmove wrappers: HDF5 then crashes as in a
// release build, and the program turns the crash into a clear error (sim/cli/cli.cpp). Every
// other ASan check of our code stays on; other builds ignore the variable.
Outcome run_on_damaged(const std::string& args, const TempDir& dir) {
  return run_airace(args, dir, "ASAN_OPTIONS=\"$ASAN_OPTIONS:replace_intrin=0\"");
}

// Status 2, the file named at the start of an error line, no crash, no HDF5 stack, no Python or
// internal error; or, for flipped bytes HDF5 did not notice, status 0.
void check_refused(const Outcome& o, const BadFile& bad) {
  CAPTURE(o.err);
  CHECK(o.err.find("HDF5-DIAG") == std::string::npos);  // HDF5's own error stack
  CHECK(o.err.find("infinite loop") == std::string::npos);
  CHECK(o.err.find("internal error") == std::string::npos);
  if (!bad.always_refused && o.status == 0) return;
  CHECK(o.status == 2);
  CHECK(o.err.find(bad.path.string() + ": error: ") != std::string::npos);
}
}  // namespace

TEST_CASE("bad files given to compare are refused naming the file") {
  TempDir dir;
  const fs::path good = dir.path / "good.h5";
  REQUIRE(run_airace("run tests/data/small.yaml -q -r 2 --set scenario.end=2022-12-31 -o '" +
                         good.string() + "'",
                     dir)
              .status == 0);
  std::vector<BadFile> files = bad_files(good, dir.path, "run");
  for (const BadFile& f : foreign_files(dir.path)) files.push_back(f);
  const fs::path csv = dir.path / "out.csv";
  int refused = 0, flips = 0, flips_refused = 0;
  for (const BadFile& bad : files) {
    CAPTURE(bad.path);
    for (const std::string& args : {"'" + bad.path.string() + "' '" + good.string() + "'",
                                    "'" + good.string() + "' '" + bad.path.string() + "' --all"}) {
      const Outcome o = run_on_damaged("compare " + args + " --csv '" + csv.string() + "'", dir);
      check_refused(o, bad);
      refused += o.status == 2;
      flips += !bad.always_refused;
      flips_refused += !bad.always_refused && o.status == 2;
      if (o.status != 0) CHECK(!fs::exists(csv));
      fs::remove(csv);
    }
  }
  // A file that declares more values than memory holds is refused before they are read.
  const Outcome vast = run_airace(
      "compare '" + (dir.path / "vast.h5").string() + "' '" + good.string() + "' --all", dir);
  CHECK(vast.status == 2);
  CHECK(vast.err.find("holds 1e+12 values") != std::string::npos);
  // The file that crashes HDF5 is reported as damaged, not left to crash the program.
  const auto heap =
      std::find_if(files.begin(), files.end(), [](const BadFile& f) { return f.crashes_hdf5; });
  REQUIRE(heap != files.end());
  const Outcome crash =
      run_on_damaged("compare '" + heap->path.string() + "' '" + good.string() + "'", dir);
  CHECK(crash.status == 2);
  CHECK(crash.err.find(heap->path.string() +
                       ": error: the file is damaged: the HDF5 library crashed reading it "
                       "(SIGSEGV)") != std::string::npos);
  // The file on which HDF5 loops is reported as damaged once the read is overdue, not hung on.
  const auto loop =
      std::find_if(files.begin(), files.end(), [](const BadFile& f) { return f.loops_hdf5; });
  REQUIRE(loop != files.end());
  const Outcome stuck =
      run_on_damaged("compare '" + good.string() + "' '" + loop->path.string() + "'", dir);
  CHECK(stuck.status == 2);
  CHECK(stuck.err.find(loop->path.string() +
                       ": error: the file is damaged: the HDF5 library did not finish reading "
                       "its text") != std::string::npos);
  MESSAGE(refused << " of " << 2 * files.size() << " comparisons refused; of those with flipped "
                  << "bytes " << flips_refused << " of " << flips);
  CHECK(flips_refused > 0);  // damaged metadata is noticed (a bad checksum, an address too far)
}

TEST_CASE("bad files given to merge and analyse are refused naming the file") {
  TempDir dir;
  const std::string sweep = "sweep tests/data/sweeps/small_lhs.yaml -q ";
  const fs::path part0 = dir.path / "part0.h5";
  const fs::path part1 = dir.path / "part1.h5";
  REQUIRE(run_airace(sweep + "--shard 0/2 -o '" + part0.string() + "'", dir).status == 0);
  REQUIRE(run_airace(sweep + "--shard 1/2 -o '" + part1.string() + "'", dir).status == 0);
  std::vector<BadFile> files = bad_files(part0, dir.path, "part");
  for (const BadFile& f : foreign_files(dir.path)) files.push_back(f);
  const fs::path merged = dir.path / "merged.h5";
  const fs::path csv = dir.path / "indices.csv";
  int refused = 0;
  for (const BadFile& bad : files) {
    CAPTURE(bad.path);
    // The good part first: parts that disagree are reported under the name of the one that
    // differs from the first (the merge cannot tell which is damaged).
    const Outcome m = run_on_damaged(
        "merge '" + part1.string() + "' '" + bad.path.string() + "' -o '" + merged.string() + "'",
        dir);
    check_refused(m, bad);
    refused += m.status == 2;
    if (m.status != 0) CHECK(!fs::exists(merged));
    fs::remove(merged);

    // analyse refuses any part file (it needs a whole saltelli sweep); a damaged one for what it
    // is, and it never writes into a file it refuses.
    const std::string before = fs::is_regular_file(bad.path) ? bytes_of(bad.path) : "";
    const Outcome a =
        run_on_damaged("analyse '" + bad.path.string() + "' --csv '" + csv.string() + "'", dir);
    CAPTURE(a.err);
    CHECK(a.status == 2);
    CHECK(a.err.find(bad.path.string() + ": error: ") != std::string::npos);
    CHECK(a.err.find("HDF5-DIAG") == std::string::npos);
    CHECK(!fs::exists(csv));
    if (fs::is_regular_file(bad.path)) CHECK(bytes_of(bad.path) == before);
  }
  MESSAGE(refused << " of " << files.size() << " merges refused");
}

TEST_CASE("reading bad files in process throws InputError and leaves no HDF5 object open") {
  TempDir dir;
  const fs::path run = dir.path / "run.h5";
  const fs::path sweep = dir.path / "sweep.h5";
  REQUIRE(run_airace("run tests/data/small.yaml -q -r 2 --set scenario.end=2022-12-31 -o '" +
                         run.string() + "'",
                     dir)
              .status == 0);
  REQUIRE(run_airace("sweep tests/data/sweeps/small_lhs.yaml -q -o '" + sweep.string() + "'", dir)
              .status == 0);
  silence_hdf5_errors();  // HDF5 1.10 would complain at exit about files it failed to read
  std::vector<BadFile> files = bad_files(run, dir.path, "run");
  for (const BadFile& f : bad_files(sweep, dir.path, "sweep")) files.push_back(f);
  for (const BadFile& f : foreign_files(dir.path)) files.push_back(f);
  // Only what HDF5 refuses with an error: a file that crashes it would end this process, and one
  // it loops on would hang it (the program watches for both, sim/cli/cli.cpp).
  std::erase_if(files, [](const BadFile& f) {
    return !f.always_refused || f.crashes_hdf5 || f.loops_hdf5;
  });
  for (const BadFile& bad : files) {
    CAPTURE(bad.path);
    auto refused = [&](const auto& read) {
      try {
        read();
        return false;
      } catch (const InputError& e) {
        CHECK(e.diagnostics().front().where.file == bad.path.string());
        return true;
      }
    };
    const bool run_refused = refused([&] {
      const RunFile f = open_run_file(bad.path);
      for (const std::string& p : f.series_paths) (void)read_series(bad.path, p);
    });
    const bool sweep_refused = refused([&] { (void)read_sweep_file(bad.path); });
    if (bad.always_refused) {
      CHECK(run_refused);
      CHECK(sweep_refused);
    }
    // Every identifier the readers opened is closed again, whatever failed.
    CHECK(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) == 0);
  }
}

// ---- Silent damage to /meta: the SHA-256 of the scenario text and the metadata ---------------

namespace {
// A piece of `text` (say the stored scenario) that occurs exactly once in the file's bytes:
// variable-length text lives uncompressed in a global heap, where HDF5 checks nothing.
std::string piece_found_once(const std::string& bytes, const std::string& text) {
  constexpr std::size_t kLength = 24;
  for (std::size_t at = text.size() / 2; at + kLength <= text.size(); at += 7) {
    const std::string piece = text.substr(at, kLength);
    const std::size_t found = bytes.find(piece);
    if (found != std::string::npos && bytes.find(piece, found + 1) == std::string::npos)
      return piece;
  }
  const std::size_t found = bytes.find(text);
  REQUIRE(found != std::string::npos);
  REQUIRE(bytes.find(text, found + 1) == std::string::npos);
  return text;
}

// A copy of `good` with one bit flipped in the middle of where `text` is stored.
fs::path with_bit_flipped(const fs::path& good, const std::string& text, const fs::path& out) {
  std::string bytes = bytes_of(good);
  const std::string piece = piece_found_once(bytes, text);
  const std::size_t at = bytes.find(piece) + piece.size() / 2;
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  put(out, bytes);
  return out;
}

// A copy of `good` as airace wrote files before they carried a checksum.
fs::path without_checksum(const fs::path& good, const fs::path& out) {
  fs::copy_file(good, out, fs::copy_options::overwrite_existing);
  const hid_t f = H5Fopen(out.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  CHECK(H5Adelete_by_name(f, "meta", "checksum_covers", H5P_DEFAULT) >= 0);
  CHECK(H5Adelete_by_name(f, "meta", "checksum_sha256", H5P_DEFAULT) >= 0);
  H5Fclose(f);
  return out;
}

void check_damaged(const Outcome& o, const fs::path& file, const std::string& what) {
  CAPTURE(o.err);
  CHECK(o.status == 2);
  CHECK(o.err.find(file.string() + ": error: the file is damaged: ") != std::string::npos);
  CHECK(o.err.find(what) != std::string::npos);
  CHECK(o.err.find("no longer match their SHA-256") != std::string::npos);
}
}  // namespace

TEST_CASE("compare refuses a run file whose scenario text or metadata lost a bit") {
  TempDir dir;
  const fs::path good = dir.path / "good.h5";
  REQUIRE(run_airace("run tests/data/small.yaml -q -r 2 --set scenario.end=2022-12-31 -o '" +
                         good.string() + "'",
                     dir)
              .status == 0);
  const RunFile run = open_run_file(good);
  const fs::path csv = dir.path / "out.csv";
  CHECK(run_airace("compare '" + good.string() + "' '" + good.string() + "' --all", dir).status ==
        0);
  for (const fs::path& bad :
       {with_bit_flipped(good, run.meta.resolved_scenario_yaml, dir.path / "scenario_bit.h5"),
        with_bit_flipped(good, run.meta.created_utc, dir.path / "created_bit.h5")}) {
    CAPTURE(bad);
    for (const std::string& args : {"'" + bad.string() + "' '" + good.string() + "'",
                                    "'" + good.string() + "' '" + bad.string() + "' --all"}) {
      const Outcome o = run_airace("compare " + args + " --csv '" + csv.string() + "'", dir);
      check_damaged(o, bad, "the scenario text (/meta/scenario_yaml) or the metadata");
      CHECK(!fs::exists(csv));
    }
    // Every reader of run files checks, not only the first one compare calls.
    silence_hdf5_errors();
    for (const auto& read : std::vector<std::function<void()>>{
             [&] { (void)open_run_file(bad); },
             [&] { (void)read_series(bad, "indicators/us_cn_gap_months"); },
             [&] { (void)read_time_axis(bad, "monthly"); },
             [&] { (void)read_events(bad, "releases", "release"); }}) {
      try {
        read();
        FAIL("read without complaint");
      } catch (const InputError& e) {
        CHECK(e.diagnostics().front().where.file == bad.string());
        CHECK(e.diagnostics().front().message.starts_with("the file is damaged: "));
      }
    }
  }
}

TEST_CASE("merge and analyse refuse a sweep file whose text or metadata lost a bit") {
  TempDir dir;
  const std::string lhs = "sweep tests/data/sweeps/small_lhs.yaml -q ";
  const fs::path part0 = dir.path / "part0.h5";
  const fs::path part1 = dir.path / "part1.h5";
  REQUIRE(run_airace(lhs + "--shard 0/2 -o '" + part0.string() + "'", dir).status == 0);
  REQUIRE(run_airace(lhs + "--shard 1/2 -o '" + part1.string() + "'", dir).status == 0);
  const SweepMeta meta = read_sweep_file(part0).meta;
  const fs::path merged = dir.path / "merged.h5";
  for (const auto& [text, name] : std::vector<std::pair<std::string, std::string>>{
           {meta.sweep_yaml, "sweep_bit.h5"},
           {meta.base_scenario_yaml, "base_bit.h5"},
           {meta.created_utc, "created_bit.h5"}}) {
    const fs::path bad = with_bit_flipped(part0, text, dir.path / name);
    const Outcome m = run_airace(
        "merge '" + part1.string() + "' '" + bad.string() + "' -o '" + merged.string() + "'", dir);
    check_damaged(m, bad, "the sweep text (/meta/sweep_yaml), the base scenario text");
    CHECK(!fs::exists(merged));
  }
  REQUIRE(run_airace("merge '" + part0.string() + "' '" + part1.string() + "' -o '" +
                         merged.string() + "'",
                     dir)
              .status == 0);
  CHECK_NOTHROW((void)read_sweep_file(merged));  // the merged file carries its own checksum

  const fs::path saltelli = dir.path / "saltelli.h5";
  REQUIRE(run_airace("sweep tests/data/sweeps/small_saltelli.yaml -q -o '" + saltelli.string() +
                         "'",
                     dir)
              .status == 0);
  const SweepMeta s = read_sweep_file(saltelli).meta;
  const fs::path csv = dir.path / "indices.csv";
  for (const auto& [text, name] : std::vector<std::pair<std::string, std::string>>{
           {s.base_scenario_yaml, "saltelli_base_bit.h5"},
           {s.command_line, "saltelli_command_bit.h5"}}) {
    const fs::path bad = with_bit_flipped(saltelli, text, dir.path / name);
    const std::string before = bytes_of(bad);
    const Outcome a = run_airace(
        "analyse '" + bad.string() + "' --resamples 50 --csv '" + csv.string() + "'", dir);
    check_damaged(a, bad, "the metadata (19 /meta attributes)");
    CHECK(!fs::exists(csv));
    CHECK(bytes_of(bad) == before);
  }
  // analyse adds /sensitivity, which the checksum does not cover: the file still reads, and a
  // second analysis finds it sound.
  REQUIRE(run_airace("analyse '" + saltelli.string() + "' --resamples 50", dir).status == 0);
  CHECK_NOTHROW((void)read_sweep_file(saltelli));
  CHECK(run_airace("analyse '" + saltelli.string() + "' --resamples 50", dir).status == 0);
}

TEST_CASE("files written before the checksum are read without complaint") {
  TempDir dir;
  const fs::path run = dir.path / "run.h5";
  REQUIRE(run_airace("run tests/data/small.yaml -q -r 2 --set scenario.end=2022-12-31 -o '" +
                         run.string() + "'",
                     dir)
              .status == 0);
  const fs::path old_run = without_checksum(run, dir.path / "old_run.h5");
  const Outcome c =
      run_airace("compare '" + old_run.string() + "' '" + run.string() + "' --all", dir);
  CAPTURE(c.err);
  CHECK(c.status == 0);

  const fs::path part0 = dir.path / "part0.h5";
  const fs::path part1 = dir.path / "part1.h5";
  const std::string lhs = "sweep tests/data/sweeps/small_lhs.yaml -q ";
  REQUIRE(run_airace(lhs + "--shard 0/2 -o '" + part0.string() + "'", dir).status == 0);
  REQUIRE(run_airace(lhs + "--shard 1/2 -o '" + part1.string() + "'", dir).status == 0);
  const fs::path old_part = without_checksum(part0, dir.path / "old_part0.h5");
  const Outcome m = run_airace("merge '" + old_part.string() + "' '" + part1.string() + "' -o '" +
                                   (dir.path / "merged.h5").string() + "'",
                               dir);
  CAPTURE(m.err);
  CHECK(m.status == 0);

  const fs::path saltelli = dir.path / "saltelli.h5";
  REQUIRE(run_airace("sweep tests/data/sweeps/small_saltelli.yaml -q -o '" + saltelli.string() +
                         "'",
                     dir)
              .status == 0);
  const fs::path old_saltelli = without_checksum(saltelli, dir.path / "old_saltelli.h5");
  const Outcome a = run_airace("analyse '" + old_saltelli.string() + "' --resamples 50", dir);
  CAPTURE(a.err);
  CHECK(a.status == 0);
}

}  // namespace bad_files_test
