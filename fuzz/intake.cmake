childsafe_fuzz(contact_json SOURCES ${PROJECT_SOURCE_DIR}/fuzz/contact_json_fuzz.cc DEPS childsafe_intake
  DEFINITIONS CHILDSAFE_SOURCE_DIR_DEFAULT="${PROJECT_SOURCE_DIR}")
childsafe_fuzz(contact_import SOURCES ${PROJECT_SOURCE_DIR}/fuzz/contact_csv_fuzz.cc DEPS childsafe_intake)
