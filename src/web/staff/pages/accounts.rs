//! Staff accounts, for admins: `GET/POST /staff/accounts` (list, recent account trail,
//! create), `POST /staff/accounts/{username}/{disable, reset-2fa, scope}`.
//!
//! The service decides who may (admins only, `By::Staff`) and checks usernames, passwords and
//! scopes. A new account's or a reset's TOTP provisioning URI is shown once, in the POST's
//! answer, and never stored or logged.

use super::enrol::{EnrolPage, grouped};
use super::queue::scope_names;
use super::{AuditLine, Choice, Ctx, PageResult, audit_lines, notice, see_other};
use crate::domain::Code;
use crate::domain::staff::{Role, Scope, Staff};
use crate::service::ServiceError;
use crate::service::accounts::By;
use crate::web::error::AppError;
use crate::web::layout::StaffLayout;
use crate::web::staff::call::StaffCall;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};

/// Account events shown under the list.
const TRAIL_EVENTS: i64 = 50;

pub struct AccountRow {
    pub username: String,
    pub role: &'static str,
    pub scope: String,
    pub disabled: bool,
    /// Form actions: `/staff/accounts/{username}`.
    pub base: String,
    pub regions: Vec<Choice>,
    pub schools: Vec<Choice>,
    pub scoped_by_school: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/accounts.html")]
pub struct AccountsPage {
    pub layout: StaffLayout,
    pub notice: Option<&'static str>,
    pub accounts: Vec<AccountRow>,
    pub audit: Vec<AuditLine>,
    pub roles: Vec<Choice>,
    pub regions: Vec<Choice>,
    pub schools: Vec<Choice>,
}

fn region_choices(ctx: &Ctx<'_>, selected: &[i64]) -> Vec<Choice> {
    let dir = ctx.state.services.directory();
    dir.regions()
        .iter()
        .map(|r| Choice::new(r.id, &r.name, selected.contains(&r.id)))
        .collect()
}

fn school_choices(ctx: &Ctx<'_>, selected: &[i64]) -> Vec<Choice> {
    let dir = ctx.state.services.directory();
    dir.schools()
        .iter()
        .map(|s| Choice::new(s.id, &s.name, selected.contains(&s.id)))
        .collect()
}

fn row(ctx: &Ctx<'_>, staff: &Staff) -> AccountRow {
    let dir = ctx.state.services.directory();
    let names = scope_names(&dir, &staff.scope.regions, &staff.scope.schools);
    AccountRow {
        username: staff.username.clone(),
        role: ctx.s().role(staff.role),
        scope: if names.is_empty() {
            ctx.s().scope_province.to_owned()
        } else {
            names.join(", ")
        },
        disabled: staff.disabled,
        base: format!("/staff/accounts/{}", staff.username),
        regions: region_choices(ctx, &staff.scope.regions),
        schools: school_choices(ctx, &staff.scope.schools),
        scoped_by_school: staff.role.scoped_by_school(),
    }
}

/// `GET /staff/accounts`.
pub async fn list(call: StaffCall, RawQuery(query): RawQuery) -> PageResult {
    let ctx = call.ctx();
    let accounts = call.accounts();
    let by = By::Staff(call.staff());
    let list = accounts.list(by).await.map_err(|e| ctx.service(e))?;
    let trail = accounts
        .trail(by, TRAIL_EVENTS)
        .await
        .map_err(|e| ctx.service(e))?;
    Ok(AccountsPage {
        layout: ctx.layout(Some("/staff/accounts")),
        notice: notice(&ctx, query.as_deref()),
        accounts: list.iter().map(|s| row(&ctx, s)).collect(),
        audit: audit_lines(&ctx, &trail),
        roles: Role::all()
            .iter()
            .map(|&r| Choice::new(r.code(), ctx.s().role(r), false))
            .collect(),
        regions: region_choices(&ctx, &[]),
        schools: school_choices(&ctx, &[]),
    }
    .into_response())
}

/// The fields of an account form; `regions` and `schools` repeat.
#[derive(Default)]
struct AccountForm {
    username: String,
    role: String,
    password: String,
    regions: Vec<i64>,
    schools: Vec<i64>,
}

fn account_form(ctx: &Ctx<'_>, body: &[u8]) -> Result<AccountForm, Box<Response>> {
    let pairs: Vec<(String, String)> = ctx.form(body)?;
    let mut form = AccountForm::default();
    let id = |v: &str, code| {
        v.trim()
            .parse::<i64>()
            .map_err(|_| Box::new(ctx.service(ServiceError::Invalid(code))))
    };
    for (key, value) in pairs {
        match key.as_str() {
            "username" => form.username = value,
            "role" => form.role = value,
            "password" => form.password = value,
            "regions" if !value.is_empty() => form.regions.push(id(&value, "scope")?),
            "schools" if !value.is_empty() => form.schools.push(id(&value, "scope")?),
            _ => {}
        }
    }
    Ok(form)
}

fn back(ctx: &Ctx<'_>) -> (String, &'static str) {
    (
        format!("/staff/accounts?lang={}", ctx.q()),
        ctx.s().nav_accounts,
    )
}

/// A refusal as a staff page, with a way back to the accounts.
fn refused(ctx: &Ctx<'_>, err: ServiceError) -> Response {
    ctx.fail_back(AppError::from_service(err, ctx.lang), back(ctx))
}

/// The key an admin just set, shown once: good for the owner's first sign-in only, where
/// they enrol one of their own (R6).
fn enrol(ctx: &Ctx<'_>, username: &str, uri: String) -> EnrolPage {
    let secret =
        super::query_value(uri.split_once('?').map(|(_, q)| q), "secret").unwrap_or_default();
    EnrolPage {
        layout: ctx.layout(None),
        username: username.to_owned(),
        uri,
        secret: grouped(&secret),
        own: None,
    }
}

/// `POST /staff/accounts`: creates an account and shows its TOTP enrolment once.
pub async fn create(call: StaffCall, body: Bytes) -> PageResult {
    let ctx = call.ctx();
    let form = account_form(&ctx, &body).map_err(|r| *r)?;
    let role = <Role as Code>::from_code(form.role.trim())
        .ok_or_else(|| refused(&ctx, ServiceError::Invalid("role")))?;
    let scope = Scope {
        regions: form.regions,
        schools: form.schools,
    };
    let created = call
        .accounts()
        .create(
            By::Staff(call.staff()),
            &form.username,
            role,
            scope,
            &form.password,
        )
        .await
        .map_err(|e| refused(&ctx, e))?;
    Ok(enrol(&ctx, form.username.trim(), created.provisioning_uri).into_response())
}

/// `POST /staff/accounts/{username}/disable`.
pub async fn disable(call: StaffCall, Path(username): Path<String>) -> PageResult {
    let ctx = call.ctx();
    call.accounts()
        .disable(By::Staff(call.staff()), &username)
        .await
        .map_err(|e| refused(&ctx, e))?;
    Ok(see_other(&format!(
        "/staff/accounts?lang={}&done=disabled",
        ctx.q()
    )))
}

/// `POST /staff/accounts/{username}/reset-2fa`: a new secret, shown once.
pub async fn reset_totp(call: StaffCall, Path(username): Path<String>) -> PageResult {
    let ctx = call.ctx();
    let uri = call
        .accounts()
        .reset_totp(By::Staff(call.staff()), &username)
        .await
        .map_err(|e| refused(&ctx, e))?;
    Ok(enrol(&ctx, &username, uri).into_response())
}

/// `POST /staff/accounts/{username}/scope` `regions`…, `schools`….
pub async fn set_scope(call: StaffCall, Path(username): Path<String>, body: Bytes) -> PageResult {
    let ctx = call.ctx();
    let form = account_form(&ctx, &body).map_err(|r| *r)?;
    let scope = Scope {
        regions: form.regions,
        schools: form.schools,
    };
    call.accounts()
        .set_scope(By::Staff(call.staff()), &username, scope)
        .await
        .map_err(|e| refused(&ctx, e))?;
    Ok(see_other(&format!(
        "/staff/accounts?lang={}&done=scope",
        ctx.q()
    )))
}
