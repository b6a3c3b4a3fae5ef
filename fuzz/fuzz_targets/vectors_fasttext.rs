//! fastText `.bin` models (read through finalfusion, guarded).
#![no_main]

use embed_tl::vectors::Format;
use embed_tl::Vectors;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = Vectors::read(data, Format::FastText, false) {
        let mut out = vec![0.0; v.dims()];
        // Known and unknown words (subword vectors).
        for word in ["the", "zzqxj"] {
            v.embedding_into(word, embed_tl::vectors::Scale::Unit, &mut out);
        }
    }
});
