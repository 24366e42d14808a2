# Hotline core benchmarks (statistics, intake). They drive the real `childsafe` binary.
foreach(b stats_bench intake_bench)
  childsafe_bench(${b} SOURCES ${PROJECT_SOURCE_DIR}/bench/${b}.cc
    DEPS childsafe_process PkgConfig::HTTPLIB PkgConfig::SQLITE3 nlohmann_json::nlohmann_json Threads::Threads)
  target_compile_definitions(${b} PRIVATE CHILDSAFE_BINARY_DIR_DEFAULT="${PROJECT_BINARY_DIR}")
  add_dependencies(${b} childsafe)
endforeach()
