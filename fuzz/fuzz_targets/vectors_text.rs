//! GloVe text and word2vec text (with a `<words> <dims>` header): any bytes
//! give vectors or an error, never a panic, hang or unbounded allocation.
#![no_main]

use embed_tl::vectors::Format;
use embed_tl::Vectors;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for format in [Format::Glove, Format::Word2VecText] {
        for lossy in [false, true] {
            if let Ok(v) = Vectors::read(data, format, lossy) {
                check(&v);
            }
        }
    }
});

/// What was read can be used: every row has `dims` values, every word
/// looks itself up.
fn check(v: &Vectors) {
    for (i, word) in v.words().enumerate().take(64) {
        assert_eq!(v.row(i).len(), v.dims());
        assert!(v.index(word).is_some());
    }
}
