#include "auth/accounts.h"

#include <gtest/gtest.h>

#include "crypto/secrets.h"
#include "testing/services.h"

namespace childsafe::auth {
namespace {

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto admin = h_.accounts().CreateUser(
        Principal::System(), {"admin", "Quản trị", "administrator", "", "", std::nullopt});
    ASSERT_TRUE(admin) << admin.error().ToString();
    admin_ = *admin;
    auto lan = h_.accounts().CreateUser(
        Principal::System(),
        {"tv.lan", "Lan", "counsellor", "hanoi", "", std::string("ngựa-vằn-ăn-cỏ-xanh")});
    ASSERT_TRUE(lan) << lan.error().ToString();
    lan_ = *lan;
  }

  Result<LoginResult> Login(const std::string& user, const std::string& pw,
                            const std::string& code = "", const std::string& address = "10.0.0.1") {
    LoginRequest r;
    r.username = user;
    r.password = pw;
    r.totp_code = code;
    r.address = address;
    return h_.accounts().Login(r);
  }

  std::string Code(const CreatedUser& u, int64_t offset = 0) {
    return crypto::Totp(*crypto::Base32Decode(u.totp_secret_base32), h_.clock().Now() + offset);
  }

  testing::TestHotline h_;
  CreatedUser admin_, lan_;
};

TEST_F(AccountsTest, AdministratorsGetAGeneratedPasswordAOneTimeCodeAndRecoveryCodes) {
  EXPECT_EQ(admin_.initial_password.size(), 23u);
  EXPECT_TRUE(admin_.user.must_change_password);
  EXPECT_FALSE(admin_.totp_secret_base32.empty());
  EXPECT_EQ(admin_.totp_uri.rfind("otpauth://totp/childsafe:admin?", 0), 0u);
  EXPECT_EQ(admin_.recovery_codes.size(), 10u);
  EXPECT_TRUE(lan_.totp_secret_base32.empty());  // optional for counsellors
  EXPECT_FALSE(lan_.user.must_change_password);
  // Password hashes are argon2id; no secret is stored in clear.
  auto u = h_.accounts().FindUser("ADMIN");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->password_hash.rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(u->totp_secret.find(*crypto::Base32Decode(admin_.totp_secret_base32)),
            std::string::npos);
}

TEST_F(AccountsTest, SignInNeedsTheRightPasswordAndCode) {
  auto no_code = Login("admin", admin_.initial_password);
  ASSERT_FALSE(no_code);
  EXPECT_EQ(no_code.error().fields.at(0).field, "totp_code");
  auto ok = Login("admin", admin_.initial_password, Code(admin_));
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->session_token.rfind("s_", 0), 0u);
  // The same code cannot be used twice.
  auto replay = Login("admin", admin_.initial_password, Code(admin_));
  EXPECT_FALSE(replay);
  auto p = h_.accounts().AuthenticateSession(ok->session_token);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->role, "administrator");
  EXPECT_TRUE(p->must_change_password);
  EXPECT_TRUE(h_.accounts().CheckCsrf(ok->session_token, ok->csrf_token));
  EXPECT_FALSE(h_.accounts().CheckCsrf(ok->session_token, "forged"));
  EXPECT_FALSE(h_.accounts().CheckCsrf(ok->session_token, ""));
}

TEST_F(AccountsTest, TheSameAnswerWhetherOrNotTheAccountExists) {
  auto wrong = Login("tv.lan", "not-the-password!");
  auto unknown = Login("nobody.here", "not-the-password!");
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.error().code, unknown.error().code);
  EXPECT_EQ(wrong.error().message, unknown.error().message);
  EXPECT_TRUE(unknown.error().fields.empty());
}

TEST_F(AccountsTest, RepeatedFailuresAreSlowedDownWithGrowingDelays) {
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(Login("tv.lan", "wrong-password-" + std::to_string(i)).error().code,
              ErrorCode::kUnauthenticated);
  auto locked = Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh");  // even the right password waits
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().code, ErrorCode::kResourceExhausted);
  int first_delay = locked.error().retry_after_seconds;
  EXPECT_GT(first_delay, 0);
  h_.clock().Advance(first_delay + 1);
  EXPECT_FALSE(Login("tv.lan", "wrong-again-1"));
  auto longer = Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh");
  ASSERT_FALSE(longer);
  EXPECT_GT(longer.error().retry_after_seconds, first_delay);  // the delay grows
  // Unknown accounts are throttled the same way.
  for (int i = 0; i < 5; ++i) (void)Login("ghost", "x-" + std::to_string(i), "", "10.0.0.9");
  EXPECT_EQ(Login("ghost", "y", "", "10.0.0.9").error().code, ErrorCode::kResourceExhausted);
  // And one address trying many accounts.
  for (int i = 0; i < 25; ++i) (void)Login("user" + std::to_string(i), "pw", "", "10.9.9.9");
  EXPECT_EQ(Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh", "", "10.9.9.9").error().code,
            ErrorCode::kResourceExhausted);
}

TEST_F(AccountsTest, SessionsExpireWhenIdleAndAtTheirLifetimeAndEndAtLogout) {
  auto s = Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh");
  ASSERT_TRUE(s);
  h_.clock().Advance(29 * 60);
  EXPECT_TRUE(h_.accounts().AuthenticateSession(s->session_token));
  h_.clock().Advance(29 * 60);  // still alive: the previous request reset the idle clock
  EXPECT_TRUE(h_.accounts().AuthenticateSession(s->session_token));
  h_.clock().Advance(31 * 60);
  EXPECT_FALSE(h_.accounts().AuthenticateSession(s->session_token));  // idle

  auto t = Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh");
  ASSERT_TRUE(t);
  for (int i = 0; i < 25; ++i) {  // active all day: the absolute lifetime still ends it
    h_.clock().Advance(29 * 60);
    (void)h_.accounts().AuthenticateSession(t->session_token);
  }
  EXPECT_FALSE(h_.accounts().AuthenticateSession(t->session_token));

  auto u = Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh");
  ASSERT_TRUE(u);
  auto who = h_.accounts().AuthenticateSession(u->session_token);
  ASSERT_TRUE(who);
  ASSERT_TRUE(h_.accounts().Logout(*who, u->session_token));
  EXPECT_FALSE(h_.accounts().AuthenticateSession(u->session_token));
}

TEST_F(AccountsTest, SignInReplacesASessionTheBrowserAlreadyHad) {
  auto attacker = Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh");
  ASSERT_TRUE(attacker);
  LoginRequest r;
  r.username = "tv.lan";
  r.password = "ngựa-vằn-ăn-cỏ-xanh";
  r.previous_session = attacker->session_token;  // a fixed session id planted in the browser
  auto victim = h_.accounts().Login(r);
  ASSERT_TRUE(victim);
  EXPECT_NE(victim->session_token, attacker->session_token);
  EXPECT_FALSE(h_.accounts().AuthenticateSession(attacker->session_token));
  EXPECT_TRUE(h_.accounts().AuthenticateSession(victim->session_token));
}

TEST_F(AccountsTest, RecoveryCodesWorkOnce) {
  LoginRequest r;
  r.username = "admin";
  r.password = admin_.initial_password;
  r.recovery_code = admin_.recovery_codes[3];
  EXPECT_TRUE(h_.accounts().Login(r));
  EXPECT_FALSE(h_.accounts().Login(r));
}

TEST_F(AccountsTest, PasswordChangesFollowThePolicy) {
  auto s = Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh");
  auto who = h_.accounts().AuthenticateSession(s->session_token);
  ASSERT_TRUE(who);
  EXPECT_EQ(
      h_.accounts().ChangePassword(*who, "wrong", "another-long-phrase").error().fields.at(0).field,
      "current_password");
  EXPECT_EQ(h_.accounts()
                .ChangePassword(*who, "ngựa-vằn-ăn-cỏ-xanh", "password1234")
                .error()
                .fields.at(0)
                .field,
            "new_password");
  EXPECT_TRUE(h_.accounts().ChangePassword(*who, "ngựa-vằn-ăn-cỏ-xanh", "mây-trắng-bay-trên-núi"));
  EXPECT_FALSE(Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh"));
  EXPECT_TRUE(Login("tv.lan", "mây-trắng-bay-trên-núi"));
}

TEST_F(AccountsTest, OptionalOneTimeCodesCanBeEnrolled) {
  auto s = Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh");
  auto who = *h_.accounts().AuthenticateSession(s->session_token);
  auto e = h_.accounts().StartTotp(who);
  ASSERT_TRUE(e);
  EXPECT_FALSE(h_.accounts().ConfirmTotp(who, "000000"));
  auto codes = h_.accounts().ConfirmTotp(
      who, crypto::Totp(*crypto::Base32Decode(e->secret_base32), h_.clock().Now()));
  ASSERT_TRUE(codes);
  EXPECT_EQ(codes->size(), 10u);
  h_.clock().Advance(60);
  EXPECT_FALSE(Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh"));  // now a code is required
  EXPECT_TRUE(Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh",
                    crypto::Totp(*crypto::Base32Decode(e->secret_base32), h_.clock().Now())));
}

TEST_F(AccountsTest, DisablingEndsSessionsAndTheLastAdministratorStays) {
  auto s = Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh");
  ASSERT_TRUE(s);
  ASSERT_TRUE(
      h_.accounts().UpdateUser(Principal::System(), lan_.user.id,
                               {std::nullopt, std::nullopt, std::nullopt, std::nullopt, true}));
  EXPECT_FALSE(h_.accounts().AuthenticateSession(s->session_token));
  EXPECT_FALSE(Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh"));
  auto last =
      h_.accounts().UpdateUser(Principal::System(), admin_.user.id,
                               {std::nullopt, std::nullopt, std::nullopt, std::nullopt, true});
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().code, ErrorCode::kFailedPrecondition);
  // Only administrators manage accounts.
  Principal counsellor =
      Principal::Make(Principal::Kind::kUser, lan_.user.id, "tv.lan", "counsellor");
  EXPECT_EQ(h_.accounts()
                .CreateUser(counsellor, {"x.y", "X", "counsellor", "", "", std::nullopt})
                .error()
                .code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(
      h_.accounts()
          .CreateUser(Principal::System(), {"admin", "again", "counsellor", "", "", std::nullopt})
          .error()
          .code,
      ErrorCode::kAlreadyExists);
  EXPECT_EQ(h_.accounts()
                .CreateUser(Principal::System(), {"Bad Name!", "X", "god", "", "", std::nullopt})
                .error()
                .fields.size(),
            2u);
}

TEST_F(AccountsTest, TokensCarryScopesAndExpire) {
  auto t = h_.accounts().CreateToken(Principal::System(), "platform", "administrator",
                                     {"stats.read"}, h_.clock().Now() + 3600);
  ASSERT_TRUE(t);
  auto p = AuthenticateToken(h_.db(), t->token, h_.clock().Now());
  ASSERT_TRUE(p);
  EXPECT_TRUE(h_.permissions().Check(*p, "stats.read"));
  EXPECT_FALSE(h_.permissions().Check(*p, "contacts.read"));  // narrower than its role
  EXPECT_FALSE(AuthenticateToken(h_.db(), t->token, h_.clock().Now() + 3600));
  ASSERT_TRUE(h_.accounts().RevokeToken(Principal::System(), t->id));
  EXPECT_FALSE(AuthenticateToken(h_.db(), t->token, h_.clock().Now()));
  EXPECT_EQ(h_.accounts()
                .CreateToken(Principal::System(), "x", "administrator", {"no.such"}, std::nullopt)
                .error()
                .code,
            ErrorCode::kInvalidArgument);
}

TEST_F(AccountsTest, EverySignInAndChangeIsAudited) {
  (void)Login("tv.lan", "wrong-password-x");
  (void)Login("tv.lan", "ngựa-vằn-ăn-cỏ-xanh");
  std::vector<storage::AuditEntry> entries;
  ASSERT_TRUE(h_.db().Read([&](storage::ReadTxn& t) -> Status {
    storage::AuditQuery q;
    q.action = "auth.login";
    CS_TRY(entries, t.QueryAudit(q));
    return {};
  }));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].outcome, "ok");
  EXPECT_EQ(entries[1].outcome, "failed");
  EXPECT_EQ(entries[1].details.find("ngựa"), std::string::npos);  // never the password
  auto verify = h_.audit().Verify(h_.db());
  ASSERT_TRUE(verify);
  EXPECT_FALSE(verify->first_bad_seq);
  EXPECT_GE(verify->entries, 4);  // two users created, two sign-in attempts
}

}  // namespace
}  // namespace childsafe::auth
