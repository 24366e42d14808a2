# Text triage benchmark (src/text): normalise + scan throughput and latency against an
# ICU + std::regex baseline in the same run.
childsafe_bench(text_bench SOURCES ${PROJECT_SOURCE_DIR}/bench/text_bench.cc DEPS childsafe_text)
target_compile_definitions(text_bench PRIVATE CHILDSAFE_DATA_DIR="${PROJECT_SOURCE_DIR}/data")
