//! Turning rows into model values, shared by both backends (the SQL may differ, the columns
//! don't).

use super::StoreError;
use super::db::DbRow;
use super::model::{Fact, StoredMessage, StoredTip, TableCounts};
use super::transfer::{SchoolRecord, TipRecord};
use crate::domain::{Author, Category, Region, RegionKind, School, Status};

fn code<T>(value: String, parse: fn(&str) -> Option<T>, what: &str) -> Result<T, StoreError> {
    parse(&value).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} {value:?}")))
}

pub(super) fn tip(row: &DbRow) -> Result<StoredTip, StoreError> {
    Ok(StoredTip {
        id: row.get("id")?,
        wrapped_dek: row.get("wrapped_dek")?,
        content: row.get("content")?,
        status: code(row.get("status")?, Status::from_code, "status")?,
        category: code(row.get("category")?, Category::from_code, "category")?,
        tipster_result: row.get("tipster_result")?,
    })
}

pub(super) fn message(row: &DbRow) -> Result<StoredMessage, StoreError> {
    Ok(StoredMessage {
        id: row.get("id")?,
        author: code(row.get("author")?, Author::from_code, "author")?,
        body: row.get("body")?,
    })
}

pub(super) fn region(row: &DbRow) -> Result<Region, StoreError> {
    Ok(Region {
        id: row.get("id")?,
        code: row.get("code")?,
        name: row.get("name")?,
        kind: code(row.get("kind")?, RegionKind::from_code, "region kind")?,
        parent_id: row.get("parent_id")?,
        border_area: row.get("border_area")?,
        active: row.get("active")?,
    })
}

pub(super) fn school(row: &DbRow) -> Result<School, StoreError> {
    Ok(School {
        id: row.get("id")?,
        code: row.get("code")?,
        name: row.get("name")?,
        level: row.get("level")?,
        region_id: row.get("region_id")?,
        sample: row.get("sample")?,
    })
}

pub(super) fn counts(row: &DbRow) -> Result<TableCounts, StoreError> {
    Ok(TableCounts {
        regions: row.at(0)?,
        schools: row.at(1)?,
        tips: row.at(2)?,
        messages: row.at(3)?,
        tip_facts: row.at(4)?,
    })
}

pub(super) fn fact(row: &DbRow) -> Result<Fact, StoreError> {
    Ok(Fact {
        tip_id: row.get("tip_id")?,
        month: row.get("month")?,
        region_id: row.get("region_id")?,
        school_id: row.get("school_id")?,
        category: row.get("category")?,
        channel: row.get("channel")?,
        urgent: row.get("urgent")?,
    })
}

pub(super) fn school_record(row: &DbRow) -> Result<SchoolRecord, StoreError> {
    Ok(SchoolRecord {
        id: row.get("id")?,
        code: row.get("code")?,
        name: row.get("name")?,
        level: row.get("level")?,
        region_id: row.get("region_id")?,
        sample: row.get("sample")?,
        active: row.get("active")?,
    })
}

pub(super) fn tip_record(row: &DbRow) -> Result<TipRecord, StoreError> {
    Ok(TipRecord {
        id: row.get("id")?,
        lookup_id: row.get("lookup_id")?,
        kek_id: row.get("kek_id")?,
        wrapped_dek: row.get("wrapped_dek")?,
        content: row.get("content")?,
        category: row.get("category")?,
        region_id: row.get("region_id")?,
        school_id: row.get("school_id")?,
        urgent: row.get("urgent")?,
        involves_staff: row.get("involves_staff")?,
        channel: row.get("channel")?,
        status: row.get("status")?,
        created_month: row.get("created_month")?,
    })
}
