//! SQL of what calls leave behind: CDRs, dispositions, the blacklist. Values are always bound,
//! never spliced into the text.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::StoreError;
use crate::model::cdr::{Cdr, CdrFilter, Page};
use crate::model::disposition::DispositionRequest;

// CDRs ---------------------------------------------------------------------------------------------

/// Inserts `rows` in order, one prepared statement stepped per row ([`super::bulk`]).
pub async fn insert_cdrs(conn: &mut SqliteConnection, rows: &[Cdr]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    super::bulk::with_sqlite(conn, |db| insert_cdrs_in(db, rows)).await
}

/// [`insert_cdrs`] on SQLite's own connection, in its transaction.
pub fn insert_cdrs_in(db: &rusqlite::Connection, rows: &[Cdr]) -> rusqlite::Result<()> {
    const INSERT: &str = "INSERT INTO cdrs (calldate, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata,
           duration, billsec, disposition, amaflags, accountcode, userfield, uniqueid, type, guid, causecode, campaign,
           direction, carrier, linkedid, peeraccount, sequence, charged_balance, real_balance, note, contact,
           finishtime, rating, dialerbase, parandvalues, alternatives, quality)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    super::bulk::insert_rows(db, INSERT, rows, |statement, c| {
        statement.execute(rusqlite::params![
            c.calldate,
            c.clid,
            c.src,
            c.dst,
            c.dcontext,
            c.channel,
            c.dstchannel,
            c.lastapp,
            c.lastdata,
            c.duration,
            c.billsec,
            c.disposition,
            c.amaflags,
            c.accountcode,
            c.userfield,
            c.uniqueid,
            c.kind,
            c.guid,
            c.causecode,
            c.campaign,
            c.direction,
            c.carrier,
            c.linkedid,
            c.peeraccount,
            c.sequence,
            c.charged_balance,
            c.real_balance,
            c.note,
            c.contact,
            c.finishtime,
            c.rating,
            c.dialerbase,
            c.parandvalues,
            c.alternatives,
            c.quality,
        ])
    })
}

/// One page of the CDRs matching `filter`, by `calldate` then `id`.
pub async fn find_cdrs(pool: &SqlitePool, filter: &CdrFilter, page: Page) -> Result<Vec<Cdr>, StoreError> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("WITH matched AS (SELECT * FROM cdrs WHERE 1 = 1");
    if let Some(from) = filter.from {
        q.push(" AND calldate >= ").push_bind(from.to_string());
    }
    if let Some(to) = filter.to {
        q.push(" AND calldate <= ").push_bind(to.to_string());
    }
    if let Some(agent) = &filter.agent {
        q.push(" AND peeraccount = ").push_bind(agent.clone());
    }
    if let Some(campaign) = &filter.campaign {
        q.push(" AND campaign = ").push_bind(campaign.clone());
    }
    if let Some(source) = &filter.source {
        q.push(" AND instr(src, ").push_bind(source.clone()).push(") > 0");
    }
    if let Some(destination) = &filter.destination {
        q.push(" AND instr(dst, ").push_bind(destination.clone()).push(") > 0");
    }
    if let Some(data) = &filter.data {
        q.push(" AND (instr(coalesce(note, ''), ").push_bind(data.clone());
        q.push(") > 0 OR instr(coalesce(parandvalues, ''), ").push_bind(data.clone()).push(") > 0)");
    }
    if let Some(window) = filter.range {
        let from = window.from.format("%H:%M:%S").to_string();
        let to = window.to.format("%H:%M:%S").to_string();
        let joiner = if window.from <= window.to { " AND " } else { " OR " };
        q.push(" AND (substr(calldate, 12, 8) >= ").push_bind(from);
        q.push(joiner).push("substr(calldate, 12, 8) <= ").push_bind(to).push(")");
    }
    if let Some(rating) = filter.rating {
        q.push(" AND rating = ").push_bind(rating);
    }
    if let Some(mindur) = filter.mindur {
        q.push(" AND duration >= ").push_bind(mindur);
    }
    if let Some(exclude) = &filter.exclude {
        q.push(" AND src <> ").push_bind(exclude.clone()).push(" AND dst <> ").push_bind(exclude.clone());
    }
    if let Some(kind) = &filter.kind {
        q.push(" AND type = ").push_bind(kind.clone());
    }
    q.push(") SELECT * FROM matched");
    if let Some(cont) = filter.cont {
        const CUSTOMER: &str = "(CASE direction WHEN 'inbound' THEN src ELSE dst END)";
        q.push(format!(" WHERE {CUSTOMER} IN (SELECT {CUSTOMER} FROM matched GROUP BY 1 HAVING count(*) >= "));
        q.push_bind(cont).push(")");
    }
    q.push(" ORDER BY calldate, id LIMIT ").push_bind(page.limit).push(" OFFSET ").push_bind(page.offset);
    q.build_query_as::<Cdr>().fetch_all(pool).await
}

pub async fn all_cdrs(pool: &SqlitePool) -> Result<Vec<Cdr>, StoreError> {
    sqlx::query_as("SELECT * FROM cdrs ORDER BY calldate, id").fetch_all(pool).await
}

// Blacklist ----------------------------------------------------------------------------------------

/// A blacklist entry (docs/contract.md, section 5), keys as the vendor names them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct BlacklistRow {
    pub phone: String,
    pub campaign: String,
    pub username: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub name: Option<String>,
    pub updated_at: String,
}

/// Adds or updates blacklist entries (the last of repeated pairs wins), a few statements for many.
pub async fn upsert_blacklist(conn: &mut SqliteConnection, rows: &[BlacklistRow]) -> Result<(), StoreError> {
    super::insert_many_then(
        conn,
        "INSERT INTO blacklist (phone, campaign, username, company, job_title, name, updated_at)",
        rows,
        |v, row| {
            v.push_bind(&row.phone)
                .push_bind(&row.campaign)
                .push_bind(&row.username)
                .push_bind(&row.company)
                .push_bind(&row.job_title)
                .push_bind(&row.name)
                .push_bind(&row.updated_at);
        },
        " ON CONFLICT (phone, campaign) DO UPDATE SET username = excluded.username, company = excluded.company, \
         job_title = excluded.job_title, name = excluded.name, updated_at = excluded.updated_at",
    )
    .await
}

pub async fn delete_blacklist(conn: &mut SqliteConnection, phone: &str, campaign: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM blacklist WHERE phone = ? AND campaign = ?")
        .bind(phone)
        .bind(campaign)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn all_blacklist(pool: &SqlitePool) -> Result<Vec<BlacklistRow>, StoreError> {
    sqlx::query_as("SELECT * FROM blacklist ORDER BY campaign, phone").fetch_all(pool).await
}

// Dispositions -------------------------------------------------------------------------------------

/// A recorded disposition and what its action did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct DispositionRow {
    pub id: i64,
    pub recorded_at: String,
    /// The request as sent, but for `tag`, which holds the answered txtcode.
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub request: DispositionRequest,
    pub action: String,
    pub outcome: String,
}

pub async fn insert_disposition(conn: &mut SqliteConnection, d: &DispositionRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO dispositions (recorded_at, campaign, agent, callerid, guid, l1, l2, l3, d1, d2, comment, schedule,
           camptoreschedule, tag, action, outcome)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&d.recorded_at)
    .bind(&d.request.campaign)
    .bind(&d.request.agent)
    .bind(&d.request.callerid)
    .bind(&d.request.guid)
    .bind(&d.request.l1)
    .bind(&d.request.l2)
    .bind(&d.request.l3)
    .bind(&d.request.d1)
    .bind(&d.request.d2)
    .bind(&d.request.comment)
    .bind(&d.request.schedule)
    .bind(&d.request.camptoreschedule)
    .bind(&d.request.tag)
    .bind(&d.action)
    .bind(&d.outcome)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn all_dispositions(pool: &SqlitePool) -> Result<Vec<DispositionRow>, StoreError> {
    sqlx::query_as("SELECT * FROM dispositions ORDER BY id").fetch_all(pool).await
}

/// How many CDR rows (legs) there are.
pub async fn count_cdrs(pool: &SqlitePool) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT count(*) FROM cdrs").fetch_one(pool).await
}

/// Tags the CDR rows of call `guid` (`note`; a later tag replaces it).
pub async fn set_note(pool: &SqlitePool, guid: &str, note: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE cdrs SET note = ? WHERE guid = ?").bind(note).bind(guid).execute(pool).await?;
    Ok(())
}
