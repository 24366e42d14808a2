# Image loader + PDQ (src/imagehash). Seed corpus: small valid images of every format and broken
# variants (truncated, oversized headers, corrupt data) in fuzz/corpus/imagehash/.
childsafe_fuzz(imagehash SOURCES ${PROJECT_SOURCE_DIR}/fuzz/imagehash_fuzz.cc DEPS childsafe_imagehash)
