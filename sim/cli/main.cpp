#include "sim/cli/cli.hpp"

int main(int argc, char** argv) { return airace::run_cli(argc, argv); }
