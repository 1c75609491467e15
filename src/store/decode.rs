//! Turning rows into model values, shared by both backends (the SQL differs, the columns don't).

use super::StoreError;
use super::model::{Fact, StoredMessage, StoredTip, TableCounts};
use crate::domain::{Author, Category, Region, School, Status};
use sqlx::{ColumnIndex, Decode, Row, Type};

fn get<'r, R, T>(row: &'r R, column: &'static str) -> Result<T, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(column).map_err(StoreError::from)
}

fn code<T>(value: String, parse: fn(&str) -> Option<T>, what: &str) -> Result<T, StoreError> {
    parse(&value).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} {value:?}")))
}

pub fn tip<'r, R>(row: &'r R) -> Result<StoredTip, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(StoredTip {
        id: get(row, "id")?,
        wrapped_dek: get(row, "wrapped_dek")?,
        content: get(row, "content")?,
        status: code(get(row, "status")?, Status::from_code, "status")?,
        category: code(get(row, "category")?, Category::from_code, "category")?,
    })
}

pub fn message<'r, R>(row: &'r R) -> Result<StoredMessage, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(StoredMessage {
        id: get(row, "id")?,
        author: code(get(row, "author")?, Author::from_code, "author")?,
        body: get(row, "body")?,
    })
}

pub fn region<'r, R>(row: &'r R) -> Result<Region, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(Region {
        id: get(row, "id")?,
        name: get(row, "name")?,
        parent_id: get(row, "parent_id")?,
        border_area: get(row, "border_area")?,
    })
}

pub fn school<'r, R>(row: &'r R) -> Result<School, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(School {
        id: get(row, "id")?,
        code: get(row, "code")?,
        name: get(row, "name")?,
        level: get(row, "level")?,
        region_id: get(row, "region_id")?,
        sample: get(row, "sample")?,
    })
}

pub fn counts<'r, R>(row: &'r R) -> Result<TableCounts, StoreError>
where
    R: Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(TableCounts {
        regions: row.try_get(0)?,
        schools: row.try_get(1)?,
        tips: row.try_get(2)?,
        messages: row.try_get(3)?,
        tip_facts: row.try_get(4)?,
    })
}

pub fn fact<'r, R>(row: &'r R) -> Result<Fact, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(Fact {
        tip_id: get(row, "tip_id")?,
        month: get(row, "month")?,
        region_id: get(row, "region_id")?,
        school_id: get(row, "school_id")?,
        category: get(row, "category")?,
        channel: get(row, "channel")?,
        urgent: get(row, "urgent")?,
    })
}

pub fn school_record<'r, R>(row: &'r R) -> Result<super::transfer::SchoolRecord, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(super::transfer::SchoolRecord {
        id: get(row, "id")?,
        code: get(row, "code")?,
        name: get(row, "name")?,
        level: get(row, "level")?,
        region_id: get(row, "region_id")?,
        sample: get(row, "sample")?,
        active: get(row, "active")?,
    })
}

pub fn tip_record<'r, R>(row: &'r R) -> Result<super::transfer::TipRecord, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(super::transfer::TipRecord {
        id: get(row, "id")?,
        lookup_id: get(row, "lookup_id")?,
        kek_id: get(row, "kek_id")?,
        wrapped_dek: get(row, "wrapped_dek")?,
        content: get(row, "content")?,
        category: get(row, "category")?,
        region_id: get(row, "region_id")?,
        school_id: get(row, "school_id")?,
        urgent: get(row, "urgent")?,
        involves_staff: get(row, "involves_staff")?,
        channel: get(row, "channel")?,
        status: get(row, "status")?,
        created_month: get(row, "created_month")?,
    })
}

pub fn message_record<'r, R>(row: &'r R) -> Result<super::transfer::MessageRecord, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(super::transfer::MessageRecord {
        id: get(row, "id")?,
        tip_id: get(row, "tip_id")?,
        author: get(row, "author")?,
        body: get(row, "body")?,
    })
}
