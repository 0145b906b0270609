//! The test binary's command line: libtest's arguments, several name filters as libtest takes them (libtest-mimic
//! takes one), and `--help` that lists the settings before libtest's own options.

use libtest_mimic::Arguments;

/// libtest's options that take a value: the word after one is not a name filter.
const TAKES_VALUE: &[&str] = &[
    "--skip",
    "--format",
    "--test-threads",
    "--color",
    "--logfile",
    "-Z",
];

/// What the suite was asked to run.
#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    pub(crate) args: Arguments,
    /// Name filters beyond the first, which libtest-mimic cannot hold: a spec runs when any filter selects it. Empty
    /// when there is one filter or none (it is then in `args.filter`).
    pub(crate) filters: Vec<String>,
}

impl CommandLine {
    /// Parses the words after the program's name, as libtest would; `--help` prints the settings first, then
    /// libtest's help, and ends the process.
    pub fn parse(words: Vec<String>) -> CommandLine {
        if words.iter().any(|w| w == "--help" || w == "-h") {
            println!("{}", crate::setting_names::help());
            println!("name filters: each word that is not an option selects the specs whose name contains it (all of it, with --exact); several select those any of them selects.\n");
        }
        let mut filters = Vec::new();
        let mut rest = vec!["conformance".to_string()];
        let mut words = words.into_iter();
        while let Some(w) = words.next() {
            if TAKES_VALUE.contains(&w.as_str()) {
                rest.push(w);
                rest.extend(words.next());
            } else if w.starts_with('-') {
                rest.push(w);
            } else {
                filters.push(w);
            }
        }
        if filters.len() == 1 {
            rest.append(&mut filters);
        }
        CommandLine {
            args: Arguments::from_iter(rest),
            filters,
        }
    }

    /// Whether the name filters beyond libtest's select this spec.
    pub fn selects(&self, name: &str) -> bool {
        self.filters.is_empty()
            || self.filters.iter().any(|f| match self.args.exact {
                true => name == f,
                false => name.contains(f.as_str()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &str) -> CommandLine {
        CommandLine::parse(words.split_whitespace().map(str::to_string).collect())
    }

    #[test]
    fn one_filter_is_libtest_s_and_several_are_ours() {
        let c = parse("runs::wait --test-threads 4");
        assert_eq!(c.args.filter.as_deref(), Some("runs::wait"));
        assert!(c.filters.is_empty());
        assert_eq!(c.args.test_threads, Some(4));
        let c = parse("runs::wait --skip x stateless::wait");
        assert_eq!(c.args.filter, None);
        assert_eq!(c.filters, ["runs::wait", "stateless::wait"]);
        assert_eq!(c.args.skip, ["x"]);
        assert!(
            c.selects("stateless::wait") && c.selects("runs::wait_x") && !c.selects("runs::join")
        );
        let c = parse("--exact runs::wait stateless::wait");
        assert!(c.selects("runs::wait") && !c.selects("runs::wait_x"));
    }
}
