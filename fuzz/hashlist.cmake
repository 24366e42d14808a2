# The hash-list importers (src/hashlist): CSV and JSON Lines. Seeds in fuzz/corpus/hashlist_csv/
# and fuzz/corpus/hashlist_jsonl/.
childsafe_fuzz(hashlist_csv SOURCES ${PROJECT_SOURCE_DIR}/fuzz/hashlist_csv_fuzz.cc
  DEPS childsafe_hashlist)
childsafe_fuzz(hashlist_jsonl SOURCES ${PROJECT_SOURCE_DIR}/fuzz/hashlist_jsonl_fuzz.cc
  DEPS childsafe_hashlist)
