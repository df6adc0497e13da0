//! The API suite: one binary, every test on its own server (real socket, in-memory world, manual
//! clock, seed 7) through `helpers::TestApp`.

mod agents;
mod auth;
mod blacklist;
mod bounds;
mod cdr;
mod clock;
mod coverage;
mod determinism;
mod dialers;
mod dialing;
mod dispositions;
mod durability;
mod erlang;
mod events;
mod exhaustion;
mod faults;
mod general;
mod helpers;
mod hostile;
mod instances;
mod journal;
mod layers;
mod newcomer;
mod openapi;
mod parsers;
mod portal;
mod recordings;
mod reliability;
mod scenario;
mod seed_examples;
mod supervisor;
mod tls;
mod uploads;
