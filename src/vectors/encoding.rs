//! The text encoding of the words in a vector file: UTF-8 (the default),
//! or a single-byte code page of old fastText and word2vec files (`cp852`,
//! `cp1252`, `latin-1`). Numbers, spaces and newlines are ASCII in all of
//! them, so every reader splits a file as before and decodes only words.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// How the words of a vector file are encoded ([`super::OpenOptions::encoding`]).
///
/// The code pages decode as Python's codecs of the same name do (gensim's
/// `encoding=` argument): every byte of `cp852` and `latin-1` is a
/// character; `cp1252` leaves 0x81, 0x8d, 0x8f, 0x90 and 0x9d undefined,
/// which is an error unless `lossy`. finalfusion files are UTF-8 by
/// definition and take only [`Encoding::Utf8`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Encoding {
    /// UTF-8.
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// Code page 852 (DOS Latin 2: Czech, Polish, Hungarian, ...), the
    /// encoding of gensim's `cp852_fasttext.bin`.
    #[serde(rename = "cp852")]
    Cp852,
    /// Windows-1252 (Western European).
    #[serde(rename = "cp1252")]
    Cp1252,
    /// ISO-8859-1: each byte is the code point of the same number.
    #[serde(rename = "latin-1")]
    Latin1,
}

impl Encoding {
    /// All encodings, in the order `--help` and errors list them.
    pub const ALL: [Encoding; 4] = [
        Encoding::Utf8,
        Encoding::Cp852,
        Encoding::Cp1252,
        Encoding::Latin1,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        self.aliases()[0]
    }

    /// Every name the parser accepts (ignoring ASCII case, `_` for `-`).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Encoding::Utf8 => &["utf-8", "utf8"],
            Encoding::Cp852 => &["cp852", "ibm852", "852"],
            Encoding::Cp1252 => &["cp1252", "windows-1252"],
            Encoding::Latin1 => &["latin-1", "latin1", "iso-8859-1", "iso8859-1"],
        }
    }

    /// The characters of bytes 0x80 to 0xff, `'\0'` where undefined; None
    /// for UTF-8.
    fn high_half(self) -> Option<&'static [char; 128]> {
        match self {
            Encoding::Utf8 | Encoding::Latin1 => None,
            Encoding::Cp852 => Some(&CP852),
            Encoding::Cp1252 => Some(&CP1252),
        }
    }

    /// The character of byte `b` (not UTF-8): None where undefined.
    fn char_of(self, b: u8) -> Option<char> {
        if b < 0x80 || self == Encoding::Latin1 {
            return Some(char::from(b));
        }
        let c = self.high_half().map_or('\0', |t| t[usize::from(b - 0x80)]);
        (c != '\0').then_some(c)
    }

    /// `bytes` as text; borrowed when nothing needs translating (UTF-8,
    /// or ASCII in any encoding). Err: the position of the first byte
    /// that is not valid in this encoding.
    pub(crate) fn decode(self, bytes: &[u8]) -> std::result::Result<Cow<'_, str>, usize> {
        if self == Encoding::Utf8 {
            return std::str::from_utf8(bytes)
                .map(Cow::Borrowed)
                .map_err(|e| e.valid_up_to());
        }
        if bytes.is_ascii() {
            // ASCII is valid UTF-8.
            return Ok(Cow::Borrowed(
                std::str::from_utf8(bytes).unwrap_or_default(),
            ));
        }
        let mut out = String::with_capacity(bytes.len() * 2);
        for (i, &b) in bytes.iter().enumerate() {
            out.push(self.char_of(b).ok_or(i)?);
        }
        Ok(Cow::Owned(out))
    }

    /// `bytes` as text, each invalid byte (or, in UTF-8, invalid
    /// sequence) replaced: by U+FFFD, or with `escape` by `\xNN` for each
    /// byte, as Python's `errors='backslashreplace'` (gensim's) does.
    pub(crate) fn decode_lossy(self, bytes: &[u8], escape: bool) -> String {
        if self == Encoding::Utf8 {
            if !escape {
                return String::from_utf8_lossy(bytes).into_owned();
            }
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            return out;
        }
        let mut out = String::with_capacity(bytes.len() * 2);
        for &b in bytes {
            match self.char_of(b) {
                Some(c) => out.push(c),
                None if escape => out.push_str(&format!("\\x{b:02x}")),
                None => out.push(char::REPLACEMENT_CHARACTER),
            }
        }
        out
    }

    /// What is wrong at byte `pos` of `bytes`, which [`Encoding::decode`]
    /// refused: `invalid UTF-8`, or `undefined cp1252 byte 0x81`.
    pub(crate) fn describe_invalid(self, bytes: &[u8], pos: usize) -> String {
        match self {
            Encoding::Utf8 => "invalid UTF-8".to_string(),
            _ => format!(
                "undefined {} byte 0x{:02x}",
                self.name(),
                bytes.get(pos).copied().unwrap_or_default()
            ),
        }
    }

    /// The names listed in errors and `--help`: `utf-8 (utf8), cp852
    /// (ibm852, 852), ...`.
    pub fn supported() -> String {
        Encoding::ALL
            .iter()
            .map(|e| match e.aliases() {
                [name] => name.to_string(),
                [name, more @ ..] => format!("{name} ({})", more.join(", ")),
                [] => unreachable!("every encoding has a name"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Encoding {
    type Err = Error;

    /// Any of [`Encoding::aliases`], ignoring ASCII case and `_` for `-`.
    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Encoding::ALL
            .into_iter()
            .find(|e| e.aliases().contains(&wanted.as_str()))
            .ok_or_else(|| {
                Error::InvalidParameter(format!(
                    "unknown vector encoding '{s}': expected one of {}",
                    Encoding::supported()
                ))
            })
    }
}

/// What a UTF-8 error adds after "use --lossy to replace it": the file
/// may be in a code page; nothing for the other encodings.
pub(crate) fn other_encoding_hint(encoding: Encoding) -> String {
    if encoding != Encoding::Utf8 {
        return String::new();
    }
    let others: Vec<&str> = Encoding::ALL[1..].iter().map(|e| e.name()).collect();
    format!(
        ", or --vectors-encoding if the file is in another encoding: {}",
        others.join(", ")
    )
}

/// Code page 852, bytes 0x80 to 0xff, as Python decodes them. Generated by
/// `python3 -c "print(bytes(range(128, 256)).decode('cp852'))"`, each
/// character written as its code point (`'\u{%04x}'`), 8 to a line.
#[rustfmt::skip]
const CP852: [char; 128] = [
    '\u{00c7}', '\u{00fc}', '\u{00e9}', '\u{00e2}', '\u{00e4}', '\u{016f}', '\u{0107}', '\u{00e7}', // 0x80
    '\u{0142}', '\u{00eb}', '\u{0150}', '\u{0151}', '\u{00ee}', '\u{0179}', '\u{00c4}', '\u{0106}', // 0x88
    '\u{00c9}', '\u{0139}', '\u{013a}', '\u{00f4}', '\u{00f6}', '\u{013d}', '\u{013e}', '\u{015a}', // 0x90
    '\u{015b}', '\u{00d6}', '\u{00dc}', '\u{0164}', '\u{0165}', '\u{0141}', '\u{00d7}', '\u{010d}', // 0x98
    '\u{00e1}', '\u{00ed}', '\u{00f3}', '\u{00fa}', '\u{0104}', '\u{0105}', '\u{017d}', '\u{017e}', // 0xa0
    '\u{0118}', '\u{0119}', '\u{00ac}', '\u{017a}', '\u{010c}', '\u{015f}', '\u{00ab}', '\u{00bb}', // 0xa8
    '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{00c1}', '\u{00c2}', '\u{011a}', // 0xb0
    '\u{015e}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255d}', '\u{017b}', '\u{017c}', '\u{2510}', // 0xb8
    '\u{2514}', '\u{2534}', '\u{252c}', '\u{251c}', '\u{2500}', '\u{253c}', '\u{0102}', '\u{0103}', // 0xc0
    '\u{255a}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256c}', '\u{00a4}', // 0xc8
    '\u{0111}', '\u{0110}', '\u{010e}', '\u{00cb}', '\u{010f}', '\u{0147}', '\u{00cd}', '\u{00ce}', // 0xd0
    '\u{011b}', '\u{2518}', '\u{250c}', '\u{2588}', '\u{2584}', '\u{0162}', '\u{016e}', '\u{2580}', // 0xd8
    '\u{00d3}', '\u{00df}', '\u{00d4}', '\u{0143}', '\u{0144}', '\u{0148}', '\u{0160}', '\u{0161}', // 0xe0
    '\u{0154}', '\u{00da}', '\u{0155}', '\u{0170}', '\u{00fd}', '\u{00dd}', '\u{0163}', '\u{00b4}', // 0xe8
    '\u{00ad}', '\u{02dd}', '\u{02db}', '\u{02c7}', '\u{02d8}', '\u{00a7}', '\u{00f7}', '\u{00b8}', // 0xf0
    '\u{00b0}', '\u{00a8}', '\u{02d9}', '\u{0171}', '\u{0158}', '\u{0159}', '\u{25a0}', '\u{00a0}', // 0xf8
];

/// Windows-1252, bytes 0x80 to 0xff, as Python decodes them, `'\0'` for the
/// five bytes Python's codec leaves undefined (0x81, 0x8d, 0x8f, 0x90,
/// 0x9d). Generated by `[ord(bytes([b]).decode('cp1252', errors='ignore')
/// or '\0') for b in range(128, 256)]` in Python 3.11, written as for
/// [`CP852`].
#[rustfmt::skip]
const CP1252: [char; 128] = [
    '\u{20ac}', '\u{0000}', '\u{201a}', '\u{0192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}', // 0x80
    '\u{02c6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{0000}', '\u{017d}', '\u{0000}', // 0x88
    '\u{0000}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}', // 0x90
    '\u{02dc}', '\u{2122}', '\u{0161}', '\u{203a}', '\u{0153}', '\u{0000}', '\u{017e}', '\u{0178}', // 0x98
    '\u{00a0}', '\u{00a1}', '\u{00a2}', '\u{00a3}', '\u{00a4}', '\u{00a5}', '\u{00a6}', '\u{00a7}', // 0xa0
    '\u{00a8}', '\u{00a9}', '\u{00aa}', '\u{00ab}', '\u{00ac}', '\u{00ad}', '\u{00ae}', '\u{00af}', // 0xa8
    '\u{00b0}', '\u{00b1}', '\u{00b2}', '\u{00b3}', '\u{00b4}', '\u{00b5}', '\u{00b6}', '\u{00b7}', // 0xb0
    '\u{00b8}', '\u{00b9}', '\u{00ba}', '\u{00bb}', '\u{00bc}', '\u{00bd}', '\u{00be}', '\u{00bf}', // 0xb8
    '\u{00c0}', '\u{00c1}', '\u{00c2}', '\u{00c3}', '\u{00c4}', '\u{00c5}', '\u{00c6}', '\u{00c7}', // 0xc0
    '\u{00c8}', '\u{00c9}', '\u{00ca}', '\u{00cb}', '\u{00cc}', '\u{00cd}', '\u{00ce}', '\u{00cf}', // 0xc8
    '\u{00d0}', '\u{00d1}', '\u{00d2}', '\u{00d3}', '\u{00d4}', '\u{00d5}', '\u{00d6}', '\u{00d7}', // 0xd0
    '\u{00d8}', '\u{00d9}', '\u{00da}', '\u{00db}', '\u{00dc}', '\u{00dd}', '\u{00de}', '\u{00df}', // 0xd8
    '\u{00e0}', '\u{00e1}', '\u{00e2}', '\u{00e3}', '\u{00e4}', '\u{00e5}', '\u{00e6}', '\u{00e7}', // 0xe0
    '\u{00e8}', '\u{00e9}', '\u{00ea}', '\u{00eb}', '\u{00ec}', '\u{00ed}', '\u{00ee}', '\u{00ef}', // 0xe8
    '\u{00f0}', '\u{00f1}', '\u{00f2}', '\u{00f3}', '\u{00f4}', '\u{00f5}', '\u{00f6}', '\u{00f7}', // 0xf0
    '\u{00f8}', '\u{00f9}', '\u{00fa}', '\u{00fb}', '\u{00fc}', '\u{00fd}', '\u{00fe}', '\u{00ff}', // 0xf8
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_unknown_names_list_the_supported_ones() {
        for e in Encoding::ALL {
            for alias in e.aliases() {
                assert_eq!(alias.parse::<Encoding>().unwrap(), e, "{alias}");
                assert_eq!(alias.to_uppercase().parse::<Encoding>().unwrap(), e);
            }
            let json = serde_json::to_value(e).unwrap();
            assert_eq!(json.as_str(), Some(e.name()));
            assert_eq!(e.to_string().parse::<Encoding>().unwrap(), e);
        }
        assert_eq!("UTF_8".parse::<Encoding>().unwrap(), Encoding::Utf8);
        assert_eq!("ISO_8859-1".parse::<Encoding>().unwrap(), Encoding::Latin1);
        let err = "koi8-r".parse::<Encoding>().unwrap_err().to_string();
        assert!(err.contains("unknown vector encoding 'koi8-r'"), "{err}");
        for name in ["utf-8", "cp852", "cp1252", "latin-1", "iso-8859-1"] {
            assert!(err.contains(name), "{err}");
        }
    }

    /// Spot checks of the tables against characters written out, not
    /// generated: `který` and `žluťoučký kůň` in cp852, the euro sign and
    /// curly quotes in cp1252.
    #[test]
    fn code_pages_decode_as_python_does() {
        let cases: [(Encoding, &[u8], &str); 6] = [
            (Encoding::Cp852, b"kter\xec", "kter\u{fd}"),
            (
                Encoding::Cp852,
                b"\xa7lu\x9cou\x9fk\xec k\x85\xe5",
                "\u{17e}lu\u{165}ou\u{10d}k\u{fd} k\u{16f}\u{148}",
            ),
            (Encoding::Cp852, b"\xff", "\u{a0}"),
            (
                Encoding::Cp1252,
                b"\x80 \x93x\x94",
                "\u{20ac} \u{201c}x\u{201d}",
            ),
            (Encoding::Latin1, b"caf\xe9 \x81", "caf\u{e9} \u{81}"),
            (Encoding::Utf8, "caf\u{e9}".as_bytes(), "caf\u{e9}"),
        ];
        for (e, bytes, want) in cases {
            assert_eq!(e.decode(bytes).unwrap(), want, "{e}");
            assert_eq!(e.decode_lossy(bytes, true), want, "{e}");
        }
        assert!(matches!(
            Encoding::Cp852.decode(b"abc"),
            Ok(Cow::Borrowed("abc"))
        ));
        // Every byte is a character in cp852 and latin-1, distinct ones.
        for e in [Encoding::Cp852, Encoding::Latin1] {
            let all: Vec<u8> = (0..=255).collect();
            let text = e.decode(&all).unwrap();
            let chars: std::collections::HashSet<char> = text.chars().collect();
            assert_eq!(chars.len(), 256, "{e}");
        }
    }

    #[test]
    fn undefined_bytes_are_errors_unless_lossy() {
        assert_eq!(Encoding::Cp1252.decode(b"ab\x81c"), Err(2));
        assert_eq!(Encoding::Cp1252.decode_lossy(b"ab\x81c", true), "ab\\x81c");
        assert_eq!(
            Encoding::Cp1252.decode_lossy(b"ab\x81c", false),
            "ab\u{fffd}c"
        );
        assert_eq!(
            Encoding::Cp1252.describe_invalid(b"ab\x81c", 2),
            "undefined cp1252 byte 0x81"
        );
        assert_eq!(Encoding::Utf8.decode(b"ab\xecc"), Err(2));
        assert_eq!(Encoding::Utf8.decode_lossy(b"ab\xecc", true), "ab\\xecc");
        assert_eq!(
            Encoding::Utf8.decode_lossy(b"ab\xecc", false),
            "ab\u{fffd}c"
        );
    }
}
