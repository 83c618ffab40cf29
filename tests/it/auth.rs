use chrono::Duration;
use dealerdesk_services::audit_log::{self, AuditLogError};
use dealerdesk_services::auth::{
    self, Actor, AuthError, NewStaff, Role, SessionToken, SignInOutcome,
};
use dealerdesk_store::audit::ExportFormat;
use dealerdesk_store::meta_set;

use crate::support::{cli_actor, fresh, now, staff, PASSWORD};

/// Signs in and enrols MFA as a person with an authenticator app would; returns the token and
/// the secret.
async fn enrolled(store: &dealerdesk_store::Store, username: &str) -> (SessionToken, String) {
    let signin = auth::sign_in(store, username, PASSWORD, now())
        .await
        .expect("password ok");
    let SignInOutcome::MfaEnrolmentRequired { enrolment } = signin.outcome else {
        panic!("a new account must enrol MFA, got {:?}", signin.outcome);
    };
    let code = auth::totp_code_at(&enrolment.secret_base32, username, now()).expect("code");
    auth::confirm_enrolment(store, &signin.token, &code, now())
        .await
        .expect("enrolled");
    (signin.token, enrolment.secret_base32)
}

#[tokio::test]
async fn first_sign_in_enrols_mfa_and_later_sign_ins_ask_for_the_code() {
    let f = fresh().await;
    staff(&f.store, "amy", Role::Sales).await;
    let (token, secret) = enrolled(&f.store, "amy").await;
    let who = auth::authorize(&f.store, Some(&token), now(), Role::ALL, "test")
        .await
        .expect("active");
    assert_eq!(who.username, "amy");
    assert!(who.mfa_enrolled, "enrolment recorded");

    let later = now() + Duration::minutes(2);
    let again = auth::sign_in(&f.store, "AMY", PASSWORD, later)
        .await
        .expect("username is case-insensitive");
    assert!(
        matches!(again.outcome, SignInOutcome::MfaRequired),
        "{:?}",
        again.outcome
    );
    let blocked = auth::authorize(&f.store, Some(&again.token), later, Role::ALL, "test").await;
    assert!(
        matches!(blocked, Err(AuthError::MfaRequired)),
        "no access before the code"
    );
    let code = auth::totp_code_at(&secret, "amy", later).expect("code");
    let session = auth::verify_mfa(&f.store, &again.token, &code, later)
        .await
        .expect("code accepted");
    assert_eq!(session.staff.username, "amy");
    assert!(!session.mfa_bypassed);
}

#[tokio::test]
async fn a_totp_code_cannot_be_used_twice() {
    let f = fresh().await;
    staff(&f.store, "amy", Role::Sales).await;
    let (_, secret) = enrolled(&f.store, "amy").await;
    let t = now() + Duration::seconds(40);
    let code = auth::totp_code_at(&secret, "amy", t).expect("code");
    let first = auth::sign_in(&f.store, "amy", PASSWORD, t)
        .await
        .expect("password");
    auth::verify_mfa(&f.store, &first.token, &code, t)
        .await
        .expect("first use ok");
    let second = auth::sign_in(&f.store, "amy", PASSWORD, t)
        .await
        .expect("password");
    let replay = auth::verify_mfa(&f.store, &second.token, &code, t).await;
    assert!(
        matches!(replay, Err(AuthError::InvalidMfaCode)),
        "replayed code refused: {replay:?}"
    );
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes() {
    let f = fresh().await;
    staff(&f.store, "amy", Role::Sales).await;
    for i in 1..=4 {
        let r = auth::sign_in(&f.store, "amy", "wrong password!", now()).await;
        assert!(
            matches!(r, Err(AuthError::InvalidCredentials)),
            "attempt {i}: {r:?}"
        );
    }
    let fifth = auth::sign_in(&f.store, "amy", "wrong password!", now()).await;
    assert!(
        matches!(fifth, Err(AuthError::AccountLocked { .. })),
        "fifth locks: {fifth:?}"
    );
    let right_but_locked =
        auth::sign_in(&f.store, "amy", PASSWORD, now() + Duration::minutes(14)).await;
    assert!(
        matches!(right_but_locked, Err(AuthError::AccountLocked { .. })),
        "still locked at 14 min"
    );
    let after = auth::sign_in(&f.store, "amy", PASSWORD, now() + Duration::minutes(16)).await;
    assert!(after.is_ok(), "unlocked after 15 minutes: {after:?}");
}

#[tokio::test]
async fn an_unknown_username_gets_the_same_answer_as_a_wrong_password() {
    let f = fresh().await;
    let r = auth::sign_in(&f.store, "nobody", PASSWORD, now()).await;
    assert!(matches!(r, Err(AuthError::InvalidCredentials)), "{r:?}");
}

#[tokio::test]
async fn an_idle_session_locks_and_the_password_unlocks_it() {
    let f = fresh().await;
    staff(&f.store, "amy", Role::Sales).await;
    let (token, _) = enrolled(&f.store, "amy").await;
    let idle = now() + Duration::minutes(11);
    let r = auth::authorize(&f.store, Some(&token), idle, Role::ALL, "test").await;
    assert!(
        matches!(r, Err(AuthError::SessionLocked)),
        "10 idle minutes lock the desk: {r:?}"
    );
    let wrong = auth::unlock(&f.store, Some(&token), "not my password", idle).await;
    assert!(
        matches!(wrong, Err(AuthError::InvalidCredentials)),
        "{wrong:?}"
    );
    let view = auth::unlock(&f.store, Some(&token), PASSWORD, idle)
        .await
        .expect("unlocked");
    assert!(!view.locked);
    auth::authorize(&f.store, Some(&token), idle, Role::ALL, "test")
        .await
        .expect("usable again");
}

#[tokio::test]
async fn the_idle_lock_time_is_a_setting() {
    let f = fresh().await;
    staff(&f.store, "amy", Role::Sales).await;
    let (token, _) = enrolled(&f.store, "amy").await;
    {
        let mut conn = f.store.pool().acquire().await.expect("conn");
        meta_set(&mut conn, "idle_lock_minutes", "2")
            .await
            .expect("setting");
    }
    let r = auth::authorize(
        &f.store,
        Some(&token),
        now() + Duration::minutes(3),
        Role::ALL,
        "test",
    )
    .await;
    assert!(matches!(r, Err(AuthError::SessionLocked)), "{r:?}");
}

#[tokio::test]
async fn sessions_expire_after_twelve_hours_even_when_active() {
    let f = fresh().await;
    staff(&f.store, "amy", Role::Sales).await;
    let (token, _) = enrolled(&f.store, "amy").await;
    let mut t = now();
    while t < now() + Duration::hours(11) {
        t += Duration::minutes(9);
        auth::authorize(&f.store, Some(&token), t, Role::ALL, "test")
            .await
            .expect("active use");
    }
    let r = auth::authorize(
        &f.store,
        Some(&token),
        now() + Duration::hours(12),
        Role::ALL,
        "test",
    )
    .await;
    assert!(matches!(r, Err(AuthError::SessionExpired)), "{r:?}");
}

#[tokio::test]
async fn a_role_check_refuses_and_is_audited() {
    let f = fresh().await;
    staff(&f.store, "amy", Role::Sales).await;
    let (token, _) = enrolled(&f.store, "amy").await;
    let r = auth::authorize(&f.store, Some(&token), now(), &[Role::Admin], "staff.list").await;
    assert!(matches!(r, Err(AuthError::Forbidden)), "{r:?}");
    let denied: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE actor = 'staff:amy' AND action = 'staff.list' AND outcome = 'denied'",
    )
    .fetch_one(f.store.pool())
    .await
    .expect("query");
    assert_eq!(denied, 1, "the refusal is in the audit log");
}

#[tokio::test]
async fn disabling_an_account_ends_its_session() {
    let f = fresh().await;
    let boss = staff(&f.store, "boss", Role::Admin).await;
    staff(&f.store, "amy", Role::Sales).await;
    let (token, _) = enrolled(&f.store, "amy").await;
    auth::set_disabled(&f.store, &Actor::Staff(boss), "amy", true, now())
        .await
        .expect("disabled");
    let r = auth::authorize(&f.store, Some(&token), now(), Role::ALL, "test").await;
    assert!(matches!(r, Err(AuthError::NotSignedIn)), "{r:?}");
    let again = auth::sign_in(&f.store, "amy", PASSWORD, now()).await;
    assert!(
        matches!(again, Err(AuthError::AccountDisabled)),
        "{again:?}"
    );
}

#[tokio::test]
async fn the_last_admin_cannot_be_disabled() {
    let f = fresh().await;
    staff(&f.store, "boss", Role::Admin).await;
    let r = auth::set_disabled(&f.store, &cli_actor(), "boss", true, now()).await;
    assert!(matches!(r, Err(AuthError::Conflict(_))), "{r:?}");
}

#[tokio::test]
async fn the_first_admin_can_be_created_only_once() {
    let f = fresh().await;
    let input = NewStaff {
        username: "owner".into(),
        display_name: "Owner".into(),
        role: Role::Sales,
        password: PASSWORD.into(),
    };
    let admin = auth::create_first_admin(&f.store, &input, now())
        .await
        .expect("first admin");
    assert_eq!(
        admin.role,
        Role::Admin,
        "the first account is always an admin"
    );
    let second = auth::create_first_admin(
        &f.store,
        &NewStaff {
            username: "other".into(),
            ..input
        },
        now(),
    )
    .await;
    assert!(matches!(second, Err(AuthError::Conflict(_))), "{second:?}");
}

#[tokio::test]
async fn weak_passwords_and_bad_usernames_name_the_field() {
    let f = fresh().await;
    let r = auth::create_staff(
        &f.store,
        &cli_actor(),
        &NewStaff {
            username: "amy".into(),
            display_name: "Amy".into(),
            role: Role::Sales,
            password: "short".into(),
        },
        now(),
    )
    .await;
    assert!(
        matches!(
            r,
            Err(AuthError::Invalid {
                field: "password",
                ..
            })
        ),
        "{r:?}"
    );
    let r = auth::create_staff(
        &f.store,
        &cli_actor(),
        &NewStaff {
            username: "a b".into(),
            display_name: "Amy".into(),
            role: Role::Sales,
            password: PASSWORD.into(),
        },
        now(),
    )
    .await;
    assert!(
        matches!(
            r,
            Err(AuthError::Invalid {
                field: "username",
                ..
            })
        ),
        "{r:?}"
    );
}

#[tokio::test]
async fn on_a_demo_database_mfa_is_bypassed_and_says_so() {
    let f = fresh().await;
    {
        let mut conn = f.store.pool().acquire().await.expect("conn");
        meta_set(&mut conn, "demo", "1").await.expect("demo flag");
    }
    staff(&f.store, "amy", Role::Sales).await;
    let s = auth::sign_in(&f.store, "amy", PASSWORD, now())
        .await
        .expect("signed in");
    let SignInOutcome::SignedIn { session } = s.outcome else {
        panic!("demo database skips MFA, got {:?}", s.outcome);
    };
    assert!(session.mfa_bypassed, "the session says MFA was bypassed");
}

#[tokio::test]
async fn totp_secrets_are_encrypted_at_rest() {
    let f = fresh().await;
    staff(&f.store, "amy", Role::Sales).await;
    let (_, secret) = enrolled(&f.store, "amy").await;
    let path = f.db_path();
    f.store.close().await;
    let bytes = std::fs::read(&path).expect("read db");
    let wal = std::fs::read(format!("{}-wal", path.display())).unwrap_or_default();
    let hay = [bytes, wal].concat();
    assert!(
        !hay.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the TOTP secret must not be in the file"
    );
}

#[tokio::test]
async fn the_staff_directory_names_every_staff_member_by_actor() {
    let f = fresh().await;
    let sam = staff(&f.store, "sam", Role::Sales).await;
    staff(&f.store, "fiona", Role::FinanceManager).await;
    let dir = dealerdesk_services::auth::staff_directory(&f.store)
        .await
        .expect("directory");
    let sam_entry = dir
        .iter()
        .find(|s| s.actor == Actor::Staff(sam.clone()).name());
    assert_eq!(sam_entry.map(|s| s.name.as_str()), Some("Test sam"));
    assert!(dir.iter().any(|s| s.actor == "staff:fiona"));
    assert!(
        dir.iter().all(|s| s.actor.starts_with("staff:")),
        "names only, by actor: {dir:?}"
    );
}

/// Staff accounts and the audit log are for admins, checked in the core: a caller that skips
/// the desktop shell (the CLI, later the hub) gets the same refusal.
#[tokio::test]
async fn only_an_admin_manages_staff_and_reads_the_audit_log_whoever_calls() {
    let f = fresh().await;
    let boss = Actor::Staff(staff(&f.store, "boss", Role::Admin).await);
    let sam = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let morgan = Actor::Staff(staff(&f.store, "morgan", Role::FinanceManager).await);
    let input = NewStaff {
        username: "newbie".into(),
        display_name: "New Person".into(),
        role: Role::Admin,
        password: PASSWORD.into(),
    };
    for who in [&sam, &morgan] {
        let r = auth::create_staff(&f.store, who, &input, now()).await;
        assert!(matches!(r, Err(AuthError::Forbidden)), "{r:?}");
        let r = auth::list_staff(&f.store, who).await;
        assert!(matches!(r, Err(AuthError::Forbidden)), "{r:?}");
        let r = auth::set_disabled(&f.store, who, "boss", true, now()).await;
        assert!(matches!(r, Err(AuthError::Forbidden)), "{r:?}");
        let r = auth::reset_mfa(&f.store, who, "boss", now()).await;
        assert!(matches!(r, Err(AuthError::Forbidden)), "{r:?}");
        let r = auth::unlock_staff(&f.store, who, "boss", now()).await;
        assert!(matches!(r, Err(AuthError::Forbidden)), "{r:?}");
        let r = audit_log::list(&f.store, who, &Default::default()).await;
        assert!(matches!(r, Err(AuditLogError::Forbidden)), "{r:?}");
        let r = audit_log::verify(&f.store, who).await;
        assert!(matches!(r, Err(AuditLogError::Forbidden)), "{r:?}");
        let mut sink = Vec::new();
        let r = audit_log::export(&f.store, who, ExportFormat::Jsonl, &mut sink).await;
        assert!(matches!(r, Err(AuditLogError::Forbidden)), "{r:?}");
        assert!(sink.is_empty(), "nothing is exported to a refused caller");
    }
    let all = auth::list_staff(&f.store, &boss)
        .await
        .expect("an admin lists");
    assert!(
        all.iter().all(|s| s.username != "newbie"),
        "no account was made by a refused call"
    );
    auth::create_staff(&f.store, &boss, &input, now())
        .await
        .expect("an admin adds staff");
    let page = audit_log::list(&f.store, &boss, &Default::default())
        .await
        .expect("an admin reads the log");
    assert!(page.items.iter().any(|e| e.action == "staff.create"));
    assert!(audit_log::verify(&f.store, &boss).await.expect("verify").ok);
}
