# Image hashing (PDQ): baseline vs exact vs fast on generated 0.3-12 Mpx JPEGs (docs/performance.md).
childsafe_bench(imagehash_bench SOURCES ${PROJECT_SOURCE_DIR}/bench/imagehash_bench.cc
  DEPS childsafe_imagehash JPEG::JPEG)
target_compile_options(imagehash_bench PRIVATE -ffp-contract=off)  # its baseline must stay bit-exact
