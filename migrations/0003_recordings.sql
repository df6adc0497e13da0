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
