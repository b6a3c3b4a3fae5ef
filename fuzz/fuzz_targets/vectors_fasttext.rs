//! fastText `.bin` models, both layouts (fastText 0.9's with a magic
//! number, the pre-2017 one without), with and without subwords,
//! unsupervised and supervised, strict and lossy: any bytes give vectors
//! or an error, never a panic or an allocation the file's size does not
//! bound (seeds: a cbow model, a supervised one, gensim's cp852 pre-2017
//! model and a pre-2017 header that lies about its dimensions).
#![no_main]

use embed_tl::vectors::{Format, Scale};
use embed_tl::Vectors;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for lossy in [false, true] {
        if let Ok(v) = Vectors::read(data, Format::FastText, lossy) {
            let mut out = vec![0.0; v.dims()];
            // Known and unknown words (subword vectors, or none).
            for word in ["the", "zzqxj", "</s>", "__label__pos"] {
                v.embedding_into(word, Scale::Unit, &mut out);
            }
            let _ = v.fasttext_model().map(|m| m.has_subwords());
        }
    }
});
