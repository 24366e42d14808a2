#pragma once
// The storage conformance suite: every driver of storage::Database must pass these tests.
// A driver's test file instantiates it with a factory:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StorageConformance, ::testing::Values(&MakeSqlite));

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "storage/store.h"
#include "testing/testing.h"

namespace childsafe::storage {

/// Creates an empty, migrated database living in `dir`.
using DatabaseFactory = std::unique_ptr<Database> (*)(const testing::TempDir& dir);

class StorageConformance : public ::testing::TestWithParam<DatabaseFactory> {
 protected:
  void SetUp() override { db_ = GetParam()(dir_); }
  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

}  // namespace childsafe::storage
