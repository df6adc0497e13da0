//! The open-file budget: what the process's descriptors are kept for. Connections take what the
//! databases and the process leave; instances with database files take what the limit can hold, so
//! no instance is ever refused (or lost) for a descriptor its own files need.

use crate::store::READERS;

/// The process's own files: listeners, the runtime, stdio, the image cache, an instance file looked
/// into, a certificate (a fresh server holds 12).
pub const PROCESS: u64 = 64;

/// One instance with a database file at most: the database and its WAL for the writer and each
/// reader, and the WAL index (`-shm`), which SQLite opens once per file (measured: 11).
pub const PER_INSTANCE: u64 = 2 * (1 + READERS as u64) + 1;

/// The fewest connections the budget leaves.
pub const MIN_CONNECTIONS: u64 = 64;

/// How the open files are shared out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// Instances live at once: `--max-instances`, or fewer when the limit cannot hold them.
    pub max_instances: usize,
    /// Connections open at once.
    pub connections: usize,
    /// Why `max_instances` is below the flag's value.
    pub lowered: Option<String>,
}

impl Budget {
    /// The budget for an open-file limit of `files`, `wanted` instances, and database files or not.
    /// An instance's files are counted once more than the instances: a new instance opens before
    /// the one it evicts closes, so a failed open evicts nothing.
    pub fn new(files: u64, wanted: usize, database_files: bool) -> Self {
        let per_instance = if database_files { PER_INSTANCE } else { 0 };
        let room = files.saturating_sub(PROCESS + MIN_CONNECTIONS);
        let mut max_instances = wanted.max(1);
        let mut lowered = None;
        if per_instance > 0 && per_instance.saturating_mul(max_instances as u64 + 1) > room {
            let fits = usize::try_from(room / per_instance).unwrap_or(usize::MAX).saturating_sub(1).max(1);
            max_instances = fits.min(max_instances);
            let needs = PROCESS + MIN_CONNECTIONS + per_instance * (wanted as u64 + 1);
            lowered = Some(format!(
                "--max-instances {wanted} with database files needs {needs} open files and this process may open \
                 {files}: at most {max_instances} instances are kept live (raise the limit, e.g. ulimit -n {needs}, \
                 or use --db :memory:)"
            ));
        }
        let reserved = PROCESS + per_instance.saturating_mul(max_instances as u64 + 1);
        let connections = (files / 4 * 3).min(files.saturating_sub(reserved)).max(16);
        Self { max_instances, connections: usize::try_from(connections).unwrap_or(usize::MAX), lowered }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_with_files_counts_its_writer_readers_and_wal_index() {
        assert_eq!(PER_INSTANCE, 11);
    }

    #[test]
    fn a_limit_that_holds_the_instances_keeps_the_flag() {
        let budget = Budget::new(1024, 64, true);
        assert_eq!((budget.max_instances, budget.connections, budget.lowered), (64, 1024 - 64 - 11 * 65, None));
        // Three quarters at most, and memory instances hold no files.
        assert_eq!(Budget::new(1 << 20, 64, true).connections, 3 << 18);
        assert_eq!(Budget::new(1024, 64, false), Budget { max_instances: 64, connections: 768, lowered: None });
    }

    #[test]
    fn a_small_limit_keeps_fewer_instances_and_says_so() {
        let budget = Budget::new(256, 64, true);
        // (256 - 64 - 64) / 11 = 11 instances' files, one of them for the instance being opened.
        assert_eq!((budget.max_instances, budget.connections), (10, 256 - 64 - 11 * 11));
        let why = budget.lowered.unwrap();
        assert!(
            why.contains("--max-instances 64") && why.contains("may open 256") && why.contains("at most 10"),
            "{why}"
        );
        // A limit too small for any is still one instance and 16 connections: the server starts.
        assert_eq!(Budget::new(64, 64, true), Budget { max_instances: 1, ..Budget::new(64, 64, true) });
        assert_eq!(Budget::new(64, 64, true).connections, 16);
    }
}
