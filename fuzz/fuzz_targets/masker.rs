//! The masker on any text: a credential written after it is never shown, and
//! masking keeps ASCII text's length (positions stay valid), parsed or not.
#![no_main]
use libfuzzer_sys::fuzz_target;

const MARKER: &str = "zq9-fuzz-secret-marker";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let with_secret = format!("{text}\nDB_PASSWORD: {MARKER}\n");
    let shown = shipshape::secret::masked(&with_secret);
    assert!(!shown.contains(MARKER), "secret shown:\n{shown}");
    if with_secret.is_ascii() {
        assert_eq!(shown.len(), with_secret.len());
    }
    let redacted = shipshape::secret::redact(&format!("http://user:{MARKER}@host/"));
    assert!(!redacted.contains(MARKER));
});
