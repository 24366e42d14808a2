# Hamming index against a plain scan and FAISS (bench/hamming_bench.cc).
if(TARGET faiss)
  childsafe_bench(hamming_bench SOURCES ${PROJECT_SOURCE_DIR}/bench/hamming_bench.cc
    DEPS childsafe_hamming faiss OpenMP::OpenMP_CXX)
else()
  message(WARNING "libfaiss-dev not found: hamming_bench is not built")
endif()
