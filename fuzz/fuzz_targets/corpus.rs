//! Corpus readers: the streaming row reader (CSV, TSV, JSONL, with small
//! row limits) and the whole-file reader used for training data.
#![no_main]

use std::io::Write;

use embed_tl::corpus::stream::{Limits, Row, RowReader};
use embed_tl::corpus::{read_labelled, Column, CorpusFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let format = match selector % 3 {
        0 => CorpusFormat::Csv,
        1 => CorpusFormat::Tsv,
        _ => CorpusFormat::Jsonl,
    };
    let columns = [Column::Name("text".into()), Column::Name("label".into())];
    let limits = Limits {
        max_row_bytes: 256,
        max_fields: 32,
    };
    if let Ok(mut rows) = RowReader::new(bytes, format, &columns, limits) {
        while let Ok(Some(row)) = rows.next_row() {
            match row {
                Row::Good(r) => assert_eq!(r.fields.len(), 2),
                Row::Bad(b) => assert!(b.raw.len() <= 256 && !b.reason.is_empty()),
            }
        }
    }

    let suffix = match format {
        CorpusFormat::Csv => ".csv",
        CorpusFormat::Tsv => ".tsv",
        CorpusFormat::Jsonl => ".jsonl",
    };
    let Ok(mut file) = tempfile::Builder::new().suffix(suffix).tempfile() else {
        return;
    };
    if file.write_all(bytes).and_then(|_| file.flush()).is_err() {
        return;
    }
    if let Ok(l) = read_labelled(file.path(), &columns[0], &columns[1], None) {
        assert_eq!(l.texts.len(), l.labels.len());
        assert!(l.labels.iter().all(|&c| c < l.classes.len()));
    }
});
