//! Near misses between names: a key or an event name written with a typo, a wrong case, a letter too many.

/// The edit distance between two words, counting a swap of neighbouring letters as one edit.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate `word` most likely stands for: the same but for case, or a small edit away (one edit for words of
/// up to four letters, two for longer ones). None when `word` is itself a candidate or nothing is close.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == word {
            return None;
        }
        let d = if c.to_lowercase() == lower {
            0
        } else {
            distance(&lower, &c.to_lowercase())
        };
        let allowed = if word.chars().count().min(c.chars().count()) <= 4 {
            1
        } else {
            2
        };
        if d <= allowed && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("eror", "error"), 1);
        assert_eq!(distance("updtes", "updates"), 1);
        assert_eq!(distance("metdata", "metadata"), 1);
        assert_eq!(distance("thread_idd", "thread_id"), 1);
        assert_eq!(distance("tpye", "type"), 1, "a swap is one edit");
        assert_eq!(distance("", "abc"), 3);
        assert!(distance("values", "events") > 2);
    }

    #[test]
    fn closest_names() {
        let names = ["error", "end", "values", "updates", "metadata"];
        assert_eq!(closest("eror", names), Some("error"));
        assert_eq!(closest("Values", names), Some("values"));
        assert_eq!(closest("updtes", names), Some("updates"));
        assert_eq!(
            closest("error", names),
            None,
            "an exact name is no near miss"
        );
        assert_eq!(closest("custom_thing", names), None);
        assert_eq!(closest("ed", ["end"]), Some("end"));
        assert_eq!(
            closest("e", ["end"]),
            None,
            "two edits on a short name is too far"
        );
    }
}
