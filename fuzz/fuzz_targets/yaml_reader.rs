//! The YAML reader on any text: a tree or a located error, never a panic,
//! and secret masking keeps the length.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shipshape::source::FileId;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = shipshape::yaml::parse_stream(&text, FileId(0));
    assert_eq!(shipshape::secret::masked(&text).len(), text.len());
});
