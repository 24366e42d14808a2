# Helpers that give every module the same flags, include root and test registration.

set(CHILDSAFE_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wcast-align -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations)
if(CHILDSAFE_WERROR)
  list(APPEND CHILDSAFE_WARNINGS -Werror)
endif()

if(CHILDSAFE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  # GCC 12's -Wmaybe-uninitialized gives false positives inside libstdc++ (std::function in
  # <regex>, which cpp-httplib includes) when instrumented at -O1; GCC documents that sanitizers
  # change what this warning sees. The release build keeps it.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
endif()
if(CHILDSAFE_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# Apply project warnings to a target (not to third-party code, which comes in as -isystem).
function(childsafe_warnings target)
  target_compile_options(${target} PRIVATE ${CHILDSAFE_WARNINGS})
endfunction()

# childsafe_library(<name> SOURCES a.cc b.cc DEPS other_module Some::Target)
# Creates static library childsafe_<name> with src/ as its public include root.
function(childsafe_library name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_library(childsafe_${name} STATIC ${A_SOURCES})
  target_include_directories(childsafe_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(childsafe_${name} PUBLIC ${A_DEPS})
  childsafe_warnings(childsafe_${name})
endfunction()

# childsafe_test(<name> SOURCES x_test.cc DEPS ... [LABELS unit|integration] [ENVIRONMENT K=V])
# One GoogleTest binary per module, registered as one CTest test (fast configure, clear output).
function(childsafe_test name)
  cmake_parse_arguments(A "" "TIMEOUT" "SOURCES;DEPS;LABELS;ENVIRONMENT" ${ARGN})
  if(NOT A_LABELS)
    set(A_LABELS unit)
  endif()
  if(CHILDSAFE_UNIT_ONLY AND NOT "unit" IN_LIST A_LABELS)
    return()
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gmock GTest::gtest_main)
  childsafe_warnings(${name})
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
  set_tests_properties(${name} PROPERTIES
    LABELS "${A_LABELS}" TIMEOUT ${A_TIMEOUT}
    ENVIRONMENT "CHILDSAFE_SOURCE_DIR=${PROJECT_SOURCE_DIR};CHILDSAFE_BINARY_DIR=${PROJECT_BINARY_DIR};${A_ENVIRONMENT}")
endfunction()

# childsafe_bench(<name> SOURCES x_bench.cc DEPS ...): a benchmark program (run by `make bench`).
function(childsafe_bench name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_DEPS})
  childsafe_warnings(${name})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bench)
endfunction()
