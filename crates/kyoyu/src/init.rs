//! `kyoyu init`: writes a commented starter incident file for the first day, in Japanese or
//! English, that asks the five questions a small company can answer at once.
//!
//! Key decision: the starter is valid *as written* and claims nothing — every answer is a
//! commented-out line with a fictional example value, and only the incident id is set — so
//! `kyoyu assess` runs on it at once (warning that no jurisdiction or profile is given) and no
//! placeholder can pass for a fact or an identifier. The templates are files
//! (`templates/incident.{ja,en}.toml`) so they are read and reviewed as what they are; the only
//! substitution is the file's name in the commands the comments suggest.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use kyoyu_model::Lang;

const JAPANESE: &str = include_str!("../templates/incident.ja.toml");
const ENGLISH: &str = include_str!("../templates/incident.en.toml");

/// The name the comments use when the file's own cannot be shown as typed.
const DEFAULT_NAME: &str = "incident.toml";

/// The starter in `lang`, its commands naming `file`.
pub fn starter(lang: Lang, file: &str) -> String {
    let template = match lang {
        Lang::Ja => JAPANESE,
        Lang::En => ENGLISH,
    };
    template.replace("{{file}}", &shell_word(file))
}

/// `name` as a word to paste into a shell, quoted when it must be; a name that cannot go into a
/// one-line comment (a control character) or a quote is shown as [`DEFAULT_NAME`].
fn shell_word(name: &str) -> String {
    if name.chars().any(|c| c.is_control() || c == '\'') || name.is_empty() {
        DEFAULT_NAME.to_owned()
    } else if name
        .chars()
        .all(|c| c.is_alphanumeric() || "._-/+@:,~".contains(c))
    {
        name.to_owned()
    } else {
        format!("'{name}'")
    }
}

/// Writes the starter to `file` (`-`: standard output). An existing file is kept unless
/// `force`; a name not ending in `.toml` is refused, since `kyoyu assess` reads the format from
/// the extension.
pub fn run(file: &Path, lang: Lang, force: bool) -> anyhow::Result<ExitCode> {
    if file == Path::new("-") {
        print!("{}", starter(lang, DEFAULT_NAME));
        std::io::stdout()
            .flush()
            .context("writing to standard output")?;
        return Ok(ExitCode::SUCCESS);
    }
    let shown = file.display().to_string();
    if kyoyu_incident::Format::from_path(file) != Some(kyoyu_incident::Format::Toml) {
        anyhow::bail!(
            "{shown}: {}",
            say(
                lang,
                format!(
                    "ひな形は TOML ファイルです。.toml で終わる名前を指定してください（例: {DEFAULT_NAME}）"
                ),
                format!(
                    "the starter is a TOML file; give a name ending in .toml (such as {DEFAULT_NAME})"
                ),
            )
        );
    }
    let text = starter(lang, &shown);
    if force {
        // Written beside the target and renamed into place: never a half-written file.
        let temporary = file.with_extension("kyoyu-partial");
        std::fs::write(&temporary, &text)
            .with_context(|| format!("{}: cannot write", temporary.display()))?;
        std::fs::rename(&temporary, file).with_context(|| format!("{shown}: cannot write"))?;
    } else {
        // `create_new` decides "does it exist" and "create it" in one step.
        let mut created = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(file)
        {
            Ok(created) => created,
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => anyhow::bail!(
                "{shown}: {}",
                say(
                    lang,
                    "既にあるため、そのままにしました（置き換えるには --force を指定）".into(),
                    "already exists; it was left as it is (give --force to replace it)".into(),
                )
            ),
            Err(error) => {
                return Err(error).with_context(|| format!("{shown}: cannot create"));
            }
        };
        created
            .write_all(text.as_bytes())
            .with_context(|| format!("{shown}: cannot write"))?;
    }
    let next = shell_word(&shown);
    eprintln!(
        "kyoyu: {}",
        say(
            lang,
            format!(
                "{shown} を作成しました。五つの質問に答えてから、次を実行してください: kyoyu assess {next} --lang ja"
            ),
            format!(
                "wrote {shown}; answer its five questions, then run: kyoyu assess {next} --lang en"
            ),
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// The sentence in the language of the starter.
fn say(lang: Lang, ja: String, en: String) -> String {
    kyoyu_model::Localized::new(ja, en).get(lang).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_is_shown_as_a_shell_word() {
        assert_eq!(shell_word("incident.toml"), "incident.toml");
        assert_eq!(
            shell_word("cases/インシデント.toml"),
            "cases/インシデント.toml"
        );
        assert_eq!(shell_word("my incident.toml"), "'my incident.toml'");
        assert_eq!(shell_word("a\nid = 'x'.toml"), DEFAULT_NAME);
        assert_eq!(shell_word("it's.toml"), DEFAULT_NAME);
    }

    #[test]
    fn both_starters_parse_as_written() {
        for lang in [Lang::Ja, Lang::En] {
            let text = starter(lang, "incident.toml");
            let parsed = kyoyu_incident::parse(&text, kyoyu_incident::Format::Toml, "starter")
                .unwrap_or_else(|error| panic!("{lang:?}: {error}"));
            assert_eq!(parsed.incident.id, "INC-0001");
            assert!(
                !text.contains("{{"),
                "{lang:?}: every placeholder is filled"
            );
        }
    }
}
