//! "Did you mean": the known name closest to a misspelt one.

/// The known name nearest to `wrong`, if it is near enough to be what was meant: at most a third of its letters
/// differ (case aside), and at least one letter is right.
pub fn closest<'a>(wrong: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    let budget = (wrong.chars().count() / 3).max(1);
    known
        .into_iter()
        .map(|k| (edit_distance(&wrong_lower, &k.to_lowercase()), k))
        .filter(|(d, _)| *d <= budget)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance over characters (insert, delete, substitute), one row at a time.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 4] = ["Thread", "ThreadState", "Run", "Assistant"];

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("Thred", "Thread"), 1);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn a_small_slip_finds_the_name() {
        assert_eq!(closest("Thred", NAMES), Some("Thread"));
        assert_eq!(closest("thread", NAMES), Some("Thread"));
        assert_eq!(closest("Asistant", NAMES), Some("Assistant"));
        assert_eq!(
            closest("Rnu", NAMES),
            None,
            "two edits in three letters is a guess"
        );
    }

    #[test]
    fn an_unrelated_name_finds_nothing() {
        assert_eq!(closest("Checkpoint", NAMES), None);
        assert_eq!(closest("", NAMES), None);
    }
}
