# Text triage benchmark (src/text): normalise + scan throughput and latency against an
# ICU + std::regex baseline in the same run, and the scan alone against Hyperscan.
childsafe_bench(text_bench SOURCES ${PROJECT_SOURCE_DIR}/bench/text_bench.cc
  DEPS childsafe_text PkgConfig::HYPERSCAN)  # Hyperscan: workload 6, the scan it was asked for
target_compile_definitions(text_bench PRIVATE CHILDSAFE_DATA_DIR="${PROJECT_SOURCE_DIR}/data")
