# Text triage in the hotline (src/triage): the cost it adds to recording a contact, and search and
# queue latency on a large database, each beside its baseline in the same run.
childsafe_bench(triage_hotline_bench SOURCES ${PROJECT_SOURCE_DIR}/bench/triage_hotline_bench.cc
                DEPS childsafe_triage childsafe_testing_services)
