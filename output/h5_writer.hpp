#pragma once
// Writes a run's result as one HDF5 file that h5py, xarray (h5netcdf and netcdf4 engines) and
// pandas (through xarray) read without custom code.
//
// Layout (R replicates; <c> a cadence name such as "monthly"; T_c its number of dates):
//
//   /meta                          string attrs program_version, git_revision, scenario_name,
//                                  scenario_file, command_line, created_utc; uint64 attrs seed,
//                                  replicates; int32 attr layout_version (= 1)
//   /meta/scenario_yaml            scalar string: the resolved scenario
//   /meta/decisions                scalar string, only when the scenario has policy events with
//                                  a team (a wargame): CSV "date,team,id,set,value"
//   /meta                          string-array attr checksum_covers: what the checksum covers,
//                                  in order: "attr:program_version", ... "attr:layout_version"
//                                  (each attr above, in that order), "dataset:scenario_yaml",
//                                  then "dataset:decisions" when written; string attr
//                                  checksum_sha256: lower-case hex SHA-256 of, for each covered
//                                  item in order, its name (as in checksum_covers) "\n" the
//                                  decimal byte length of its value "\n" the value's bytes "\n"
//                                  (a string: its UTF-8 bytes; an integer attr: its decimal
//                                  text; a string-array attr: its items joined by "\n").
//                                  Readers refuse a file whose /meta no longer matches it as
//                                  damaged; a file with neither attr (written before) is read
//                                  unchecked (output/meta_checksum.hpp, docs/scenarios.md)
//   /replicate          [R]        int64 0..R-1, dimension scale (the canonical replicate axis)
//   /time/<c>           [T_c]      ISO dates "YYYY-MM-DD", dimension scale (the canonical axes)
//   /<group>/<axis>     [E]        entity ids, dimension scale (e.g. /labs/lab)
//   /<group>/<attr>     [E]        one per entity attribute (string or float64), attrs units,
//                                  description
//   /<group>/<series>   [R,T_c]    float64; [R,T_c,E1,...] with one dimension per entity axis
//                                  of the series; attrs units, description, long_name
//                                  (= description), cadence; dimension labels "replicate",
//                                  "time", then each axis name; NaN where never set
//
// When the scenario has uncertain parameters (P of them):
//
//   /uncertainty/parameter [P]     key paths, dimension scale; attrs units, distribution
//   /uncertainty/values    [R,P]   float64: the value each replicate drew; attr units
//   /uncertainty/status    [R]     int8: 0 the replicate ran, 1 it failed (its series are NaN)
//   /uncertainty/reason    [R]     why it failed, else ""
//
// netCDF readers (netCDF-C and h5netcdf, hence xarray) only see a dimension defined in the
// variable's own group or an ancestor, so /time/<c> cannot name a dimension of /labs/x. Each
// group that holds series therefore also carries its own coordinates, which are the dimension
// scales those readers use:
//
//   /<group>/replicate  [R]        int64 0..R-1
//   /<group>/time_<c>   [T_c]      int64 days since 1970-01-01 with CF attrs (units, calendar),
//                                  so that xarray decodes it to datetime64
//   /<group>/<axis>     [E]        ids of an entity axis that lives in another group (e.g.
//                                  /indicators/country for per-country indicators)
//
// Each copy names its canonical axis in the attribute `canonical_axis`. On a series both scales
// are attached to a dimension, the canonical one first: netCDF-C and h5netcdf take the last one
// attached, h5py lists both (ds.dims[1][0] is /time/<c>, ds.dims[1][1] the group's copy).
// So xr.open_dataset(f, group="labs") has dimensions (replicate, time_monthly, lab).
//
// Event tables (a variable number of rows per replicate, e.g. model releases; <t> the table's
// name, the name of its row dimension; N its rows over all replicates, replicate by replicate,
// each replicate's in the order the model recorded them). In the table's group, which may also
// hold series and entity axes:
//
//   /<group>/<t>             [N]  int64 0..N-1, dimension scale (the row dimension); attrs
//                                 description, long_name, event_columns (string array: the
//                                 columns in order)
//   /<group>/<t>_replicate   [N]  int64: the replicate of each row
//   /<group>/<column>        [N]  one per column, by kind:
//                                   number  float64, NaN allowed
//                                   flag    int8, 0 or 1
//                                   date    int64 days since 1970-01-01 with CF attrs units
//                                           "days since 1970-01-01" and calendar
//                                           "proleptic_gregorian" (xarray decodes datetime64)
//                                   entity  the entity ids as strings ("deepseek"), attr
//                                           entity_axis = "/<axis group>/<axis name>"
//   /<group>/<column>_iso    [N]  for each date column: ISO dates "YYYY-MM-DD", strings
//
// Every dataset of a table carries attrs units ("" for ids, replicates and ISO dates),
// description, long_name and event_kind (number, flag, date, entity; "replicate" and
// "iso_date" on the two derived kinds), has the row scale attached and its dimension labelled
// <t>. They are contiguous, not compressed: tables are small, and a table with no rows is a set
// of datasets of length 0. So xr.open_dataset(f, group="releases") has the dimension release.
// layout_version stays 1: event tables only add datasets, and they carry no `cadence`, so a
// reader that knows only series skips them.
//
// Compression: series are chunked (at most 512 KiB a chunk, whole time series and entity rows
// where they fit), shuffled and deflated at level 1: the chunks are compressed on every core
// (output/chunk_codec.hpp) and handed to HDF5 ready-made. Coordinates are small and contiguous.
//
// HDF5 as packaged by Debian must be called from one thread at a time; the writers make every
// HDF5 call from the calling thread (other threads only compress memory buffers).

#include <filesystem>
#include <string>

#include "output/replace_file.hpp"
#include "sim/core/series.hpp"

namespace airace {

// Writes `result` into the temporary file of `out` (the caller commits it). Throws OutputError.
void write_run_file(FileReplacement& out, const RunResult& result);
// Writes `result` as the file `path` by a FileReplacement (output/replace_file.hpp): the old file
// stays until the new one is complete on disk. Throws OutputError, or InputError for a path the
// rules refuse.
void write_run_file(const std::filesystem::path& path, const RunResult& result,
                    const OutputRules& rules = {});
// The bytes of the same file, built in memory (a download): nothing touches the disk. Throws
// OutputError naming `target`, what the bytes are for.
std::string run_file_bytes(const RunResult& result, const std::filesystem::path& target);

}  // namespace airace
