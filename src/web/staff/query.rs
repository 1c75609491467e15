//! The staff API's shapes: queue filters from a query string, and tips as JSON.
//!
//! Strict: an unknown filter or value is refused (422) rather than ignored, so a typo never
//! shows a wider or narrower queue than asked for.

use crate::domain::{Category, Status};
use crate::service::triage::{QueueItem, QueueQuery, TipDetail};
use serde_json::{Value, json};

/// Parses `status`, `category`, `region_id`, `school_id`, `urgent`, `overdue`, `after`,
/// `limit` (and ignores `lang`); the error names the offending parameter.
pub fn parse_queue_query(query: Option<&str>) -> Result<QueueQuery, &'static str> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).map_err(|_| "query")?;
    let mut q = QueueQuery::default();
    let flag = |v: &str, name| match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(name),
    };
    for (key, value) in pairs {
        if value.is_empty() {
            continue;
        }
        match key.as_str() {
            "status" => q.status = Some(Status::from_code(&value).ok_or("status")?),
            "category" => q.category = Some(Category::from_code(&value).ok_or("category")?),
            "region_id" => q.region_id = Some(value.parse().map_err(|_| "region_id")?),
            "school_id" => q.school_id = Some(value.parse().map_err(|_| "school_id")?),
            "urgent" => q.urgent = Some(flag(&value, "urgent")?),
            "overdue" => q.overdue = flag(&value, "overdue")?,
            "after" => q.after = Some(value),
            "limit" => q.limit = Some(value.parse().map_err(|_| "limit")?),
            "lang" => {}
            _ => return Err("query"),
        }
    }
    Ok(q)
}

/// One queue row: `{"id","category","status","urgent","channel","school_id","region_id",
/// "received","due","overdue","assignee"}`.
pub fn item_json(item: &QueueItem) -> Value {
    json!({
        "id": item.id,
        "category": item.category.code(),
        "status": item.status.code(),
        "urgent": item.urgent,
        "channel": item.channel.code(),
        "school_id": item.school_id,
        "region_id": item.region_id,
        "received": item.received,
        "due": item.due,
        "step": item.step.map(<&str>::from),
        "overdue": item.overdue,
        "assignee": item.assignee,
    })
}

/// A tip as staff open it: the queue row plus content, messages, notes and trail.
pub fn tip_json(d: &TipDetail) -> Value {
    let mut value = item_json(&d.item);
    let entries = |list: &[crate::service::triage::Entry]| -> Vec<Value> {
        list.iter()
            .map(|e| json!({ "from": e.author, "kind": e.kind, "body": e.body, "at": e.at }))
            .collect()
    };
    let audit: Vec<Value> = d
        .audit
        .iter()
        .map(|e| json!({ "seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "subject": e.subject }))
        .collect();
    if let Value::Object(map) = &mut value {
        map.insert("body".into(), json!(d.body));
        map.insert("location_hint".into(), json!(d.location_hint));
        map.insert("received_at".into(), json!(d.received_at));
        map.insert(
            "involves_school_staff".into(),
            json!(d.involves_school_staff),
        );
        map.insert("extensions".into(), json!(d.extensions));
        map.insert("outcome".into(), json!(d.outcome));
        map.insert("tipster_result".into(), json!(d.tipster_result));
        map.insert("messages".into(), json!(entries(&d.messages)));
        map.insert("notes".into(), json!(entries(&d.notes)));
        map.insert("audit".into(), json!(audit));
        let photos: Vec<Value> = d
            .photos
            .iter()
            .map(|p| json!({ "id": p, "href": format!("/api/v1/staff/tips/{}/photos/{p}", d.item.id) }))
            .collect();
        map.insert("photos".into(), json!(photos));
    }
    value
}
