# The hamming index file loader (src/hamming/index_file.h). Seeds: valid files of 0-3 records and
# damaged ones in fuzz/corpus/hamming_index_file/.
childsafe_fuzz(hamming_index_file SOURCES ${PROJECT_SOURCE_DIR}/fuzz/hamming_index_file_fuzz.cc
  DEPS childsafe_hamming)
