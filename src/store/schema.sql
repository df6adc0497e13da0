-- The schema of migrations 0001 to 0004 in one script, for new databases: ALTER TABLE makes SQLite
-- read the whole schema again, seven times in 0002 (see `store::baseline`). A test checks that it
-- makes the same tables, columns and indexes as the migrations.
-- Dates are local wall time of the instance's zone as `yyyy-MM-dd HH:mm:ss`, so they sort as text.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Configuration -----------------------------------------------------------------------------------

CREATE TABLE users (
    username TEXT PRIMARY KEY,
    password TEXT NOT NULL,
    name     TEXT NOT NULL,
    profile  TEXT NOT NULL,
    phone    TEXT
);

CREATE TABLE agents (
    username  TEXT PRIMARY KEY,
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    phone     TEXT NOT NULL UNIQUE,
    tech      TEXT NOT NULL,
    context   TEXT NOT NULL,
    logged_in INTEGER NOT NULL DEFAULT 1,
    traffic   INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE campaigns (
    name             TEXT PRIMARY KEY,
    position         INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    strategy         TEXT NOT NULL,
    slevel_threshold INTEGER NOT NULL,
    wrapup           INTEGER NOT NULL,
    callerid         TEXT NOT NULL,
    did              TEXT NOT NULL,
    hours_from       TEXT NOT NULL,
    hours_to         TEXT NOT NULL,
    calls_per_hour   REAL NOT NULL DEFAULT 0,
    patience         REAL
);

CREATE TABLE members (
    campaign TEXT NOT NULL REFERENCES campaigns (name),
    agent    TEXT NOT NULL REFERENCES agents (username),
    position INTEGER NOT NULL,
    penalty  INTEGER NOT NULL,
    PRIMARY KEY (campaign, agent)
);

CREATE TABLE disposition_options (
    campaign TEXT NOT NULL,
    l1       TEXT NOT NULL,
    l2       TEXT NOT NULL,
    l3       TEXT NOT NULL,
    action   TEXT NOT NULL,
    PRIMARY KEY (campaign, l1, l2, l3)
);

-- Sessions ----------------------------------------------------------------------------------------

CREATE TABLE sessions (
    token      TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    ended_at   TEXT
);

-- What the API changes ----------------------------------------------------------------------------

CREATE TABLE dispositions (
    id               INTEGER PRIMARY KEY,
    recorded_at      TEXT NOT NULL,
    campaign         TEXT NOT NULL,
    agent            TEXT NOT NULL,
    callerid         TEXT NOT NULL,
    guid             TEXT NOT NULL,
    l1               TEXT NOT NULL,
    l2               TEXT NOT NULL,
    l3               TEXT NOT NULL,
    d1               TEXT NOT NULL,
    d2               TEXT NOT NULL,
    comment          TEXT NOT NULL,
    schedule         TEXT NOT NULL,
    camptoreschedule TEXT NOT NULL,
    tag              TEXT NOT NULL,
    action           TEXT NOT NULL,
    outcome          TEXT NOT NULL
);
CREATE INDEX dispositions_guid ON dispositions (guid);

CREATE TABLE blacklist (
    phone      TEXT NOT NULL,
    campaign   TEXT NOT NULL,
    username   TEXT,
    company    TEXT,
    job_title  TEXT,
    name       TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (phone, campaign)
);

CREATE TABLE uploads (
    id           INTEGER PRIMARY KEY,
    filename     TEXT NOT NULL,
    campaign     TEXT NOT NULL,
    username     TEXT NOT NULL,
    timezone     TEXT,
    cant         TEXT,
    status       TEXT NOT NULL,
    records_read INTEGER NOT NULL DEFAULT 0,
    accepted     INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    note         TEXT,
    created_at   TEXT NOT NULL,
    finished_at  TEXT
);

CREATE TABLE upload_rejections (
    upload_id INTEGER NOT NULL REFERENCES uploads (id),
    line      INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    PRIMARY KEY (upload_id, line)
);

CREATE TABLE spool (
    id           INTEGER PRIMARY KEY,
    campaign     TEXT NOT NULL,
    destination  TEXT NOT NULL,
    alternatives TEXT NOT NULL,
    data         TEXT NOT NULL,
    status       INTEGER NOT NULL,
    retries      INTEGER NOT NULL,
    priority     INTEGER NOT NULL,
    contact      INTEGER NOT NULL,
    dialerbase   TEXT,
    agentphone   TEXT NOT NULL,
    timezone     TEXT,
    source       TEXT NOT NULL,
    upload_id    INTEGER,
    state        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    not_before   TEXT,
    last_result  TEXT
);
CREATE INDEX spool_campaign_contact ON spool (campaign, contact);
CREATE INDEX spool_campaign_destination ON spool (campaign, destination);
CREATE INDEX spool_next ON spool (campaign, state, priority, id);
CREATE INDEX spool_contact ON spool (contact);

CREATE TABLE schedules (
    id           INTEGER PRIMARY KEY,
    calldate     TEXT NOT NULL,
    campaign     TEXT NOT NULL,
    destination  TEXT NOT NULL,
    alternatives TEXT NOT NULL,
    agentphone   TEXT NOT NULL,
    data         TEXT NOT NULL,
    origin       TEXT NOT NULL,
    state        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_result  TEXT
);
CREATE INDEX schedules_campaign_destination ON schedules (campaign, destination, calldate);

CREATE TABLE tasks (
    id           INTEGER PRIMARY KEY,
    mode         TEXT NOT NULL,
    calldate     TEXT,
    campaign     TEXT NOT NULL,
    destination  TEXT NOT NULL,
    alternatives TEXT NOT NULL,
    agent        TEXT NOT NULL,
    agentphone   TEXT NOT NULL,
    data         TEXT NOT NULL,
    source       TEXT NOT NULL,
    bulk         INTEGER NOT NULL,
    automatic    INTEGER NOT NULL,
    priority     INTEGER NOT NULL,
    state        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_result  TEXT
);

CREATE TABLE cdrs (
    id              INTEGER PRIMARY KEY,
    calldate        TEXT NOT NULL,
    clid            TEXT NOT NULL,
    src             TEXT NOT NULL,
    dst             TEXT NOT NULL,
    dcontext        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    dstchannel      TEXT NOT NULL,
    lastapp         TEXT NOT NULL,
    lastdata        TEXT NOT NULL,
    duration        INTEGER NOT NULL,
    billsec         INTEGER NOT NULL,
    disposition     TEXT NOT NULL,
    amaflags        INTEGER NOT NULL,
    accountcode     TEXT NOT NULL,
    userfield       TEXT,
    uniqueid        TEXT NOT NULL,
    type            TEXT NOT NULL,
    guid            TEXT NOT NULL,
    causecode       TEXT NOT NULL,
    campaign        TEXT NOT NULL,
    direction       TEXT NOT NULL,
    carrier         TEXT NOT NULL,
    linkedid        TEXT NOT NULL,
    peeraccount     TEXT NOT NULL,
    sequence        INTEGER NOT NULL,
    charged_balance REAL,
    real_balance    REAL,
    note            TEXT,
    contact         TEXT,
    finishtime      TEXT NOT NULL,
    rating          INTEGER NOT NULL,
    dialerbase      TEXT,
    parandvalues    TEXT,
    alternatives    TEXT,
    quality         INTEGER NOT NULL
);
CREATE INDEX cdrs_calldate ON cdrs (calldate, id);
CREATE INDEX cdrs_campaign_calldate ON cdrs (campaign, calldate, id);
CREATE INDEX cdrs_guid ON cdrs (guid);

-- Recordings: where a call's file was pinned (the world's spread places the others), and the MP3s
-- Supervisor/convert made beside GSM files. The audio itself is made when asked for.
CREATE TABLE recording_pins (
    guid   TEXT PRIMARY KEY,
    host   TEXT NOT NULL,
    folder TEXT NOT NULL,
    format TEXT NOT NULL
);
CREATE TABLE recording_conversions (
    guid         TEXT PRIMARY KEY,
    converted_at TEXT NOT NULL
);
