#include "output/h5_reader.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <new>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "output/h5_detail.hpp"
#include "output/meta_checksum.hpp"
#include "sim/core/diagnostics.hpp"

namespace airace {
namespace {

using h5::check;
using h5::fail;
using h5::Handle;

bool has_link(hid_t parent, const std::string& name) {
  return check(H5Lexists(parent, name.c_str(), H5P_DEFAULT), "looking up " + name) > 0;
}

bool has_attr(hid_t obj, const std::string& name) {
  return check(H5Aexists(obj, name.c_str()), "looking up attribute " + name) > 0;
}

// Strings as stored, variable-length or fixed-length (files merged by other tools may hold
// either): `read` fills a buffer of the file's own string type.
template <class Read>
std::vector<std::string> read_strings(hid_t type, hid_t space, std::size_t count, Read read,
                                      const std::string& what) {
  if (H5Tget_class(type) != H5T_STRING) throw h5::Failure{what + " does not hold text", {}};
  const Handle memory_type(H5Tcopy(type), H5Tclose, "reading " + what);
  h5::check_fits_in_memory(static_cast<double>(count),
                           static_cast<double>(std::max<std::size_t>(H5Tget_size(type), 8)), what);
  std::vector<std::string> out;
  out.reserve(count);
  if (check(H5Tis_variable_str(type), "reading " + what) > 0) {
    std::vector<char*> texts(count, nullptr);
    if (count > 0) {
      const h5::ReadingText watched(count);
      check(read(memory_type.get(), texts.data()), "reading " + what);
    }
    for (const char* t : texts) out.emplace_back(t != nullptr ? t : "");
    if (count > 0) H5Dvlen_reclaim(memory_type.get(), space, H5P_DEFAULT, texts.data());
  } else {
    const std::size_t size = H5Tget_size(type);
    std::vector<char> buffer(count * size + 1, '\0');
    if (count > 0) check(read(memory_type.get(), buffer.data()), "reading " + what);
    for (std::size_t i = 0; i < count; ++i) {
      std::string s(buffer.data() + i * size, size);
      s.erase(s.find_last_not_of(std::string("\0 ", 2)) + 1);  // null or space padding
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::string read_string_attr(hid_t obj, const std::string& name) {
  const Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "opening attribute " + name);
  const Handle type(H5Aget_type(attr.get()), H5Tclose, "reading attribute " + name);
  const Handle space(H5Aget_space(attr.get()), H5Sclose, "reading attribute " + name);
  const auto n = static_cast<std::size_t>(
      check(H5Sget_simple_extent_npoints(space.get()), "reading attribute " + name));
  const std::vector<std::string> values = read_strings(
      type.get(), space.get(), n, [&](hid_t t, void* buf) { return H5Aread(attr.get(), t, buf); },
      "attribute " + name);
  return values.empty() ? std::string() : values.front();
}

std::string read_string_attr_or_empty(hid_t obj, const std::string& name) {
  return has_attr(obj, name) ? read_string_attr(obj, name) : std::string();
}

std::vector<std::string> read_string_array_attr(hid_t obj, const std::string& name) {
  const Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "opening attribute " + name);
  const Handle type(H5Aget_type(attr.get()), H5Tclose, "reading attribute " + name);
  const Handle space(H5Aget_space(attr.get()), H5Sclose, "reading attribute " + name);
  const auto n = static_cast<std::size_t>(
      check(H5Sget_simple_extent_npoints(space.get()), "reading attribute " + name));
  return read_strings(
      type.get(), space.get(), n, [&](hid_t t, void* buf) { return H5Aread(attr.get(), t, buf); },
      "attribute " + name);
}

unsigned long long read_uint64_attr(hid_t obj, const std::string& name) {
  const Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "opening attribute " + name);
  unsigned long long value = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_ULLONG, &value), "reading attribute " + name);
  return value;
}

std::vector<std::string> read_string_dataset(hid_t parent, const std::string& name) {
  const Handle ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "opening " + name);
  const Handle type(H5Dget_type(ds.get()), H5Tclose, "reading " + name);
  const Handle space(H5Dget_space(ds.get()), H5Sclose, "reading " + name);
  const auto n =
      static_cast<std::size_t>(check(H5Sget_simple_extent_npoints(space.get()), "reading " + name));
  return read_strings(
      type.get(), space.get(), n,
      [&](hid_t t, void* buf) { return H5Dread(ds.get(), t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf); },
      name);
}

// Link names in the order written where the group tracks it (ours do), else by name.
std::vector<std::string> link_names(hid_t group, const std::string& what) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  if (H5Literate(group, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect, &names) >= 0)
    return names;
  H5Eclear2(H5E_DEFAULT);
  names.clear();
  check(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names), "listing " + what);
  return names;
}

H5I_type_t object_type(hid_t parent, const std::string& name) {
  const Handle obj(H5Oopen(parent, name.c_str(), H5P_DEFAULT), H5Oclose, "opening " + name);
  return H5Iget_type(obj.get());
}

// Opens `path` read-only after checking that it is an airace run file, runs `body` on it, and
// turns every failure into an InputError naming the file.
template <class Body>
auto with_run_file(const std::filesystem::path& path, Body body) {
  const h5::QuietErrors quiet;
  const h5::ReadingFile reading(path.string());
  const SourceLocation where{path.string(), 0, 0};
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw InputError(where, "no such file");
  if (std::filesystem::is_directory(status))
    throw InputError(where, "is a directory, not a run file");
  try {
    const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
    if (is_hdf5 < 0) fail("cannot read the file");
    if (is_hdf5 == 0)
      throw h5::Failure{"not an HDF5 file (an airace run file is written by 'airace run')", {}};
    const Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "creating file access properties");
    check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "creating file access properties");
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (id < 0) {
      const std::string detail = h5::error_detail();
      if (detail.find("truncated") != std::string::npos)
        throw h5::Failure{
            "the file is truncated, perhaps because its writing was interrupted (" + detail + ")",
            {}};
      throw h5::Failure{"HDF5 cannot open it (" + detail + ")", {}};
    }
    const Handle file(id, H5Fclose, "opening the file");
    if (!has_link(file.get(), "meta") ||
        H5Aexists_by_name(file.get(), "meta", "program_version", H5P_DEFAULT) <= 0)
      throw h5::Failure{"not an airace run file (it has no /meta/program_version attribute)", {}};
    auto result = body(file.get());
    // Checked after the body: where HDF5 itself crashes or loops on a damaged heap, it does so
    // reading /meta in the body first, and the program's watch names that (sim/cli/cli.cpp).
    const Handle meta(H5Gopen2(file.get(), "meta", H5P_DEFAULT), H5Gclose, "opening /meta");
    if (const std::string mismatch = h5::meta_checksum_mismatch(meta.get()); !mismatch.empty())
      throw h5::Failure{"the file is damaged: " + mismatch, h5::kMetaChecksumHint};
    return result;
  } catch (const h5::Failure& f) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(std::vector<Diagnostic>{{where, {}, f.what, f.hint}});
  } catch (const std::bad_alloc&) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(where, "it holds more than this machine's memory can take in");
  }
}

RunMetadata read_meta(hid_t file) {
  const Handle meta(H5Gopen2(file, "meta", H5P_DEFAULT), H5Gclose, "opening /meta");
  RunMetadata m;
  m.program_version = read_string_attr(meta.get(), "program_version");
  m.git_revision = read_string_attr_or_empty(meta.get(), "git_revision");
  m.scenario_name = read_string_attr_or_empty(meta.get(), "scenario_name");
  m.scenario_file = read_string_attr_or_empty(meta.get(), "scenario_file");
  m.command_line = read_string_attr_or_empty(meta.get(), "command_line");
  m.created_utc = read_string_attr_or_empty(meta.get(), "created_utc");
  if (has_attr(meta.get(), "seed")) m.seed = read_uint64_attr(meta.get(), "seed");
  if (has_attr(meta.get(), "replicates"))
    m.replicates = static_cast<std::size_t>(read_uint64_attr(meta.get(), "replicates"));
  if (has_link(meta.get(), "scenario_yaml")) {
    const std::vector<std::string> yaml = read_string_dataset(meta.get(), "scenario_yaml");
    if (!yaml.empty()) m.resolved_scenario_yaml = yaml.front();
  }
  return m;
}

// A series is a dataset carrying a `cadence` attribute; coordinates and entity attributes don't.
bool is_series(hid_t group, const std::string& name) {
  if (object_type(group, name) != H5I_DATASET) return false;
  const Handle ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, "opening " + name);
  return has_attr(ds.get(), "cadence");
}

std::vector<std::string> list_series(hid_t file) {
  std::vector<std::string> paths;
  for (const std::string& group : link_names(file, "/")) {
    if (group == "meta" || group == "time" || object_type(file, group) != H5I_GROUP) continue;
    const Handle g(H5Gopen2(file, group.c_str(), H5P_DEFAULT), H5Gclose, "opening " + group);
    for (const std::string& name : link_names(g.get(), group))
      if (is_series(g.get(), name)) paths.push_back(group + "/" + name);
  }
  return paths;
}

// An event table's rows are a dimension scale carrying the attribute `event_columns`.
bool is_event_table(hid_t group, const std::string& name) {
  if (object_type(group, name) != H5I_DATASET) return false;
  const Handle ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, "opening " + name);
  return has_attr(ds.get(), "event_columns");
}

std::vector<std::string> list_event_tables(hid_t file) {
  std::vector<std::string> paths;
  for (const std::string& group : link_names(file, "/")) {
    if (group == "meta" || group == "time" || object_type(file, group) != H5I_GROUP) continue;
    const Handle g(H5Gopen2(file, group.c_str(), H5P_DEFAULT), H5Gclose, "opening " + group);
    for (const std::string& name : link_names(g.get(), group))
      if (is_event_table(g.get(), name)) paths.push_back(group + "/" + name);
  }
  return paths;
}

// A one-dimensional dataset of `rows` numbers, converted to double.
std::vector<double> read_numbers(hid_t group, const std::string& name, std::size_t rows,
                                 const std::string& where) {
  const Handle ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, "opening " + where);
  const Handle type(H5Dget_type(ds.get()), H5Tclose, "reading " + where);
  const H5T_class_t kind = H5Tget_class(type.get());
  if (kind != H5T_FLOAT && kind != H5T_INTEGER)
    throw h5::Failure{where + " does not hold numbers", {}};
  const Handle space(H5Dget_space(ds.get()), H5Sclose, "reading " + where);
  const auto n = static_cast<std::size_t>(
      check(H5Sget_simple_extent_npoints(space.get()), "reading " + where));
  if (check(H5Sget_simple_extent_ndims(space.get()), "reading " + where) != 1 || n != rows)
    throw h5::Failure{
        where + " does not hold one value per row (" + std::to_string(rows) + " rows)", {}};
  h5::check_fits_in_memory(static_cast<double>(n), sizeof(double), where);
  std::vector<double> values(n);
  if (n > 0)
    check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "reading " + where);
  return values;
}

std::vector<std::string> read_texts(hid_t group, const std::string& name, std::size_t rows,
                                    const std::string& where) {
  if (!has_link(group, name)) throw h5::Failure{"no dataset " + where, {}};
  std::vector<std::string> texts = read_string_dataset(group, name);
  if (texts.size() != rows)
    throw h5::Failure{where + " holds " + std::to_string(texts.size()) + " values for " +
                          std::to_string(rows) + " rows",
                      {}};
  return texts;
}

EventColumn::Kind parse_event_kind(const std::string& text, const std::string& where) {
  for (EventColumn::Kind k : {EventColumn::Kind::number, EventColumn::Kind::date,
                              EventColumn::Kind::entity, EventColumn::Kind::flag})
    if (event_kind_name(k) == text) return k;
  throw h5::Failure{
      where + " has event_kind '" + text + "' where number, date, entity or flag was expected", {}};
}

std::vector<std::string> list_cadences(hid_t file) {
  if (!has_link(file, "time")) return {};
  const Handle time(H5Gopen2(file, "time", H5P_DEFAULT), H5Gclose, "opening /time");
  return link_names(time.get(), "/time");
}

// The scale a netCDF reader would use for a dimension: the last one attached.
std::string last_scale_path(hid_t ds, unsigned dim) {
  std::string path;
  // DIMENSION_LIST is variable-length data in the global heap, which HDF5 may loop on.
  const h5::ReadingText watched(1);
  if (H5DSget_num_scales(ds, dim) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return path;
  }
  check(H5DSiterate_scales(
            ds, dim, nullptr,
            [](hid_t, unsigned, hid_t scale, void* out) -> herr_t {
              char name[1024] = {};
              if (H5Iget_name(scale, name, sizeof name) < 0) return -1;
              *static_cast<std::string*>(out) = name;
              return 0;
            },
            &path),
        "reading the dimension scales");
  return path;
}

std::string dimension_label(hid_t ds, unsigned dim) {
  char text[256] = {};
  // DIMENSION_LABELS are variable-length strings in the global heap, which HDF5 may loop on.
  const h5::ReadingText watched(1);
  check(H5DSget_label(ds, dim, text, sizeof text), "reading the dimension labels");
  return text;
}

}  // namespace

void silence_hdf5_errors() {
  // No clean-up at exit: HDF5 1.10 crashes there closing a file whose close failed (a full
  // disk). Every file airace writes is closed, and checked, before it is renamed into place.
  H5dont_atexit();
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

RunFile open_run_file(const std::filesystem::path& path) {
  return with_run_file(path, [](hid_t file) {
    RunFile run;
    run.meta = read_meta(file);
    run.series_paths = list_series(file);
    run.cadences = list_cadences(file);
    run.event_tables = list_event_tables(file);
    return run;
  });
}

const StoredEventColumn& StoredEvents::column(std::string_view column_name) const {
  for (const StoredEventColumn& c : columns)
    if (c.name == column_name) return c;
  throw std::out_of_range("event table " + group + "/" + name + " has no column " +
                          std::string(column_name));
}

StoredEvents read_events(const std::filesystem::path& path, std::string_view group,
                         std::string_view name) {
  return with_run_file(path, [&](hid_t file) {
    StoredEvents e;
    e.group = group;
    e.name = name;
    const std::string wanted = e.group + "/" + e.name;
    const bool found = !e.group.empty() && !e.name.empty() &&
                       e.group.find('/') == std::string::npos &&
                       e.name.find('/') == std::string::npos && has_link(file, e.group) &&
                       object_type(file, e.group) == H5I_GROUP && has_link(file, wanted) &&
                       is_event_table(file, wanted);
    if (!found) {
      const std::vector<std::string> all = list_event_tables(file);
      throw h5::Failure{"no event table '" + wanted + "'",
                        all.empty() ? std::string("the file has no event tables")
                                    : suggest(wanted, all, "the file's event tables")};
    }

    const Handle g(H5Gopen2(file, e.group.c_str(), H5P_DEFAULT), H5Gclose, "opening " + e.group);
    const Handle rows(H5Dopen2(g.get(), e.name.c_str(), H5P_DEFAULT), H5Dclose,
                      "opening " + wanted);
    e.description = read_string_attr_or_empty(rows.get(), "description");
    const std::vector<std::string> columns = read_string_array_attr(rows.get(), "event_columns");
    const Handle space(H5Dget_space(rows.get()), H5Sclose, "reading " + wanted);
    const auto n = static_cast<std::size_t>(
        check(H5Sget_simple_extent_npoints(space.get()), "reading " + wanted));

    const std::string replicate = e.name + "_replicate";
    if (!has_link(g.get(), replicate)) throw h5::Failure{"no dataset " + wanted + "_replicate", {}};
    for (double r : read_numbers(g.get(), replicate, n, wanted + "_replicate"))
      e.replicate.push_back(static_cast<std::int64_t>(r));

    for (const std::string& column : columns) {
      const std::string where = e.group + "/" + column;
      if (!has_link(g.get(), column))
        throw h5::Failure{"event table " + wanted + " names column " + column +
                              " but there is no dataset " + where,
                          {}};
      StoredEventColumn c;
      c.name = column;
      {
        const Handle ds(H5Dopen2(g.get(), column.c_str(), H5P_DEFAULT), H5Dclose,
                        "opening " + where);
        c.kind = parse_event_kind(read_string_attr_or_empty(ds.get(), "event_kind"), where);
        c.units = read_string_attr_or_empty(ds.get(), "units");
        c.description = read_string_attr_or_empty(ds.get(), "description");
      }
      switch (c.kind) {
        case EventColumn::Kind::number:
        case EventColumn::Kind::flag: c.numbers = read_numbers(g.get(), column, n, where); break;
        case EventColumn::Kind::date:
          c.numbers = read_numbers(g.get(), column, n, where);
          c.texts = read_texts(g.get(), column + "_iso", n, where + "_iso");
          break;
        case EventColumn::Kind::entity: c.texts = read_texts(g.get(), column, n, where); break;
      }
      e.columns.push_back(std::move(c));
    }
    return e;
  });
}

StoredSeries read_series(const std::filesystem::path& path, std::string_view series_path) {
  return with_run_file(path, [&](hid_t file) {
    StoredSeries s;
    const std::string wanted(series_path);
    const auto slash = wanted.find('/');
    if (slash != std::string::npos) {
      s.group = wanted.substr(0, slash);
      s.name = wanted.substr(slash + 1);
    }
    const bool found =
        !s.group.empty() && !s.name.empty() && s.name.find('/') == std::string::npos &&
        has_link(file, s.group) && object_type(file, s.group) == H5I_GROUP &&
        has_link(file, s.group + "/" + s.name) && is_series(file, s.group + "/" + s.name);
    if (!found) {
      const std::vector<std::string> all = list_series(file);
      throw h5::Failure{
          "no series '" + wanted + "' (a series path is 'group/name', e.g. '" +
              (all.empty() ? std::string("indicators/us_cn_gap_months") : all.front()) + "')",
          did_you_mean(wanted, all)};
    }

    const Handle ds(H5Dopen2(file, wanted.c_str(), H5P_DEFAULT), H5Dclose, "opening " + wanted);
    const Handle type(H5Dget_type(ds.get()), H5Tclose, "reading " + wanted);
    const H5T_class_t kind = H5Tget_class(type.get());
    if (kind != H5T_FLOAT && kind != H5T_INTEGER)
      throw h5::Failure{"series " + wanted + " does not hold numbers", {}};
    const Handle space(H5Dget_space(ds.get()), H5Sclose, "reading " + wanted);
    const int rank = check(H5Sget_simple_extent_ndims(space.get()), "reading " + wanted);
    if (rank < 2)
      throw h5::Failure{"series " + wanted + " has " + std::to_string(rank) +
                            " dimensions where [replicate, time, ...] was expected",
                        {}};
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "reading " + wanted);
    double count = 1.0;  // a double: a damaged file's dimensions may overflow an integer
    for (hsize_t d : dims) {
      s.shape.push_back(static_cast<std::size_t>(d));
      count *= static_cast<double>(d);
    }
    h5::check_fits_in_memory(count, sizeof(double), "series " + wanted);
    s.values.resize(static_cast<std::size_t>(count));
    if (!s.values.empty())
      check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, s.values.data()),
            "reading " + wanted);

    s.units = read_string_attr_or_empty(ds.get(), "units");
    s.description = read_string_attr_or_empty(ds.get(), "description");
    s.cadence = read_string_attr(ds.get(), "cadence");
    for (unsigned d = 0; d < static_cast<unsigned>(rank); ++d)
      s.dimensions.push_back(dimension_label(ds.get(), d));
    for (unsigned d = 2; d < static_cast<unsigned>(rank); ++d) {
      const std::string ids = last_scale_path(ds.get(), d);
      s.entity_ids.push_back(ids.empty() ? std::vector<std::string>{}
                                         : read_string_dataset(file, ids));
    }
    return s;
  });
}

ParameterDraws read_parameter_draws(const std::filesystem::path& path) {
  return with_run_file(path, [&](hid_t file) {
    ParameterDraws d;
    if (!has_link(file, "uncertainty")) return d;
    const Handle g(H5Gopen2(file, "uncertainty", H5P_DEFAULT), H5Gclose, "opening /uncertainty");
    if (!has_link(g.get(), "parameter") || !has_link(g.get(), "values"))
      throw h5::Failure{"/uncertainty lacks its 'parameter' or 'values' dataset", {}};
    d.parameters = read_string_dataset(g.get(), "parameter");
    const std::string where = "/uncertainty/values";
    const Handle ds(H5Dopen2(g.get(), "values", H5P_DEFAULT), H5Dclose, "opening " + where);
    const Handle space(H5Dget_space(ds.get()), H5Sclose, "reading " + where);
    hsize_t dims[2] = {0, 0};
    if (check(H5Sget_simple_extent_ndims(space.get()), "reading " + where) != 2)
      throw h5::Failure{where + " is not a [replicate, parameter] table", {}};
    check(H5Sget_simple_extent_dims(space.get(), dims, nullptr), "reading " + where);
    if (dims[1] != d.parameters.size())
      throw h5::Failure{where + " has " + std::to_string(dims[1]) + " columns for " +
                            std::to_string(d.parameters.size()) + " parameters",
                        {}};
    d.replicates = static_cast<std::size_t>(dims[0]);
    h5::check_fits_in_memory(static_cast<double>(dims[0]) * static_cast<double>(dims[1]),
                             sizeof(double), where);
    d.values.resize(d.replicates * d.parameters.size());
    if (!d.values.empty())
      check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.values.data()),
            "reading " + where);
    return d;
  });
}

std::vector<std::string> read_time_axis(const std::filesystem::path& path,
                                        std::string_view cadence) {
  return with_run_file(path, [&](hid_t file) {
    const std::string name(cadence);
    const std::vector<std::string> cadences = list_cadences(file);
    if (std::find(cadences.begin(), cadences.end(), name) == cadences.end()) {
      std::string hint = did_you_mean(name, cadences);
      if (hint.empty()) {
        hint = "the file has";
        for (const std::string& c : cadences) hint += (&c == &cadences.front() ? " " : ", ") + c;
        if (cadences.empty()) hint += " none";
      }
      throw h5::Failure{"no time axis '" + name + "' under /time", hint};
    }
    return read_string_dataset(file, "time/" + name);
  });
}

}  // namespace airace
