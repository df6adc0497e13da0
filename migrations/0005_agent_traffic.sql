-- Whether an agent is offered the calls the simulation makes on its own (generated callers, demo
-- dialer lists). Agents of an earlier database keep taking them.
ALTER TABLE agents ADD COLUMN traffic INTEGER NOT NULL DEFAULT 1;
