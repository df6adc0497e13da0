-- The engine's traffic: inbound arrivals per campaign, callers' patience, agents logged in at start.
ALTER TABLE campaigns ADD COLUMN calls_per_hour REAL NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN patience REAL;
ALTER TABLE agents ADD COLUMN logged_in INTEGER NOT NULL DEFAULT 1;
