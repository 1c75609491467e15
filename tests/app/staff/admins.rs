//! The last enabled admin stays, also when two admins disable each other at the same moment
//! (the last-admin race of the security review; SECURITY.md R12's one place of authorisation
//! needs someone left to hold it).

use super::*;
use tipline::service::ServiceError;

async fn active_admins(app: &TestApp) -> Vec<String> {
    app.store()
        .all_staff()
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.role == Role::Admin && !s.disabled)
        .map(|s| s.username)
        .collect()
}

async fn staff(app: &TestApp, username: &str) -> tipline::domain::staff::Staff {
    app.store()
        .staff_by_username(username)
        .await
        .unwrap()
        .unwrap()
        .staff
}

on_both_clocked!(
    r12_two_admins_disabling_each_other_at_once_always_leave_one_enabled,
    START,
    |app, _clock| {
        create(app, "admin.a", Role::Admin, &[], &[]).await;
        create(app, "admin.b", Role::Admin, &[], &[]).await;
        create(app, "police.c", Role::Police, &[], &[]).await;
        let dir = app.state.services.directory();
        let accounts = app.state.services.accounts(&dir);
        for round in 0..40 {
            // Both admins enabled again, behind the application's back: there is no "enable".
            app.exec_raw("UPDATE staff SET disabled = FALSE").await;
            let a = staff(app, "admin.a").await;
            let b = staff(app, "admin.b").await;
            // Every other round the console (`tipline staff disable`) is one of the two.
            let by_a = if round % 2 == 0 {
                By::Staff(&a)
            } else {
                By::Cli
            };
            let (first, second) = tokio::join!(
                accounts.disable(by_a, "admin.b"),
                accounts.disable(By::Staff(&b), "admin.a"),
            );
            let left = active_admins(app).await;
            assert_eq!(left.len(), 1, "round {round}: enabled admins {left:?}");
            let refused = [&first, &second]
                .iter()
                .filter(|r| matches!(r, Err(ServiceError::Conflict("last_admin"))))
                .count();
            assert_eq!(
                refused, 1,
                "round {round}: one disable wins, the other is refused: {first:?} {second:?}"
            );
            assert!(first.is_ok() || second.is_ok());
        }
        // Disabling someone who is not an admin is not held back by the rule.
        let a = staff(app, &active_admins(app).await[0]).await;
        accounts.disable(By::Staff(&a), "police.c").await.unwrap();
        assert!(staff(app, "police.c").await.disabled);
        // And the survivor cannot disable themselves either.
        assert!(matches!(
            accounts.disable(By::Cli, &a.username).await,
            Err(ServiceError::Conflict("last_admin"))
        ));
    }
);
