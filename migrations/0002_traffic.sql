-- The engine's traffic: inbound arrivals per campaign, callers' patience, agents logged in at start.
ALTER TABLE campaigns ADD COLUMN calls_per_hour REAL NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN patience REAL;
ALTER TABLE agents ADD COLUMN logged_in INTEGER NOT NULL DEFAULT 1;

-- The dialer: when an entry may be tried again, and the outcome of its last attempt.
ALTER TABLE spool ADD COLUMN not_before TEXT;
ALTER TABLE spool ADD COLUMN last_result TEXT;
ALTER TABLE schedules ADD COLUMN last_result TEXT;
ALTER TABLE tasks ADD COLUMN last_result TEXT;
