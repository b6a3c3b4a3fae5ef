//! Every subcommand's `--help` ends with runnable examples on the shipped
//! data (issue 11: the examples were written in doc comments that clap
//! never showed).

mod common;

use common::{embed_tl, repo};

/// The subcommands listed under `Commands:` in `embed-tl [group] --help`.
fn subcommands(group: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = embed_tl(dir.path())
        .args(group)
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(out).unwrap();
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A command name is indented by two; wrapped descriptions by more.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// The `Examples:` section of a help text (from its heading to the end).
fn examples(help: &str) -> Option<&str> {
    let start = help.find("\nExamples")?;
    Some(&help[start + 1..])
}

#[test]
fn every_subcommand_help_shows_examples_on_shipped_files() {
    let top = subcommands(&[]);
    for expected in [
        "vectors",
        "classify",
        "embed",
        "predict",
        "evaluate",
        "transfer-report",
        "compare",
    ] {
        assert!(top.iter().any(|c| c == expected), "{expected} in {top:?}");
    }
    let vectors = subcommands(&["vectors"]);
    for expected in ["info", "convert", "prune", "similar", "analogy", "evaluate"] {
        assert!(
            vectors.iter().any(|c| c == expected),
            "{expected} in {vectors:?}"
        );
    }
    // `embed-tl --help` and `embed-tl vectors --help` too.
    let mut commands: Vec<Vec<String>> = vec![vec![]];
    commands.extend(top.iter().map(|c| vec![c.clone()]));
    commands.extend(
        vectors
            .iter()
            .map(|c| vec!["vectors".to_string(), c.clone()]),
    );

    let dir = tempfile::tempdir().unwrap();
    for command in commands {
        for flag in ["--help", "-h"] {
            let out = embed_tl(dir.path())
                .args(&command)
                .arg(flag)
                .assert()
                .success()
                .get_output()
                .stdout
                .clone();
            let help = String::from_utf8(out).unwrap();
            let name = command.join(" ");
            let section =
                examples(&help).unwrap_or_else(|| panic!("{name} {flag}: no Examples:\n{help}"));
            let example = if name.is_empty() {
                "  embed-tl ".to_string()
            } else {
                format!("  embed-tl {name} ")
            };
            assert!(
                section.contains(&example),
                "{name} {flag}: no `embed-tl {name}` example:\n{section}"
            );
            // The shipped files the examples name exist.
            for word in section.split_whitespace() {
                if word.starts_with("embeddings/") || word.starts_with("corpora/") {
                    assert!(repo(word).is_file(), "{name}: {word} does not exist");
                }
            }
        }
    }
}

/// Every command that opens vectors documents `--vectors-encoding` in its
/// `--help`, naming each supported encoding and the default.
#[test]
fn every_command_that_opens_vectors_documents_vectors_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let commands: [&[&str]; 12] = [
        &["vectors", "info"],
        &["vectors", "evaluate"],
        &["vectors", "convert"],
        &["vectors", "prune"],
        &["vectors", "similar"],
        &["vectors", "analogy"],
        &["classify"],
        &["embed"],
        &["predict"],
        &["evaluate"],
        &["transfer-report"],
        &["compare"],
    ];
    for command in commands {
        let out = embed_tl(dir.path())
            .args(command)
            .arg("--help")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let help = String::from_utf8(out).unwrap();
        let name = command.join(" ");
        let start = help
            .find("--vectors-encoding <ENC>")
            .unwrap_or_else(|| panic!("{name}: no --vectors-encoding:\n{help}"));
        // The flag's paragraph: up to the next flag.
        let rest = &help[start..];
        let end = rest[2..].find("\n  -").map_or(rest.len(), |e| e + 2);
        let text = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
        for encoding in embed_tl::vectors::Encoding::ALL {
            assert!(text.contains(encoding.name()), "{name}: {encoding}: {text}");
        }
        assert!(text.contains("[default: utf-8]"), "{name}: {text}");
    }
}
