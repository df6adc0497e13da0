//! In-memory databases that share a fresh world's image. Every new in-memory instance starts as the
//! same database (the image, some 400 KB): a copy of it each (`sqlite3_deserialize`) was most of an
//! idle instance's memory and of its creation's time. Here an instance's database reads the pages
//! it has not changed from the one image every instance shares, and keeps a page of its own only
//! once it writes it (copy on write, a page at a time).
//!
//! It is a SQLite VFS of its own (`ucontact-shared`), registered once: a database file is an
//! image offered under a name ([`offer`]) and taken by the one connection that opens it; journals
//! and temporary files are private memory. Nothing reaches the disk; the time, randomness and
//! sleep come from SQLite's default VFS. One connection holds each database (the in-memory pools
//! have one), so locks have nothing to keep apart.

use std::collections::HashMap;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::ffi;

/// The VFS's name, for `SqliteConnectOptions::vfs`.
pub const VFS: &str = "ucontact-shared";

/// The chunk of the files that are not a database (journals, temporary files).
const CHUNK: usize = 4096;

/// Images offered under a name, until the connection that opens the name takes theirs.
fn offered() -> std::sync::MutexGuard<'static, HashMap<String, Arc<[u8]>>> {
    static OFFERED: OnceLock<Mutex<HashMap<String, Arc<[u8]>>>> = OnceLock::new();
    OFFERED.get_or_init(Mutex::default).lock().unwrap_or_else(|e| e.into_inner())
}

/// An image offered under a file name of this VFS; withdrawn when dropped if no connection took it.
#[derive(Debug)]
pub struct Offer {
    name: String,
}

impl Offer {
    /// The file name a connection opens to take the image.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Offer {
    fn drop(&mut self) {
        offered().remove(&self.name);
    }
}

/// Offers `image` (a SQLite database) to the next connection that opens the answer's name with
/// this VFS (registered here when it is not yet).
pub fn offer(image: Arc<[u8]>) -> Result<Offer, crate::store::StoreError> {
    register()?;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!("/ucontact-shared/{}", NEXT.fetch_add(1, Ordering::Relaxed));
    offered().insert(name.clone(), image);
    Ok(Offer { name })
}

/// Registers the VFS with SQLite (once; not as the default).
fn register() -> Result<(), crate::store::StoreError> {
    static REGISTERED: OnceLock<c_int> = OnceLock::new();
    let rc = *REGISTERED.get_or_init(|| {
        crate::store::configure();
        // SAFETY: `sqlite3_vfs_find(NULL)` initialises SQLite and answers its default VFS, which
        // lives as long as the process; the VFS registered is leaked, so it does too.
        unsafe {
            let default = ffi::sqlite3_vfs_find(std::ptr::null());
            if default.is_null() {
                return ffi::SQLITE_ERROR;
            }
            let vfs = Box::leak(Box::new(ffi::sqlite3_vfs {
                iVersion: 2,
                szOsFile: std::mem::size_of::<File>() as c_int,
                mxPathname: 512,
                pNext: std::ptr::null_mut(),
                zName: c"ucontact-shared".as_ptr(),
                pAppData: default.cast(),
                xOpen: Some(open),
                xDelete: Some(delete),
                xAccess: Some(access),
                xFullPathname: Some(full_pathname),
                xDlOpen: None,
                xDlError: None,
                xDlSym: None,
                xDlClose: None,
                xRandomness: Some(randomness),
                xSleep: Some(sleep),
                xCurrentTime: Some(current_time),
                xGetLastError: Some(last_error),
                xCurrentTimeInt64: Some(current_time_int64),
                xSetSystemCall: None,
                xGetSystemCall: None,
                xNextSystemCall: None,
            }));
            ffi::sqlite3_vfs_register(vfs, 0)
        }
    });
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(crate::store::StoreError::Configuration("the shared-image SQLite VFS could not be registered".into()))
    }
}

/// One open file: SQLite's header, then ours.
#[repr(C)]
struct File {
    base: ffi::sqlite3_file,
    pages: *mut Pages,
}

/// A file's bytes: the shared image's where no page of its own was written.
#[derive(Debug)]
struct Pages {
    /// Bytes a page (the database's page size; [`CHUNK`] for other files).
    page: usize,
    image: Arc<[u8]>,
    /// How much of the image still shows (a truncation hides the rest for good).
    shown: usize,
    own: Vec<Option<Box<[u8]>>>,
    size: usize,
}

impl Pages {
    fn new(image: Arc<[u8]>) -> Self {
        // A database's page size is in its header (bytes 16 and 17; 1 means 65,536).
        let page = match image.get(16..18) {
            Some(&[0, 1]) => 65_536,
            Some(&[hi, lo]) if u16::from_be_bytes([hi, lo]) >= 512 => usize::from(u16::from_be_bytes([hi, lo])),
            _ => CHUNK,
        };
        let size = image.len();
        Self { page, shown: size, image, own: Vec::new(), size }
    }

    /// Page `index` as it reads now: its own copy, the image's, or nothing (zeros).
    fn source(&self, index: usize) -> &[u8] {
        if let Some(Some(own)) = self.own.get(index) {
            return own;
        }
        let start = index * self.page;
        if start < self.shown { &self.image[start..self.shown.min(start + self.page)] } else { &[] }
    }

    /// Reads `out.len()` bytes at `offset`; answers whether they were all there (past the end,
    /// the rest is zeros).
    fn read(&self, out: &mut [u8], offset: usize) -> bool {
        let mut done = 0;
        while done < out.len() {
            let at = offset + done;
            let (index, within) = (at / self.page, at % self.page);
            let n = (self.page - within).min(out.len() - done);
            let dst = &mut out[done..done + n];
            // What the page holds from `within` on (nothing when it ends before).
            let src = self.source(index).get(within..).unwrap_or(&[]);
            let copied = src.len().min(n).min(self.size.saturating_sub(at));
            dst[..copied].copy_from_slice(&src[..copied]);
            dst[copied..].fill(0);
            done += n;
        }
        offset + out.len() <= self.size
    }

    /// Writes `data` at `offset`, copying each page it touches first.
    fn write(&mut self, data: &[u8], offset: usize) {
        let mut done = 0;
        while done < data.len() {
            let at = offset + done;
            let (index, within) = (at / self.page, at % self.page);
            let n = (self.page - within).min(data.len() - done);
            if self.own.len() <= index {
                self.own.resize_with(index + 1, || None);
            }
            if self.own[index].is_none() {
                let mut copy = vec![0u8; self.page].into_boxed_slice();
                let src = self.source(index);
                copy[..src.len()].copy_from_slice(src);
                self.own[index] = Some(copy);
            }
            if let Some(page) = self.own[index].as_mut() {
                page[within..within + n].copy_from_slice(&data[done..done + n]);
            }
            done += n;
        }
        self.size = self.size.max(offset + data.len());
    }

    /// Cuts (or extends with zeros) the file to `size` bytes.
    fn truncate(&mut self, size: usize) {
        self.size = size;
        self.shown = self.shown.min(size);
        self.own.truncate(size.div_ceil(self.page));
        // The page the new end falls in keeps nothing past it.
        let tail = size % self.page;
        if tail > 0
            && let Some(Some(page)) = self.own.get_mut(size / self.page)
        {
            page[tail..].fill(0);
        }
    }
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 1,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(lock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: None,
    xShmLock: None,
    xShmBarrier: None,
    xShmUnmap: None,
    xFetch: None,
    xUnfetch: None,
};

/// The pages of an open file.
///
/// # Safety
/// `file` is a [`File`] this VFS opened and SQLite has not closed.
unsafe fn pages<'a>(file: *mut ffi::sqlite3_file) -> &'a mut Pages {
    // SAFETY: by the caller's promise, `pages` was set by `open` and is freed only by `close`.
    unsafe { &mut *(*file.cast::<File>()).pages }
}

/// The default VFS this one takes time, randomness and sleep from.
///
/// # Safety
/// `vfs` is this VFS.
unsafe fn default(vfs: *mut ffi::sqlite3_vfs) -> *mut ffi::sqlite3_vfs {
    // SAFETY: `register` set `pAppData` to the default VFS, which is never unregistered.
    unsafe { (*vfs).pAppData.cast() }
}

unsafe extern "C" fn open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // A failed open leaves no methods: SQLite then calls no `xClose`.
    // SAFETY: SQLite hands `szOsFile` bytes for the file.
    unsafe { (*file).pMethods = std::ptr::null() };
    let image = if flags & ffi::SQLITE_OPEN_MAIN_DB != 0 {
        // SAFETY: SQLite gives a main database's name as a C string.
        let Some(name) = (!name.is_null()).then(|| unsafe { CStr::from_ptr(name) }.to_string_lossy()) else {
            return ffi::SQLITE_CANTOPEN;
        };
        // Taken: the name opens once (a pool that reconnects finds nothing, not an empty database).
        match offered().remove(name.as_ref()) {
            Some(image) => image,
            None => return ffi::SQLITE_CANTOPEN,
        }
    } else {
        Arc::from(&[][..])
    };
    let pages = Box::into_raw(Box::new(Pages::new(image)));
    // SAFETY: SQLite hands `szOsFile` bytes for the file; it calls `xClose` once `pMethods` is set.
    unsafe {
        file.cast::<File>().write(File { base: ffi::sqlite3_file { pMethods: &METHODS }, pages });
        if !out_flags.is_null() {
            *out_flags = flags;
        }
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: the file is ours and closed once; its pages were boxed by `open`.
    unsafe {
        let file = file.cast::<File>();
        drop(Box::from_raw((*file).pages));
        (*file).pages = std::ptr::null_mut();
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn read(file: *mut ffi::sqlite3_file, out: *mut c_void, amount: c_int, offset: i64) -> c_int {
    let (Ok(amount), Ok(offset)) = (usize::try_from(amount), usize::try_from(offset)) else {
        return ffi::SQLITE_IOERR_READ;
    };
    // SAFETY: SQLite reads into a buffer of `amount` bytes, from a file of ours.
    let (pages, out) = unsafe { (pages(file), std::slice::from_raw_parts_mut(out.cast::<u8>(), amount)) };
    if pages.read(out, offset) { ffi::SQLITE_OK } else { ffi::SQLITE_IOERR_SHORT_READ }
}

unsafe extern "C" fn write(file: *mut ffi::sqlite3_file, data: *const c_void, amount: c_int, offset: i64) -> c_int {
    let (Ok(amount), Ok(offset)) = (usize::try_from(amount), usize::try_from(offset)) else {
        return ffi::SQLITE_IOERR_WRITE;
    };
    // SAFETY: SQLite writes from a buffer of `amount` bytes, into a file of ours.
    let (pages, data) = unsafe { (pages(file), std::slice::from_raw_parts(data.cast::<u8>(), amount)) };
    pages.write(data, offset);
    ffi::SQLITE_OK
}

unsafe extern "C" fn truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    let Ok(size) = usize::try_from(size) else { return ffi::SQLITE_IOERR_TRUNCATE };
    // SAFETY: a file of ours.
    unsafe { pages(file) }.truncate(size);
    ffi::SQLITE_OK
}

unsafe extern "C" fn sync(_file: *mut ffi::sqlite3_file, _flags: c_int) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    // SAFETY: a file of ours, and SQLite's place for the answer.
    unsafe { *size = i64::try_from(pages(file).size).unwrap_or(i64::MAX) };
    ffi::SQLITE_OK
}

unsafe extern "C" fn lock(_file: *mut ffi::sqlite3_file, _level: c_int) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn check_reserved_lock(_file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    // SAFETY: SQLite's place for the answer.
    unsafe { *out = 0 };
    ffi::SQLITE_OK
}

unsafe extern "C" fn file_control(_file: *mut ffi::sqlite3_file, _op: c_int, _arg: *mut c_void) -> c_int {
    ffi::SQLITE_NOTFOUND
}

unsafe extern "C" fn sector_size(_file: *mut ffi::sqlite3_file) -> c_int {
    1024
}

unsafe extern "C" fn device_characteristics(_file: *mut ffi::sqlite3_file) -> c_int {
    // What SQLite's own in-memory files (memdb) promise.
    ffi::SQLITE_IOCAP_ATOMIC
        | ffi::SQLITE_IOCAP_POWERSAFE_OVERWRITE
        | ffi::SQLITE_IOCAP_SAFE_APPEND
        | ffi::SQLITE_IOCAP_SEQUENTIAL
}

unsafe extern "C" fn delete(_vfs: *mut ffi::sqlite3_vfs, _name: *const c_char, _sync_dir: c_int) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn access(
    _vfs: *mut ffi::sqlite3_vfs,
    _name: *const c_char,
    _flags: c_int,
    out: *mut c_int,
) -> c_int {
    // No journal is left over from an earlier run: nothing outlives its connection.
    // SAFETY: SQLite's place for the answer.
    unsafe { *out = 0 };
    ffi::SQLITE_OK
}

unsafe extern "C" fn full_pathname(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    size: c_int,
    out: *mut c_char,
) -> c_int {
    // SAFETY: `name` is a C string and `out` has room for `size` bytes.
    unsafe {
        let name = CStr::from_ptr(name).to_bytes_with_nul();
        if name.len() > usize::try_from(size).unwrap_or(0) {
            return ffi::SQLITE_CANTOPEN;
        }
        std::ptr::copy_nonoverlapping(name.as_ptr().cast(), out, name.len());
    }
    ffi::SQLITE_OK
}

/// A VFS method that calls the default VFS's own, with SQLite's arguments (`missing`: the answer
/// should it have none).
macro_rules! delegated {
    ($name:ident, $method:ident, $missing:expr, $($arg:ident: $ty:ty),*) => {
        unsafe extern "C" fn $name(vfs: *mut ffi::sqlite3_vfs, $($arg: $ty),*) -> c_int {
            // SAFETY: the default VFS's own method, given the default VFS and SQLite's arguments.
            unsafe {
                let default = default(vfs);
                (*default).$method.map_or($missing, |f| f(default, $($arg),*))
            }
        }
    };
}

delegated!(randomness, xRandomness, 0, size: c_int, out: *mut c_char);
delegated!(sleep, xSleep, 0, micros: c_int);
delegated!(current_time, xCurrentTime, ffi::SQLITE_ERROR, out: *mut f64);
delegated!(current_time_int64, xCurrentTimeInt64, ffi::SQLITE_ERROR, out: *mut i64);
delegated!(last_error, xGetLastError, 0, size: c_int, out: *mut c_char);

#[cfg(test)]
mod tests {
    use super::*;

    fn image(pages: usize, page: u16) -> Arc<[u8]> {
        let mut bytes: Vec<u8> = (0..pages * usize::from(page)).map(|i| (i % 251) as u8).collect();
        bytes[16..18].copy_from_slice(&page.to_be_bytes());
        Arc::from(bytes)
    }

    #[test]
    fn pages_read_the_image_until_written_and_keep_only_what_was_written() {
        let shared = image(4, 1024);
        let mut pages = Pages::new(Arc::clone(&shared));
        let mut out = vec![0u8; 4096];
        assert!(pages.read(&mut out, 0));
        assert_eq!(out, shared[..]);
        // A write across a page boundary copies the two pages it touches.
        pages.write(&[7; 10], 1020);
        assert_eq!(pages.own.iter().flatten().count(), 2);
        assert!(pages.read(&mut out, 0));
        assert_eq!(&out[1020..1030], &[7; 10]);
        assert_eq!(&out[..1020], &shared[..1020]);
        assert_eq!(&out[1030..], &shared[1030..]);
        // The image every other database reads is untouched.
        assert_eq!(shared[1020], (1020 % 251) as u8);
        // Past the end: a short read, zeros.
        let mut tail = vec![9u8; 100];
        assert!(!pages.read(&mut tail, 4050));
        assert_eq!(&tail[..46], &shared[4050..]);
        assert!(tail[46..].iter().all(|b| *b == 0));
    }

    /// Real SQLite over the VFS: two databases from one image change apart, a rolled-back
    /// transaction leaves nothing, and a vacuum (which truncates) keeps the database whole.
    #[tokio::test]
    async fn databases_from_one_image_change_apart_and_stay_whole() {
        use crate::store::Store;
        let base = Store::open(&crate::store::Location::Memory, None).await.unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER PRIMARY KEY, text TEXT)").execute(base.writer()).await.unwrap();
        sqlx::query("WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 200) INSERT INTO t (text) SELECT printf('%0500d', v) FROM s")
            .execute(base.writer())
            .await
            .unwrap();
        let image: Arc<[u8]> = base.image().await.unwrap().into();
        let (a, b) = (Store::open_shared(Arc::clone(&image)).await.unwrap(), Store::open_shared(image).await.unwrap());
        let count = |store: &Store| {
            let pool = store.reader().clone();
            async move { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM t").fetch_one(&pool).await.unwrap() }
        };
        sqlx::query("WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 2000) INSERT INTO t (text) SELECT printf('%0900d', v) FROM s")
            .execute(a.writer())
            .await
            .unwrap();
        let mut tx = b.writer().begin().await.unwrap();
        sqlx::query("DELETE FROM t").execute(&mut *tx).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!((count(&a).await, count(&b).await), (2200, 200));
        sqlx::query("DELETE FROM t WHERE n > 100").execute(a.writer()).await.unwrap();
        sqlx::query("VACUUM").execute(a.writer()).await.unwrap();
        for store in [&a, &b] {
            let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(store.reader()).await.unwrap();
            assert_eq!(check, "ok");
        }
        assert_eq!((count(&a).await, count(&b).await), (100, 200));
    }

    #[test]
    fn a_truncation_hides_the_image_beyond_it_for_good() {
        let mut pages = Pages::new(image(4, 1024));
        pages.truncate(1500);
        assert_eq!(pages.size, 1500);
        pages.write(&[1; 4], 3000);
        let mut out = vec![9u8; 956];
        assert!(pages.read(&mut out, 2048));
        assert!(out.iter().take(952).all(|b| *b == 0), "what the truncation cut does not come back");
        assert_eq!(&out[952..956], &[1; 4]);
        let mut gap = vec![9u8; 548];
        assert!(pages.read(&mut gap, 1500));
        assert!(gap.iter().all(|b| *b == 0));
        // Past the end inside a page the image no longer shows, and within a page of its own.
        let mut inside = vec![9u8; 100];
        assert!(pages.read(&mut inside, 1600));
        assert!(inside.iter().all(|b| *b == 0));
    }

    #[test]
    fn a_truncation_zeroes_the_tail_of_the_page_it_ends_in_and_no_other() {
        let shared = image(4, 1024);
        let mut pages = Pages::new(Arc::clone(&shared));
        // Only the first page is its own; the end falls in the second, the image's.
        pages.write(&[5; 1024], 0);
        pages.truncate(1500);
        let mut out = vec![0u8; 1500];
        assert!(pages.read(&mut out, 0));
        assert!(out[..1024].iter().all(|b| *b == 5), "the data before the end stays");
        assert_eq!(&out[1024..], &shared[1024..1500]);
        pages.truncate(4096);
        let mut tail = vec![9u8; 548];
        assert!(pages.read(&mut tail, 1500));
        assert!(tail.iter().all(|b| *b == 0), "what the truncation cut reads as zeros");
    }
}
