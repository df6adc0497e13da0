//! SQL of the configuration tables: written once from the fixtures, read at every start.

use sqlx::{Row, SqliteConnection, SqlitePool};

use super::StoreError;
use crate::world::config::{Action, Agent, Campaign, CampaignKind, Config, DispositionOption, Member, User};

pub async fn insert(conn: &mut SqliteConnection, config: &Config) -> Result<(), StoreError> {
    for u in &config.users {
        sqlx::query("INSERT INTO users (username, password, name, profile, phone) VALUES (?, ?, ?, ?, ?)")
            .bind(&u.username)
            .bind(&u.password)
            .bind(&u.name)
            .bind(&u.profile)
            .bind(&u.phone)
            .execute(&mut *conn)
            .await?;
    }
    for (i, a) in config.agents.iter().enumerate() {
        sqlx::query(
            "INSERT INTO agents (username, position, name, phone, tech, context, logged_in) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&a.username)
        .bind(i as i64)
        .bind(&a.name)
        .bind(&a.phone)
        .bind(&a.tech)
        .bind(&a.context)
        .bind(a.logged_in)
            .execute(&mut *conn)
            .await?;
    }
    for (i, c) in config.campaigns.iter().enumerate() {
        sqlx::query(
            "INSERT INTO campaigns (name, position, kind, strategy, slevel_threshold, wrapup, callerid, did, hours_from, hours_to,
               calls_per_hour, patience)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&c.name)
        .bind(i as i64)
        .bind(c.kind.as_str())
        .bind(&c.strategy)
        .bind(c.slevel_threshold)
        .bind(c.wrapup)
        .bind(&c.callerid)
        .bind(&c.did)
        .bind(&c.hours_from)
        .bind(&c.hours_to)
        .bind(c.calls_per_hour)
        .bind(c.patience)
        .execute(&mut *conn)
        .await?;
        for (j, m) in c.members.iter().enumerate() {
            sqlx::query("INSERT INTO members (campaign, agent, position, penalty) VALUES (?, ?, ?, ?)")
                .bind(&c.name)
                .bind(&m.agent)
                .bind(j as i64)
                .bind(m.penalty)
                .execute(&mut *conn)
                .await?;
        }
    }
    sqlx::query("INSERT INTO meta (key, value) VALUES ('calls', ?)")
        .bind(serde_json::to_string(&config.calls).unwrap_or_default())
        .execute(&mut *conn)
        .await?;
    for (campaign, o) in &config.dispositions {
        sqlx::query("INSERT OR REPLACE INTO disposition_options (campaign, l1, l2, l3, action) VALUES (?, ?, ?, ?, ?)")
            .bind(campaign)
            .bind(&o.l1)
            .bind(&o.l2)
            .bind(&o.l3)
            .bind(o.action.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn load(pool: &SqlitePool) -> Result<Config, StoreError> {
    let users = sqlx::query("SELECT username, password, name, profile, phone FROM users ORDER BY rowid")
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| User { username: r.get(0), password: r.get(1), name: r.get(2), profile: r.get(3), phone: r.get(4) })
        .collect();
    let agents = sqlx::query("SELECT username, name, phone, tech, context, logged_in FROM agents ORDER BY position")
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| Agent {
            username: r.get(0),
            name: r.get(1),
            phone: r.get(2),
            tech: r.get(3),
            context: r.get(4),
            logged_in: r.get(5),
        })
        .collect();
    let members: Vec<(String, Member)> =
        sqlx::query("SELECT campaign, agent, penalty FROM members ORDER BY campaign, position")
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| (r.get(0), Member { agent: r.get(1), penalty: r.get(2) }))
            .collect();
    let mut campaigns = Vec::new();
    let rows = sqlx::query(
        "SELECT name, kind, strategy, slevel_threshold, wrapup, callerid, did, hours_from, hours_to, calls_per_hour, patience
         FROM campaigns ORDER BY position",
    )
    .fetch_all(pool)
    .await?;
    for r in rows {
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
    let dispositions = sqlx::query("SELECT campaign, l1, l2, l3, action FROM disposition_options ORDER BY rowid")
        .fetch_all(pool)
        .await?
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
    let calls: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'calls'").fetch_optional(pool).await?;
    let calls = calls.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default();
    Ok(Config { campaigns, agents, users, dispositions, calls })
}
