//! "Did you mean ...?" for diagnostics: the allowed word nearest to what the user wrote.
//!
//! Shared by both macros. Two words are near when they are equal ignoring case and `_`/`-`
//! (`OneForAll` and `one_for_all`), or when their optimal-string-alignment distance (edits:
//! insert, delete, substitute, swap two neighbours) is small for their length: at most one edit
//! for words of up to five characters, then one more per three characters. Failing that, a word
//! of three characters or more that one of them starts with is near too (`brutal` for
//! `brutal_kill`, `client_name` for `client`).

/// The entry of `allowed` nearest to `given`, if any is near enough to be a likely typo.
/// Ties go to the earlier entry of `allowed`.
pub(crate) fn did_you_mean<'a>(given: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let given_lower = given.to_lowercase();
    near_by_edits(given, allowed).or_else(|| {
        allowed.iter().copied().find(|a| {
            let a = a.to_lowercase();
            let (short, long) = if a.len() < given_lower.len() {
                (a.as_str(), given_lower.as_str())
            } else {
                (given_lower.as_str(), a.as_str())
            };
            short.chars().count() >= 3 && long.starts_with(short)
        })
    })
}

/// The entry of `allowed` nearest to `given` by edits alone (no prefixes): for names a user may
/// also give to something else, where a shared prefix says little (`term` and `terminate`).
pub(crate) fn near_by_edits<'a>(given: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let given_norm = normalize(given);
    if given_norm.is_empty() {
        return None;
    }
    if let Some(exact) = allowed.iter().find(|a| normalize(a) == given_norm) {
        return Some(exact);
    }
    let given_lower = given.to_lowercase();
    allowed
        .iter()
        .map(|a| (osa_distance(&given_lower, &a.to_lowercase()), *a))
        .filter(|(distance, a)| *distance <= threshold(given.chars().count().max(a.len())))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, a)| a)
}

/// How many edits still look like a typo for a word of `len` characters.
fn threshold(len: usize) -> usize {
    (len / 3).max(1)
}

fn normalize(word: &str) -> String {
    word.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Optimal string alignment distance: Levenshtein plus swaps of adjacent characters.
fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j] = distance between a[..i] and b[..j]
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRATEGIES: &[&str] = &["one_for_one", "one_for_all", "rest_for_one"];

    #[test]
    fn one_typo_is_suggested() {
        assert_eq!(did_you_mean("one_for_al", STRATEGIES), Some("one_for_all"));
        assert_eq!(
            did_you_mean("rest_for_on", STRATEGIES),
            Some("rest_for_one")
        );
        assert_eq!(
            did_you_mean("permanant", &["permanent", "transient"]),
            Some("permanent")
        );
    }

    #[test]
    fn swapped_neighbours_count_as_one_edit() {
        assert_eq!(
            did_you_mean("restrat", &["restart", "shutdown"]),
            Some("restart")
        );
        assert_eq!(osa_distance("ab", "ba"), 1);
    }

    #[test]
    fn case_and_separators_are_ignored() {
        assert_eq!(did_you_mean("OneForAll", STRATEGIES), Some("one_for_all"));
        assert_eq!(
            did_you_mean("rest-for-one", STRATEGIES),
            Some("rest_for_one")
        );
    }

    #[test]
    fn far_words_get_no_suggestion() {
        assert_eq!(did_you_mean("round_robin", STRATEGIES), None);
        assert_eq!(did_you_mean("x", &["restart"]), None);
        assert_eq!(did_you_mean("", &["s", "ms"]), None);
        assert_eq!(did_you_mean("anything", &[]), None);
    }

    #[test]
    fn the_nearest_wins_and_ties_go_to_the_first() {
        assert_eq!(did_you_mean("sm", &["ms", "s"]), Some("ms"));
        assert_eq!(did_you_mean("sm", &["s", "ms"]), Some("s"));
        assert_eq!(did_you_mean("q", &["s", "m"]), Some("s"));
    }

    #[test]
    fn short_words_allow_one_edit_only() {
        assert_eq!(did_you_mean("sec", &["ms", "s", "m", "h"]), None);
        assert_eq!(did_you_mean("mx", &["ms", "s", "m", "h"]), Some("ms"));
    }

    #[test]
    fn a_prefix_of_three_characters_or_more_is_near() {
        assert_eq!(
            did_you_mean("brutal", &["brutal_kill", "infinity"]),
            Some("brutal_kill")
        );
        assert_eq!(
            did_you_mean("client_name", &["vis", "client", "crate"]),
            Some("client")
        );
        assert_eq!(did_you_mean("in", &["infinity"]), None);
    }

    #[test]
    fn distance_basics() {
        assert_eq!(osa_distance("", ""), 0);
        assert_eq!(osa_distance("abc", ""), 3);
        assert_eq!(osa_distance("kitten", "sitting"), 3);
        assert_eq!(osa_distance("héllo", "hello"), 1);
    }
}
