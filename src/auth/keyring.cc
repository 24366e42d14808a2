#include "auth/keyring.h"

#include <sys/stat.h>

#include <cstdlib>
#include <map>

#include "common/log.h"

namespace childsafe::auth {

namespace {
constexpr const char* kPurposes[] = {"field", "pseudonym", "audit"};
}

Result<crypto::MasterKeys> LoadMasterKeys(const std::string& file, bool create_if_missing) {
  if (const char* env = std::getenv("CHILDSAFE_MASTER_KEY"); env && *env) {
    return crypto::MasterKeys::Parse(env);
  }
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 && create_if_missing) {
    log::Info("keys.master_created", {{"file", file}});
    return crypto::MasterKeys::CreateFile(file);
  }
  return crypto::MasterKeys::LoadFile(file);
}

Result<std::shared_ptr<const Keyring>> Keyring::Open(storage::Database& db,
                                                     const crypto::MasterKeys& master,
                                                     UnixSeconds now) {
  CS_TRY_STATUS(crypto::Init());
  std::vector<crypto::WrappedKey> wrapped;
  CS_TRY_STATUS(db.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(wrapped, t.ListDataKeys());
    uint32_t next_id = 1;
    for (const auto& w : wrapped) next_id = std::max(next_id, w.id + 1);
    for (const char* purpose : kPurposes) {
      bool have = false;
      for (const auto& w : wrapped) have = have || w.purpose == purpose;
      if (have) continue;
      CS_TRY(crypto::WrappedKey w,
             crypto::Wrap(master, next_id++, purpose, crypto::SecretKey::Random()));
      CS_TRY_STATUS(t.PutDataKey(w, now));
      log::Info("keys.data_key_created", {{"purpose", purpose}, {"id", w.id}});
      wrapped.push_back(std::move(w));
    }
    return {};
  }));
  std::map<uint32_t, crypto::SecretKey> field_keys;
  uint32_t current_field = 0;
  std::optional<crypto::SecretKey> pseudonym_key, audit_key;
  for (const auto& w : wrapped) {
    CS_TRY(crypto::SecretKey k, crypto::Unwrap(master, w));
    if (w.purpose == "field") {
      field_keys.emplace(w.id, k);
      current_field = std::max(current_field, w.id);
    } else if (w.purpose == "pseudonym") {
      pseudonym_key = k;
    } else if (w.purpose == "audit") {
      audit_key = k;
    }
  }
  if (field_keys.empty() || !pseudonym_key || !audit_key)
    return Fail(Error::Internal("keyring incomplete"));
  auto ring = std::shared_ptr<Keyring>(new Keyring());
  ring->fields_ = std::make_unique<crypto::FieldCipher>(std::move(field_keys), current_field);
  ring->pseudonyms_ = std::make_unique<crypto::Pseudonymizer>(*pseudonym_key);
  ring->audit_key_ = *audit_key;
  return std::shared_ptr<const Keyring>(std::move(ring));
}

Result<uint32_t> RotateMasterKey(storage::Database& db, const std::string& file) {
  if (const char* env = std::getenv("CHILDSAFE_MASTER_KEY"); env && *env) {
    return Fail(Error::Precondition(
        "the master key comes from CHILDSAFE_MASTER_KEY; rotate it where it is managed"));
  }
  CS_TRY(crypto::MasterKeys master, crypto::MasterKeys::LoadFile(file));
  // 1. The file holds old and new keys: whatever happens next, the database opens.
  uint32_t fresh = master.AddRandom();
  CS_TRY_STATUS(master.SaveFile(file));
  // 2. Re-wrap every data key under the new key, all or nothing.
  CS_TRY_STATUS(db.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto wrapped, t.ListDataKeys());
    for (const auto& w : wrapped) {
      CS_TRY(crypto::SecretKey k, crypto::Unwrap(master, w));
      CS_TRY(crypto::WrappedKey rewrapped, crypto::Wrap(master, w.id, w.purpose, k));
      CS_TRY_STATUS(t.RewrapDataKey(rewrapped));
    }
    return {};
  }));
  // 3. Only the new key is needed now.
  crypto::MasterKeys only_new;
  only_new.keys.emplace(fresh, master.keys.at(fresh));
  only_new.current = fresh;
  CS_TRY_STATUS(only_new.SaveFile(file));
  log::Info("keys.master_rotated", {{"master_id", fresh}});
  return fresh;
}

}  // namespace childsafe::auth
