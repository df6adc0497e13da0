//! SQL of the configuration tables: written once from the fixtures, read at every start.

use futures_util::TryStreamExt;
use sqlx::sqlite::SqliteRow;
use sqlx::{Either, Row, SqliteConnection, SqlitePool};

use super::{StoreError, insert_many};
use crate::model::config::{Action, Agent, Campaign, CampaignKind, Config, DispositionOption, Member, User};

pub async fn insert(conn: &mut SqliteConnection, config: &Config) -> Result<(), StoreError> {
    insert_many(conn, "INSERT INTO users (username, password, name, profile, phone)", &config.users, |v, u| {
        v.push_bind(&u.username).push_bind(&u.password).push_bind(&u.name).push_bind(&u.profile).push_bind(&u.phone);
    })
    .await?;
    let agents: Vec<(i64, &Agent)> = config.agents.iter().enumerate().map(|(i, a)| (i as i64, a)).collect();
    let head = "INSERT INTO agents (username, position, name, phone, tech, context, logged_in, traffic)";
    insert_many(conn, head, &agents, |v, (i, a)| {
        v.push_bind(&a.username)
            .push_bind(*i)
            .push_bind(&a.name)
            .push_bind(&a.phone)
            .push_bind(&a.tech)
            .push_bind(&a.context)
            .push_bind(a.logged_in)
            .push_bind(a.traffic);
    })
    .await?;
    let campaigns: Vec<(i64, &Campaign)> = config.campaigns.iter().enumerate().map(|(i, c)| (i as i64, c)).collect();
    let head = "INSERT INTO campaigns (name, position, kind, strategy, slevel_threshold, wrapup, callerid, did, \
                hours_from, hours_to, calls_per_hour, patience)";
    insert_many(conn, head, &campaigns, |v, (i, c)| {
        v.push_bind(&c.name)
            .push_bind(*i)
            .push_bind(c.kind.as_str())
            .push_bind(&c.strategy)
            .push_bind(c.slevel_threshold)
            .push_bind(c.wrapup)
            .push_bind(&c.callerid)
            .push_bind(&c.did)
            .push_bind(&c.hours_from)
            .push_bind(&c.hours_to)
            .push_bind(c.calls_per_hour)
            .push_bind(c.patience);
    })
    .await?;
    let members: Vec<(&str, i64, &Member)> = config
        .campaigns
        .iter()
        .flat_map(|c| c.members.iter().enumerate().map(|(j, m)| (c.name.as_str(), j as i64, m)))
        .collect();
    let head = "INSERT INTO members (campaign, agent, position, penalty)";
    insert_many(conn, head, &members, |v, (campaign, j, m)| {
        v.push_bind(*campaign).push_bind(&m.agent).push_bind(*j).push_bind(m.penalty);
    })
    .await?;
    sqlx::query("INSERT INTO meta (key, value) VALUES ('calls', ?)")
        .bind(serde_json::to_string(&config.calls).unwrap_or_default())
        .execute(&mut *conn)
        .await?;
    let head = "INSERT OR REPLACE INTO disposition_options (campaign, l1, l2, l3, action)";
    insert_many(conn, head, &config.dispositions, |v, (campaign, o)| {
        v.push_bind(campaign).push_bind(&o.l1).push_bind(&o.l2).push_bind(&o.l3).push_bind(o.action.as_str());
    })
    .await
}

/// The configuration tables, read in one round trip (six queries in one script; each query's rows
/// come before its result).
const LOAD: &str = "SELECT username, password, name, profile, phone FROM users ORDER BY rowid;
    SELECT username, name, phone, tech, context, logged_in, traffic FROM agents ORDER BY position;
    SELECT campaign, agent, penalty FROM members ORDER BY campaign, position;
    SELECT name, kind, strategy, slevel_threshold, wrapup, callerid, did, hours_from, hours_to, calls_per_hour, patience
      FROM campaigns ORDER BY position;
    SELECT campaign, l1, l2, l3, action FROM disposition_options ORDER BY rowid;
    SELECT value FROM meta WHERE key = 'calls'";

pub async fn load(pool: &SqlitePool) -> Result<Config, StoreError> {
    let mut sets: Vec<Vec<SqliteRow>> = vec![Vec::new()];
    let mut results = sqlx::raw_sql(LOAD).fetch_many(pool);
    while let Some(item) = results.try_next().await? {
        match item {
            Either::Left(_) => sets.push(Vec::new()),
            Either::Right(row) => sets.last_mut().expect("a set is open").push(row),
        }
    }
    drop(results);
    let mut sets = sets.into_iter();
    let mut next = || sets.next().unwrap_or_default();
    let users = next()
        .into_iter()
        .map(|r| User { username: r.get(0), password: r.get(1), name: r.get(2), profile: r.get(3), phone: r.get(4) })
        .collect();
    let agents = next()
        .into_iter()
        .map(|r| Agent {
            username: r.get(0),
            name: r.get(1),
            phone: r.get(2),
            tech: r.get(3),
            context: r.get(4),
            logged_in: r.get(5),
            traffic: r.get(6),
        })
        .collect();
    let members: Vec<(String, Member)> =
        next().into_iter().map(|r| (r.get(0), Member { agent: r.get(1), penalty: r.get(2) })).collect();
    let mut campaigns = Vec::new();
    for r in next() {
        let name: String = r.get(0);
        let kind: String = r.get(1);
        campaigns.push(Campaign {
            members: members.iter().filter(|(c, _)| *c == name).map(|(_, m)| m.clone()).collect(),
            name,
            kind: CampaignKind::parse(&kind).unwrap_or(CampaignKind::Manual),
            strategy: r.get(2),
            slevel_threshold: r.get(3),
            wrapup: r.get(4),
            callerid: r.get(5),
            did: r.get(6),
            hours_from: r.get(7),
            hours_to: r.get(8),
            calls_per_hour: r.get(9),
            patience: r.get(10),
        });
    }
    let dispositions = next()
        .into_iter()
        .map(|r| {
            let action: String = r.get(4);
            let option = DispositionOption {
                l1: r.get(1),
                l2: r.get(2),
                l3: r.get(3),
                action: Action::parse(&action).unwrap_or(Action::None),
            };
            (r.get(0), option)
        })
        .collect();
    let calls: Option<String> = next().first().map(|r| r.get(0));
    let calls = calls.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default();
    Ok(Config { campaigns, agents, users, dispositions, calls })
}

/// The account `username` in the database file at `path`, read without opening the instance.
pub async fn user_at(path: &std::path::Path, username: &str) -> Result<Option<User>, StoreError> {
    use sqlx::Connection;
    let mut conn = super::read_only_at(path).await?;
    let row = sqlx::query("SELECT username, password, name, profile, phone FROM users WHERE username = ?")
        .bind(username)
        .fetch_optional(&mut conn)
        .await;
    let _ = conn.close().await;
    Ok(row?.map(|r| User {
        username: r.get(0),
        password: r.get(1),
        name: r.get(2),
        profile: r.get(3),
        phone: r.get(4),
    }))
}
