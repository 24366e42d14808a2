# Matching service over HTTP against a 10M-hash bank, beside in-process lookups and a plain scan
# (bench/matching_bench.cc). It drives the real `childsafe` binary.
childsafe_bench(matching_bench SOURCES ${PROJECT_SOURCE_DIR}/bench/matching_bench.cc
  DEPS childsafe_process childsafe_hamming PkgConfig::HTTPLIB nlohmann_json::nlohmann_json
       Threads::Threads)
target_compile_definitions(matching_bench PRIVATE CHILDSAFE_BINARY_DIR_DEFAULT="${PROJECT_BINARY_DIR}")
add_dependencies(matching_bench childsafe)
