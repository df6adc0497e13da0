-- A new contact id is the spool's highest plus one: this index finds it without reading the spool
-- (an upload asks once per batch).
CREATE INDEX spool_contact ON spool (contact);
