//! The file registry: every text shipshape reads gets an id, so spans stay small
//! and diagnostics can show the text around a location. Paths are kept as the user
//! named them (relative where possible) so no machine path reaches any output.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

/// Index of a file in a [`Sources`] registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct FileId(pub u32);

#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown to users (forward slashes, relative to the project).
    /// Shared by every location in the file.
    pub name: Arc<str>,
    /// The path to read and write on this machine.
    pub path: PathBuf,
    /// Set when the file is added, or by the worker that reads a file
    /// [`Sources::reserve`]d for it; a file read from disk may be released
    /// once checked ([`Sources::release`]) and is read again if asked for.
    text: RwLock<Option<Arc<str>>>,
    /// Read from `path`: its text can be read again.
    from_disk: bool,
    /// The length of the text first read: a text read again that differs
    /// (the file changed during the run) is not used, as its positions would
    /// not be the ones reported.
    first_len: OnceLock<usize>,
    /// The byte ranges of the text that hold secret-like values, found on
    /// first use: every excerpt is cut from the text with them masked.
    masked: OnceLock<Vec<(usize, usize)>>,
    /// Whether the text holds suppression comments, found on first ask:
    /// each of a file's documents asks, and a file may hold thousands.
    has_comments: OnceLock<bool>,
}

impl Clone for SourceFile {
    fn clone(&self) -> Self {
        SourceFile {
            name: self.name.clone(),
            path: self.path.clone(),
            text: RwLock::new(self.loaded()),
            from_disk: self.from_disk,
            first_len: self.first_len.clone(),
            masked: self.masked.clone(),
            has_comments: self.has_comments.clone(),
        }
    }
}

impl SourceFile {
    fn loaded(&self) -> Option<Arc<str>> {
        self.text.read().ok().and_then(|t| t.clone())
    }
    /// Sets the text unless one is set; returns the text that is.
    fn set(&self, text: Arc<str>) -> Arc<str> {
        if *self.first_len.get_or_init(|| text.len()) != text.len() {
            return Arc::from("");
        }
        match self.text.write() {
            Ok(mut slot) => slot.get_or_insert(text).clone(),
            Err(_) => text,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(
        &mut self,
        name: impl Into<String>,
        path: impl Into<PathBuf>,
        text: impl Into<Arc<str>>,
    ) -> FileId {
        let id = self.reserve(name, path);
        if let Some(f) = self.files.last_mut() {
            f.text = RwLock::new(Some(text.into()));
            // Its text may not be what is on disk (stdin, a render): kept.
            f.from_disk = false;
        }
        id
    }

    /// Registers a file whose text is read later, in parallel, by
    /// [`Sources::fill`]; until then its text is empty.
    pub fn reserve(&mut self, name: impl Into<String>, path: impl Into<PathBuf>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            // Names are shown relative to where the user stands.
            name: format!("{}{}", crate::ui::display_prefix(), name.into()).into(),
            path: path.into(),
            text: RwLock::new(None),
            from_disk: true,
            first_len: OnceLock::new(),
            masked: OnceLock::new(),
            has_comments: OnceLock::new(),
        });
        id
    }

    /// Sets the text of a reserved file (the first text set stays) and
    /// returns it.
    pub fn fill(&self, id: FileId, text: String) -> Arc<str> {
        match self.get(id) {
            Some(f) => f.set(text.into()),
            None => Arc::from(""),
        }
    }

    /// Whether the file holds suppression comments, as `holds` finds in its
    /// text the first time it is asked.
    pub fn has_comments(&self, id: FileId, holds: impl FnOnce(&str) -> bool) -> bool {
        self.get(id)
            .is_some_and(|f| *f.has_comments.get_or_init(|| holds(&self.text(id))))
    }

    /// Lets go of a checked file's text, so memory does not hold every file
    /// read. Asked for again (an excerpt, a suppression comment), it is read
    /// again from disk; a text not read from disk is never released.
    pub fn release(&self, id: FileId) {
        if let Some(f) = self.get(id).filter(|f| f.from_disk) {
            if let Ok(mut slot) = f.text.write() {
                *slot = None;
            }
        }
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |f| &f.name)
    }

    /// The name, shared: what a location holds.
    pub fn shared_name(&self, id: FileId) -> Arc<str> {
        self.get(id)
            .map_or_else(|| Arc::from("<unknown>"), |f| f.name.clone())
    }

    /// The text as it is held, without reading: `None` for a file reserved
    /// and not read yet, or released.
    pub fn try_text(&self, id: FileId) -> Option<Arc<str>> {
        self.get(id).and_then(SourceFile::loaded)
    }

    /// The text, read again from disk if it was released (empty if it cannot
    /// be read, or changed since it was first read).
    pub fn text(&self, id: FileId) -> Arc<str> {
        let Some(f) = self.get(id) else {
            return Arc::from("");
        };
        if let Some(t) = f.loaded() {
            return t;
        }
        if !f.from_disk {
            return Arc::from("");
        }
        // Not kept: what asks again (suppression comments, an excerpt's
        // masked copy) reads it once.
        match read_text(&f.path) {
            Ok(t) if f.first_len.get().is_none_or(|n| *n == t.len()) => t.into(),
            _ => Arc::from(""),
        }
    }

    /// The text to show in excerpts: secret-like values masked (see
    /// `secret`). Made on each call, not kept: a report asks once per file.
    pub fn shown(&self, id: FileId) -> Arc<str> {
        let Some(f) = self.get(id) else {
            return Arc::from("");
        };
        let text = self.text(id);
        let ranges = f.masked.get_or_init(|| crate::secret::ranges(&text));
        match crate::secret::mask(&text, ranges) {
            Some(masked) => masked.into(),
            None => text,
        }
    }

    /// Finds what to mask in a file from its documents as parsed (every
    /// document of the file, as read), while a caller still holds them and
    /// the text: the text need not be parsed again to find its secrets.
    pub fn mask_from<'n>(&self, id: FileId, docs: impl IntoIterator<Item = &'n crate::yaml::Node>) {
        if let Some(f) = self.get(id) {
            f.masked
                .get_or_init(|| crate::secret::ranges_in(&self.text(id), docs));
        }
    }
}

/// Shows `path` relative to `base` with forward slashes, so reports are the same on
/// every machine and from every working directory.
pub fn display_path(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let mut out = String::new();
    for (i, c) in rel.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&c.as_os_str().to_string_lossy());
    }
    if out.is_empty() {
        ".".into()
    } else {
        out
    }
}

/// Why a file's text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not a regular file (a FIFO, device or folder); shipshape reads only files")]
    NotRegular,
    #[error("larger than {0} MiB")]
    TooLarge(u64),
    #[error("not UTF-8 text{}", if *.0 { " (it looks like UTF-16: save it as UTF-8)" } else { "" })]
    NotUtf8(bool),
    #[error("a symbolic link to a file outside the project; shipshape reads only the project's own files")]
    OutsideProject,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Largest input file shipshape reads.
pub const MAX_FILE_BYTES: u64 = 128 << 20;

/// [`read_text`] of a file that must be inside `root` once links are
/// resolved: a committed link to `~/.netrc` or `/proc/self/environ` is refused
/// before a byte of it is read, so no error excerpt can print it.
pub fn read_text_within(path: &Path, root: &Path) -> Result<String, ReadError> {
    let real = std::fs::canonicalize(path)?;
    if !real.starts_with(std::fs::canonicalize(root)?) {
        return Err(ReadError::OutsideProject);
    }
    read_text(&real)
}

/// Reads a text file, refusing what would block or blow up: FIFOs and devices
/// (also behind a symbolic link), oversized files, and text that is not UTF-8.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(MAX_FILE_BYTES >> 20));
    }
    let bytes = std::fs::read(path)?;
    String::from_utf8(bytes).map_err(|e| {
        let b = e.as_bytes();
        let utf16 = b.starts_with(&[0xFF, 0xFE])
            || b.starts_with(&[0xFE, 0xFF])
            || (b.len() >= 2 && (b[0] == 0 || b[1] == 0));
        ReadError::NotUtf8(utf16)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_text_is_read_again_unless_the_file_changed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "kind: A\n").expect("write");
        let mut sources = Sources::default();
        let id = sources.reserve("a.yaml", &path);
        assert_eq!(&*sources.fill(id, "kind: A\n".into()), "kind: A\n");

        sources.release(id);
        assert_eq!(sources.try_text(id), None);
        assert_eq!(&*sources.text(id), "kind: A\n");

        sources.release(id);
        std::fs::write(&path, "kind: Changed\n").expect("write");
        assert_eq!(&*sources.text(id), "", "a changed file is not used");
    }

    #[test]
    fn a_text_not_read_from_disk_is_never_released() {
        let mut sources = Sources::default();
        let id = sources.add(
            "-",
            Path::new("/nonexistent/stdin"),
            "kind: B\n".to_string(),
        );
        sources.release(id);
        assert_eq!(&*sources.text(id), "kind: B\n");
    }
}
