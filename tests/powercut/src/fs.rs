//! The FUSE side: a passthrough of one folder that tells [`Volatile`]
//! about every write, truncation, sync and namespace change before it
//! passes it on.
//!
//! Inode numbers are the folder's own (the root is swapped with inode 1,
//! which FUSE reserves for it). Hard and symbolic links are refused: the
//! data folders hold neither. POSIX locks stay in the kernel (the layer
//! does not ask for them), which is what SQLite on one machine needs.

use crate::volatile::Volatile;
use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, OpenFlags,
    RenameFlags, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty, ReplyEntry,
    ReplyOpen, ReplyStatfs, ReplyWrite, Request, TimeOrNow,
};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const TTL: Duration = Duration::from_secs(1);

#[derive(Debug)]
struct OpenFile {
    file: File,
    /// The inode below (what [`Volatile`] keys files by).
    ino: u64,
}

#[derive(Debug)]
struct Inner {
    root_ino: u64,
    /// FUSE inode → where it lies now.
    paths: HashMap<u64, PathBuf>,
    handles: HashMap<u64, OpenFile>,
    next_handle: u64,
    volatile: Volatile,
}

/// The layer, shared with the code that later cuts it.
#[derive(Debug, Clone)]
pub struct PowerCutFs {
    inner: Arc<Mutex<Inner>>,
}

type Result<T> = std::result::Result<T, Errno>;

fn errno(e: io::Error) -> Errno {
    Errno::from(e)
}

impl PowerCutFs {
    pub fn new(lower: &Path, graveyard: PathBuf) -> io::Result<PowerCutFs> {
        let root_ino = lower.metadata()?.ino();
        let mut paths = HashMap::new();
        paths.insert(1, lower.to_path_buf());
        Ok(PowerCutFs {
            inner: Arc::new(Mutex::new(Inner {
                root_ino,
                paths,
                handles: HashMap::new(),
                next_handle: 1,
                volatile: Volatile::new(graveyard),
            })),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half
        // changed in a way that matters more than the panic itself.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes the volatile state out (the mount must be gone).
    pub fn take_volatile(&self, graveyard: PathBuf) -> Volatile {
        std::mem::replace(&mut self.lock().volatile, Volatile::new(graveyard))
    }
}

impl Inner {
    fn fuse_ino(&self, ino: u64) -> u64 {
        if ino == self.root_ino {
            1
        } else if ino == 1 {
            self.root_ino
        } else {
            ino
        }
    }

    fn path(&self, ino: INodeNo) -> Result<PathBuf> {
        self.paths.get(&ino.0).cloned().ok_or(Errno::ENOENT)
    }

    fn child(&self, parent: INodeNo, name: &OsStr) -> Result<PathBuf> {
        Ok(self.path(parent)?.join(name))
    }

    fn attr(&self, meta: &Metadata) -> FileAttr {
        let time = |secs: i64, nanos: i64| {
            UNIX_EPOCH + Duration::new(secs.max(0) as u64, nanos.clamp(0, 999_999_999) as u32)
        };
        let kind = if meta.is_dir() {
            FileType::Directory
        } else if meta.file_type().is_symlink() {
            FileType::Symlink
        } else {
            FileType::RegularFile
        };
        FileAttr {
            ino: INodeNo(self.fuse_ino(meta.ino())),
            size: meta.size(),
            blocks: meta.blocks(),
            atime: time(meta.atime(), meta.atime_nsec()),
            mtime: time(meta.mtime(), meta.mtime_nsec()),
            ctime: time(meta.ctime(), meta.ctime_nsec()),
            crtime: UNIX_EPOCH,
            kind,
            perm: (meta.mode() & 0o7777) as u16,
            nlink: meta.nlink() as u32,
            uid: meta.uid(),
            gid: meta.gid(),
            rdev: meta.rdev() as u32,
            blksize: 4096,
            flags: 0,
        }
    }

    /// Remembers where an entry lies and answers its attributes.
    fn entry(&mut self, path: PathBuf) -> Result<FileAttr> {
        let meta = path.symlink_metadata().map_err(errno)?;
        let attr = self.attr(&meta);
        self.paths.insert(attr.ino.0, path);
        Ok(attr)
    }

    /// After a rename: everything at or under `from` now lies under `to`.
    fn moved(&mut self, from: &Path, to: &Path) {
        for path in self.paths.values_mut() {
            if let Ok(rest) = path.strip_prefix(from) {
                *path = if rest.as_os_str().is_empty() {
                    to.to_path_buf()
                } else {
                    to.join(rest)
                };
            }
        }
    }

    fn open_handle(&mut self, file: File) -> Result<u64> {
        let ino = file.metadata().map_err(errno)?.ino();
        let handle = self.next_handle;
        self.next_handle += 1;
        self.handles.insert(handle, OpenFile { file, ino });
        Ok(handle)
    }

    fn handle(&self, fh: FileHandle) -> Result<&OpenFile> {
        self.handles.get(&fh.0).ok_or(Errno::EBADF)
    }

    fn setattr(
        &mut self,
        ino: INodeNo,
        fh: Option<FileHandle>,
        mode: Option<u32>,
        size: Option<u64>,
        mtime: Option<TimeOrNow>,
    ) -> Result<FileAttr> {
        let path = self.path(ino)?;
        if let Some(mode) = mode {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & 0o7777))
                .map_err(errno)?;
        }
        if let Some(size) = size {
            let opened;
            let (file, real_ino) = match fh.and_then(|fh| self.handles.get(&fh.0)) {
                Some(open) => (&open.file, open.ino),
                None => {
                    opened = OpenOptions::new().write(true).open(&path).map_err(errno)?;
                    let real = opened.metadata().map_err(errno)?.ino();
                    (&opened, real)
                }
            };
            let file = file.try_clone().map_err(errno)?;
            self.volatile
                .before_set_len(real_ino, &file, size)
                .map_err(errno)?;
            file.set_len(size).map_err(errno)?;
        }
        if let Some(mtime) = mtime {
            if let Ok(file) = File::open(&path) {
                let when = match mtime {
                    TimeOrNow::SpecificTime(t) => t,
                    TimeOrNow::Now => SystemTime::now(),
                };
                let _ = file.set_modified(when);
            }
        }
        let meta = path.symlink_metadata().map_err(errno)?;
        Ok(self.attr(&meta))
    }
}

impl Filesystem for PowerCutFs {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let mut inner = self.lock();
        match inner.child(parent, name).and_then(|p| inner.entry(p)) {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, fh: Option<FileHandle>, reply: ReplyAttr) {
        let inner = self.lock();
        let meta = match fh.and_then(|fh| inner.handles.get(&fh.0)) {
            Some(open) => open.file.metadata().map_err(errno),
            None => inner
                .path(ino)
                .and_then(|p| p.symlink_metadata().map_err(errno)),
        };
        match meta {
            Ok(meta) => reply.attr(&TTL, &inner.attr(&meta)),
            Err(e) => reply.error(e),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        match self.lock().setattr(ino, fh, mode, size, mtime) {
            Ok(attr) => reply.attr(&TTL, &attr),
            Err(e) => reply.error(e),
        }
    }

    fn mkdir(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        reply: ReplyEntry,
    ) {
        let mut inner = self.lock();
        let made = (|| {
            let path = inner.child(parent, name)?;
            std::fs::create_dir(&path).map_err(errno)?;
            let _ = std::fs::set_permissions(
                &path,
                std::fs::Permissions::from_mode(mode & !umask & 0o7777),
            );
            inner.volatile.made_dir(&path);
            inner.entry(path)
        })();
        match made {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut inner = self.lock();
        let removed = (|| {
            let path = inner.child(parent, name)?;
            let meta = path.symlink_metadata().map_err(errno)?;
            if meta.is_dir() {
                return Err(Errno::EISDIR);
            }
            let grave = inner.volatile.remove(&path).map_err(errno)?;
            let ino = inner.fuse_ino(meta.ino());
            inner.paths.insert(ino, grave);
            Ok(())
        })();
        match removed {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut inner = self.lock();
        let removed = (|| {
            let path = inner.child(parent, name)?;
            if !path.symlink_metadata().map_err(errno)?.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            if std::fs::read_dir(&path).map_err(errno)?.next().is_some() {
                return Err(Errno::ENOTEMPTY);
            }
            let grave = inner.volatile.remove(&path).map_err(errno)?;
            inner.moved(&path, &grave);
            Ok(())
        })();
        match removed {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        let mut inner = self.lock();
        let renamed = (|| {
            if flags.contains(RenameFlags::RENAME_EXCHANGE)
                || flags.contains(RenameFlags::RENAME_WHITEOUT)
            {
                return Err(Errno::EINVAL);
            }
            let from = inner.child(parent, name)?;
            let to = inner.child(newparent, newname)?;
            let from_meta = from.symlink_metadata().map_err(errno)?;
            if let Ok(to_meta) = to.symlink_metadata() {
                if flags.contains(RenameFlags::RENAME_NOREPLACE) {
                    return Err(Errno::EEXIST);
                }
                if to_meta.ino() == from_meta.ino() {
                    return Ok(());
                }
                match (from_meta.is_dir(), to_meta.is_dir()) {
                    (true, false) => return Err(Errno::ENOTDIR),
                    (false, true) => return Err(Errno::EISDIR),
                    (true, true) => {
                        if std::fs::read_dir(&to).map_err(errno)?.next().is_some() {
                            return Err(Errno::ENOTEMPTY);
                        }
                    }
                    (false, false) => {}
                }
            }
            if let Some(grave) = inner.volatile.rename(&from, &to).map_err(errno)? {
                inner.moved(&to, &grave);
            }
            inner.moved(&from, &to);
            Ok(())
        })();
        match renamed {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let mut inner = self.lock();
        let opened = (|| {
            let path = inner.path(ino)?;
            // Read access even for a write-only open: the model reads a
            // page's old content before a write changes it.
            let access = flags.0 & 3;
            let file = OpenOptions::new()
                .read(true)
                .write(access != 0)
                .open(&path)
                .map_err(errno)?;
            inner.open_handle(file)
        })();
        match opened {
            Ok(handle) => reply.opened(FileHandle(handle), FopenFlags::empty()),
            Err(e) => reply.error(e),
        }
    }

    fn create(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        _flags: i32,
        reply: ReplyCreate,
    ) {
        let mut inner = self.lock();
        let created = (|| {
            let path = inner.child(parent, name)?;
            let existed = path.symlink_metadata().is_ok();
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .mode(mode & !umask & 0o7777)
                .open(&path)
                .map_err(errno)?;
            if !existed {
                inner.volatile.created(&path);
            }
            let attr = inner.entry(path)?;
            let handle = inner.open_handle(file)?;
            Ok((attr, handle))
        })();
        match created {
            Ok((attr, handle)) => reply.created(
                &TTL,
                &attr,
                Generation(0),
                FileHandle(handle),
                FopenFlags::empty(),
            ),
            Err(e) => reply.error(e),
        }
    }

    fn read(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<fuser::LockOwner>,
        reply: ReplyData,
    ) {
        let inner = self.lock();
        let read = (|| {
            let open = inner.handle(fh)?;
            let mut buf = vec![0; size as usize];
            let mut filled = 0;
            while filled < buf.len() {
                match open
                    .file
                    .read_at(&mut buf[filled..], offset + filled as u64)
                {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(errno(e)),
                }
            }
            buf.truncate(filled);
            Ok(buf)
        })();
        match read {
            Ok(buf) => reply.data(&buf),
            Err(e) => reply.error(e),
        }
    }

    fn write(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: fuser::WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<fuser::LockOwner>,
        reply: ReplyWrite,
    ) {
        let mut inner = self.lock();
        let written = (|| {
            let open = inner.handle(fh)?;
            let (file, ino) = (open.file.try_clone().map_err(errno)?, open.ino);
            inner
                .volatile
                .before_write(ino, &file, offset, data.len() as u64)
                .map_err(errno)?;
            file.write_all_at(data, offset).map_err(errno)?;
            Ok(data.len() as u32)
        })();
        match written {
            Ok(n) => reply.written(n),
            Err(e) => reply.error(e),
        }
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _lock_owner: fuser::LockOwner,
        reply: ReplyEmpty,
    ) {
        reply.ok();
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<fuser::LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        self.lock().handles.remove(&fh.0);
        reply.ok();
    }

    fn fsync(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let mut inner = self.lock();
        match inner.handle(fh).map(|open| open.ino) {
            Ok(ino) => {
                inner.volatile.file_synced(ino);
                reply.ok();
            }
            Err(e) => reply.error(e),
        }
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let inner = self.lock();
        let listed = (|| {
            let path = inner.path(ino)?;
            let mut entries = vec![
                (ino.0, FileType::Directory, OsStr::new(".").to_owned()),
                (ino.0, FileType::Directory, OsStr::new("..").to_owned()),
            ];
            for entry in std::fs::read_dir(&path).map_err(errno)? {
                let entry = entry.map_err(errno)?;
                let meta = entry.metadata().map_err(errno)?;
                let kind = if meta.is_dir() {
                    FileType::Directory
                } else {
                    FileType::RegularFile
                };
                entries.push((inner.fuse_ino(meta.ino()), kind, entry.file_name()));
            }
            Ok(entries)
        })();
        match listed {
            Ok(entries) => {
                for (i, (ino, kind, name)) in entries.into_iter().enumerate().skip(offset as usize)
                {
                    if reply.add(INodeNo(ino), (i + 1) as u64, kind, &name) {
                        break;
                    }
                }
                reply.ok();
            }
            Err(e) => reply.error(e),
        }
    }

    fn fsyncdir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        self.lock().volatile.dir_synced();
        reply.ok();
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        reply.statfs(1 << 24, 1 << 23, 1 << 23, 1 << 20, 1 << 19, 4096, 255, 4096);
    }

    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        reply.ok();
    }
}
