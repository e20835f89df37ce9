#!/usr/bin/env bash
# Installs every Debian package airace needs to build, run, test and plot, when missing.
# Idempotent and non-interactive (CI runs it with no input). Needs root or sudo.
#
#   bash scripts/setup.sh          what building, running and plotting need, Open MPI
#                                  included (libopenmpi-dev openmpi-bin), so that the build
#                                  runs sweeps under mpirun and srun (docs/sweeps.md)
#   bash scripts/setup.sh --mpi    the same: accepted so that older instructions still work
#                                  (Open MPI used to need it); no longer needed
#   bash scripts/setup.sh --tests  also what the whole test suite exercises: chromium (the
#                                  HTML report is rendered headless and printed to PDF, whose
#                                  first page poppler-utils turns into an image and text) and
#                                  chromium-driver with
#                                  selenium (the seminar page), Ninja, which test.sh builds
#                                  with, Slurm with munge (slurmctld, slurmd, slurm-client,
#                                  munge), for the test that runs sweeps on a one-node cluster
#                                  it starts itself (tests/slurm/real_slurm_test.sh),
#                                  python3-venv, -pip, -setuptools and -wheel (the Python
#                                  package's install test) and jupyter-nbconvert with
#                                  python3-ipykernel (the notebook)
#   bash scripts/setup.sh --fuzz   also clang and libFuzzer, for the fuzz preset
#                                  (tests/fuzz/README.md)
set -euo pipefail

with_tests=0
with_fuzz=0
for arg in "$@"; do
  case "$arg" in
    --mpi) ;;  # Open MPI is installed anyway
    --tests) with_tests=1 ;;
    --fuzz) with_fuzz=1 ;;
    *) echo "setup: unknown option '$arg' (known: --mpi, --tests, --fuzz)" >&2; exit 2 ;;
  esac
done

packages=(
  # build
  cmake g++ make git pkg-config
  # libraries
  libeigen3-dev libtbb-dev libyaml-cpp-dev libhdf5-dev libcli11-dev librandom123-dev zlib1g-dev
  libdeflate-dev  # compression of the HDF5 chunks (several times faster than zlib's deflate)
  libssl-dev  # libcrypto's SHA-256 of the metadata in output files
  # airace serve: HTTP server (Boost.Beast), JSON, and the charts of its page (embedded at build time)
  libboost-dev nlohmann-json3-dev libjs-chart.js
  # tests and output tools
  doctest-dev hdf5-tools
  # plots and reading results from Python
  python3 python3-numpy python3-h5py python3-matplotlib python3-pandas python3-xarray
  python3-h5netcdf
  # MPI sweeps (mpirun -n K airace sweep, srun): CMake builds the MPI mode when it finds Open MPI
  libopenmpi-dev openmpi-bin
)
if [[ "$with_tests" == 1 ]]; then
  # chromium renders the HTML report headless (tests/python/check_report.py); chromium-driver
  # and selenium drive the seminar page in the end-to-end tests (tests/python/e2e_*.py)
  packages+=(chromium chromium-driver python3-selenium)
  # pdftoppm and pdftotext read the first page of the report's PDF (report.py --pdf)
  packages+=(poppler-utils)
  packages+=(ninja-build)  # test.sh builds its presets with Ninja (CMakePresets.json, ci-*)
  # a one-node Slurm cluster that tests/slurm/real_slurm_test.sh starts and stops itself (the
  # packages' services are not used: the test runs the daemons with a configuration of its own)
  packages+=(slurmctld slurmd slurm-client munge)
  # the Python package is pip-installed offline into a fresh virtual environment
  # (tests/python/check_python_package.py), and docs/whatif.ipynb executed by nbconvert
  packages+=(python3-venv python3-pip python3-setuptools python3-wheel)
  packages+=(jupyter-nbconvert python3-ipykernel)
fi
if [[ "$with_fuzz" == 1 ]]; then
  packages+=(clang libclang-rt-dev)  # libclang-rt-dev holds libFuzzer and clang's sanitizers
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# chromedriver reaches chromium at "localhost"; a minimal root (a container without /etc/hosts)
# cannot resolve it, which every Debian install can.
if [[ "$with_tests" == 1 && $(id -u) -eq 0 ]] && ! getent hosts localhost >/dev/null; then
  echo "setup: adding localhost to /etc/hosts (the page tests need it)"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >>/etc/hosts
fi

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: run as root or install sudo" >&2; exit 1; }
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
