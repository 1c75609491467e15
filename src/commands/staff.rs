//! `tipline staff add|disable|reset-2fa|list`: staff accounts from the server's console.
//!
//! The first admin is created here (nobody can sign in to create them otherwise). Passwords
//! come from standard input, never from the command line, where other users could read them
//! in the process list. A new TOTP secret is printed once, as an `otpauth://` URI to import into
//! an authenticator app; it and the password serve the first sign-in only, where the owner
//! chooses their own (SECURITY.md R6, `service::enrolment`).

use crate::clock::SystemClock;
use crate::config::Config;
use crate::domain::staff::{Role, Scope};
use crate::domain::{Code, Directory};
use crate::service::ServiceError;
use crate::service::accounts::{Accounts, By};
use crate::service::auth::LoginGuard;
use crate::service::vault::Vault;
use crate::startup;
use anyhow::{Context, bail};
use std::io::BufRead;

/// What an account change says when refused, in words an operator can act on.
fn explain(err: ServiceError) -> anyhow::Error {
    match err {
        ServiceError::Invalid("username") => anyhow::anyhow!(
            "usernames are 3 to 32 characters: lowercase letters, digits, '.', '-' or '_'"
        ),
        ServiceError::Invalid("password") => anyhow::anyhow!("passwords are 12 to 128 characters"),
        ServiceError::Invalid("schools_required") => {
            anyhow::anyhow!("school liaisons and school heads need at least one --school ID")
        }
        ServiceError::Invalid("schools_not_allowed") => {
            anyhow::anyhow!("only school liaisons and school heads take --school")
        }
        ServiceError::Invalid("scope") => {
            anyhow::anyhow!("a --region or --school id does not exist (see /api/v1/regions)")
        }
        ServiceError::Conflict("username_taken") => anyhow::anyhow!("that username is taken"),
        ServiceError::Conflict("last_admin") => {
            anyhow::anyhow!("this is the last enabled admin; create another admin first")
        }
        ServiceError::NotFound => anyhow::anyhow!("no account has that username"),
        other => anyhow::Error::new(other),
    }
}

/// Runs `f` with the account service over this installation.
async fn with_accounts<T>(
    config: &Config,
    f: impl AsyncFnOnce(Accounts<'_>) -> Result<T, ServiceError>,
) -> anyhow::Result<T> {
    let (keyring, store) = startup::prepare(config).await?;
    let directory = Directory::new(store.regions().await?, store.schools().await?);
    let guard = LoginGuard::new(&config.staff);
    let accounts = Accounts {
        store: &store,
        vault: Vault::new(keyring.clone()),
        clock: &SystemClock,
        guard: &guard,
        directory: &directory,
    };
    let result = f(accounts).await.map_err(explain);
    store.close().await;
    result
}

/// Reads the password: the first line of standard input.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!(
            "no password on standard input: echo 'the password' | tipline staff add … --password-stdin"
        );
    }
    Ok(password)
}

/// `tipline staff add --username U --role R [--region ID]… [--school ID]… --password-stdin`
pub async fn staff_add(
    config: &Config,
    username: &str,
    role: &str,
    regions: Vec<i64>,
    schools: Vec<i64>,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let role = <Role as Code>::from_code(role).with_context(|| {
        format!("unknown role {role:?}: admin, police, border_guard, school_liaison, school_head or analyst")
    })?;
    if !password_stdin {
        bail!("give the password on standard input with --password-stdin (never as an argument)");
    }
    let password = zeroize::Zeroizing::new(read_password()?);
    let scope = Scope { regions, schools };
    let created = with_accounts(config, async |a| {
        a.create(By::Cli, username, role, scope, &password).await
    })
    .await?;
    println!("created {username} ({})", role.code());
    println!("Add this to the person's authenticator app now; it is not shown again:");
    println!("{}", created.provisioning_uri);
    println!(
        "This password and key serve the first sign-in only: then {username} must choose a new \
         password and add a new key, shown only to them, at /staff/enrol before anything else works."
    );
    Ok(())
}

/// `tipline staff disable U`
pub async fn staff_disable(config: &Config, username: &str) -> anyhow::Result<()> {
    with_accounts(config, async |a| a.disable(By::Cli, username).await).await?;
    println!("disabled {username}; their sessions have ended");
    Ok(())
}

/// `tipline staff reset-2fa U`
pub async fn staff_reset_totp(config: &Config, username: &str) -> anyhow::Result<()> {
    let uri = with_accounts(config, async |a| a.reset_totp(By::Cli, username).await).await?;
    println!("new authenticator secret for {username}; their sessions have ended.");
    println!("Add this to their authenticator app now; it is not shown again:");
    println!("{uri}");
    println!(
        "It serves one sign-in: then {username} must choose a new password and add a new key, \
         shown only to them, at /staff/enrol."
    );
    Ok(())
}

/// `tipline staff list`
pub async fn staff_list(config: &Config) -> anyhow::Result<()> {
    let list = with_accounts(config, async |a| a.list(By::Cli).await).await?;
    if list.is_empty() {
        println!(
            "no staff accounts yet: create the first admin with `tipline staff add --role admin …`"
        );
    }
    for s in list {
        let scope = match (s.scope.regions.is_empty(), s.scope.schools.is_empty()) {
            (true, true) => "province".to_owned(),
            _ => format!(
                "regions {:?} schools {:?}",
                s.scope.regions, s.scope.schools
            ),
        };
        let state = if s.disabled { " (disabled)" } else { "" };
        println!("{}\t{}\t{scope}{state}", s.username, s.role.code());
    }
    Ok(())
}
