# Text triage benchmark (src/text): normalise + scan throughput and latency against an
# ICU + std::regex baseline in the same run, and the scan alone against Hyperscan.
childsafe_bench(text_bench SOURCES ${PROJECT_SOURCE_DIR}/bench/text_bench.cc
  DEPS childsafe_text PkgConfig::HYPERSCAN)  # Hyperscan: workload 6, the scan it was asked for
target_compile_definitions(text_bench PRIVATE CHILDSAFE_DATA_DIR="${PROJECT_SOURCE_DIR}/data")
# The allocator the server is linked with (src/app): triage runs in the server, and its per-call
# buffers make the allocator part of the figure (glibc malloc: about 10% slower).
target_link_libraries(text_bench PRIVATE PkgConfig::TCMALLOC)
