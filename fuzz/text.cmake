# Text engine fuzz targets (src/text). Both read the shipped data files, so they fuzz what runs.
childsafe_fuzz(text_normalize SOURCES ${PROJECT_SOURCE_DIR}/fuzz/text_normalize_fuzz.cc
               DEPS childsafe_text)
childsafe_fuzz(text_parsers SOURCES ${PROJECT_SOURCE_DIR}/fuzz/text_parsers_fuzz.cc
               DEPS childsafe_text)
foreach(t IN ITEMS fuzz_text_normalize fuzz_text_normalize_replay fuzz_text_parsers
                   fuzz_text_parsers_replay)
  if(TARGET ${t})
    target_compile_definitions(${t} PRIVATE CHILDSAFE_DATA_DIR="${PROJECT_SOURCE_DIR}/data")
  endif()
endforeach()
