//! cloudflared config validation and URL matching on any input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shipshape::source::FileId;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (config, url) = text.split_once("\n#URL ").unwrap_or((&text, "https://a.example.com/x"));
    let v = shipshape::tunnel::validate(config, FileId(0));
    if v.is_valid() {
        let _ = shipshape::tunnel::match_url(&v.rules, url);
    }
});
