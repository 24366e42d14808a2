# Text triage in the hotline (src/triage): the words the blind search index takes from a text.
childsafe_fuzz(triage_search SOURCES ${PROJECT_SOURCE_DIR}/fuzz/triage_search_fuzz.cc
               DEPS childsafe_triage)
