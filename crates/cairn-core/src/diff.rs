//! Line differences between two versions of a text, for comparing page versions: the longest
//! common subsequence of lines, so what stayed is shown once and what changed as removed and
//! added lines. Bounded: beyond [`MAX_CELLS`] comparisons the texts are shown as wholly replaced
//! rather than spending unbounded time and memory on them.

/// The most line pairs compared (old lines × new lines after the common start and end are cut).
pub const MAX_CELLS: usize = 4_000_000;

/// One line of a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffLine<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// The difference from `old` to `new`, line by line, in order.
pub fn diff_lines<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<DiffLine<'a>> {
    // The common start and end cost nothing and are most of a typical edit.
    let prefix = old
        .iter()
        .zip(new)
        .take_while(|(before, after)| before == after)
        .count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(before, after)| before == after)
        .count();
    let old_middle = &old[prefix..old.len() - suffix];
    let new_middle = &new[prefix..new.len() - suffix];

    let mut lines: Vec<DiffLine<'a>> = old[..prefix]
        .iter()
        .map(|line| DiffLine::Same(line))
        .collect();
    lines.extend(middle(old_middle, new_middle));
    lines.extend(
        old[old.len() - suffix..]
            .iter()
            .map(|line| DiffLine::Same(line)),
    );
    lines
}

fn replaced<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<DiffLine<'a>> {
    old.iter()
        .map(|line| DiffLine::Removed(line))
        .chain(new.iter().map(|line| DiffLine::Added(line)))
        .collect()
}

fn middle<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<DiffLine<'a>> {
    let (rows, columns) = (old.len(), new.len());
    if rows == 0 || columns == 0 || rows.saturating_mul(columns) > MAX_CELLS {
        return replaced(old, new);
    }
    // lengths[i][j]: the longest common subsequence of old[i..] and new[j..].
    let width = columns + 1;
    let mut lengths = vec![0_u32; (rows + 1) * width];
    for i in (0..rows).rev() {
        for j in (0..columns).rev() {
            lengths[i * width + j] = if old[i] == new[j] {
                lengths[(i + 1) * width + j + 1] + 1
            } else {
                lengths[(i + 1) * width + j].max(lengths[i * width + j + 1])
            };
        }
    }
    let mut lines = Vec::with_capacity(rows + columns);
    let (mut i, mut j) = (0, 0);
    while i < rows && j < columns {
        if old[i] == new[j] {
            lines.push(DiffLine::Same(old[i]));
            i += 1;
            j += 1;
        } else if lengths[(i + 1) * width + j] >= lengths[i * width + j + 1] {
            lines.push(DiffLine::Removed(old[i]));
            i += 1;
        } else {
            lines.push(DiffLine::Added(new[j]));
            j += 1;
        }
    }
    lines.extend(old[i..].iter().map(|line| DiffLine::Removed(line)));
    lines.extend(new[j..].iter().map(|line| DiffLine::Added(line)));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use DiffLine::{Added, Removed, Same};

    #[test]
    fn an_edited_line_is_removed_and_added_between_what_stayed() {
        let old = ["# Title", "First", "Second", "Third"];
        let new = ["# Title", "First", "Second, edited", "Third"];
        assert_eq!(
            diff_lines(&old, &new),
            [
                Same("# Title"),
                Same("First"),
                Removed("Second"),
                Added("Second, edited"),
                Same("Third")
            ]
        );
    }

    #[test]
    fn insertions_and_deletions_keep_the_common_lines() {
        let old = ["a", "b", "c", "d"];
        let new = ["a", "x", "c", "d", "e"];
        assert_eq!(
            diff_lines(&old, &new),
            [
                Same("a"),
                Removed("b"),
                Added("x"),
                Same("c"),
                Same("d"),
                Added("e")
            ]
        );
        assert_eq!(diff_lines(&[], &["new"]), [Added("new")]);
        assert_eq!(diff_lines(&["gone"], &[]), [Removed("gone")]);
        assert_eq!(diff_lines(&["same"], &["same"]), [Same("same")]);
    }

    #[test]
    fn moved_blocks_are_found_by_the_longest_common_run() {
        let old = ["intro", "one", "two", "three", "outro"];
        let new = ["intro", "three", "one", "two", "outro"];
        let lines = diff_lines(&old, &new);
        let kept: Vec<&str> = lines
            .iter()
            .filter_map(|line| match line {
                Same(text) => Some(*text),
                _ => None,
            })
            .collect();
        assert_eq!(kept, ["intro", "one", "two", "outro"]);
    }

    #[test]
    fn every_line_of_both_sides_appears_once() {
        let old: Vec<String> = (0..300).map(|n| format!("line {}", n % 17)).collect();
        let new: Vec<String> = (0..280).map(|n| format!("line {}", (n * 3) % 19)).collect();
        let old: Vec<&str> = old.iter().map(String::as_str).collect();
        let new: Vec<&str> = new.iter().map(String::as_str).collect();
        let lines = diff_lines(&old, &new);
        let before: Vec<&str> = lines
            .iter()
            .filter_map(|line| match line {
                Same(text) | Removed(text) => Some(*text),
                Added(_) => None,
            })
            .collect();
        let after: Vec<&str> = lines
            .iter()
            .filter_map(|line| match line {
                Same(text) | Added(text) => Some(*text),
                Removed(_) => None,
            })
            .collect();
        assert_eq!(before, old);
        assert_eq!(after, new);
    }

    #[test]
    fn huge_differences_are_shown_as_replaced_within_the_bound() {
        let old: Vec<String> = (0..3000).map(|n| format!("old {n}")).collect();
        let new: Vec<String> = (0..3000).map(|n| format!("new {n}")).collect();
        let old: Vec<&str> = old.iter().map(String::as_str).collect();
        let new: Vec<&str> = new.iter().map(String::as_str).collect();
        let lines = diff_lines(&old, &new);
        assert_eq!(lines.len(), 6000);
        assert_eq!(lines[0], Removed("old 0"));
        assert_eq!(lines[3000], Added("new 0"));
    }
}
