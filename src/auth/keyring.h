#pragma once
// The keyring: the data keys of one database, unwrapped in memory for the life of the process.
//
// On first use it creates one data key per purpose ("field" for field encryption, "pseudonym" for
// keyed pseudonyms, "audit" for the audit trail's chain), wraps them under the current master key
// and stores the wrapped form. It never creates new keys when wrapped keys already exist but cannot
// be unwrapped: that means the master key file is wrong or missing, and the right answer is to stop
// and say so, not to start writing data nobody can read later.
//
// Immutable after Open; safe to share between threads.

#include <memory>
#include <string>

#include "common/result.h"
#include "common/time.h"
#include "crypto/crypto.h"
#include "storage/store.h"

namespace childsafe::auth {

class Keyring {
 public:
  /// Unwraps (creating on first use) the data keys stored in `db`.
  static Result<std::shared_ptr<const Keyring>> Open(storage::Database& db,
                                                     const crypto::MasterKeys& master,
                                                     UnixSeconds now);

  const crypto::FieldCipher& fields() const { return *fields_; }
  const crypto::Pseudonymizer& pseudonyms() const { return *pseudonyms_; }
  /// The key that chains the audit trail (keyed BLAKE2b).
  const crypto::SecretKey& audit_key() const { return audit_key_; }

 private:
  std::unique_ptr<crypto::FieldCipher> fields_;
  std::unique_ptr<crypto::Pseudonymizer> pseudonyms_;
  crypto::SecretKey audit_key_;
};

/// Where master keys come from: the environment variable CHILDSAFE_MASTER_KEY if set, else the
/// file. With `create_if_missing`, a missing file is created (first start of a new database).
Result<crypto::MasterKeys> LoadMasterKeys(const std::string& file, bool create_if_missing);

/// Rotates the master key without downtime: adds a new key to the file, re-wraps every data key
/// under it in one transaction, then removes the old keys from the file. A crash at any step
/// leaves a file that opens the database. Running servers are unaffected (data keys don't change).
/// Returns the new master key id.
Result<uint32_t> RotateMasterKey(storage::Database& db, const std::string& file);

}  // namespace childsafe::auth
