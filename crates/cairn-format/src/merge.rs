//! Three-way merge of storage format by top-level block, for edits that crossed: the version an
//! edit started from (`base`), the version someone published since (`theirs`) and the edit
//! (`mine`).
//!
//! Each fragment is cut into its top-level blocks (a paragraph, a table, a macro…), each owning
//! its exact bytes (whitespace between blocks belongs to the block before it). The two sides are
//! aligned with the base by longest common subsequence, which gives each side's changes as hunks
//! (base blocks replaced by that side's blocks). Hunks of the two sides that do not overlap are
//! both applied; overlapping hunks made the same way are taken once; overlapping hunks made
//! differently are a [`MergeChunk::Conflict`] for a person to decide. Nothing is dropped silently.

use std::collections::HashMap;
use std::ops::Range;

use crate::error::FormatError;
use crate::parse::parse;

/// Beyond this many cell comparisons (blocks of base × blocks of a side) the alignment is not
/// attempted and the whole page is one conflict: a person then chooses between the two texts.
const MAX_ALIGNMENT_CELLS: usize = 16_000_000;

/// One run of the merged page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeChunk {
    /// Blocks both sides agree on, or that only one side changed: taken as they are.
    Settled(String),
    /// Blocks both sides changed differently since the base.
    Conflict {
        base: String,
        theirs: String,
        mine: String,
    },
}

/// The outcome of [`merge_storage`]: runs in page order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    pub chunks: Vec<MergeChunk>,
    /// How many runs were taken from the other side's changes without asking.
    pub theirs_taken: usize,
    /// How many runs were taken from this edit's changes without asking.
    pub mine_taken: usize,
}

/// How a person settled one conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Theirs,
    Mine,
    /// Their blocks followed by mine.
    Both,
}

impl Merge {
    /// The number of conflicts a person must settle.
    pub fn conflicts(&self) -> usize {
        self.chunks
            .iter()
            .filter(|chunk| matches!(chunk, MergeChunk::Conflict { .. }))
            .count()
    }

    /// The merged storage, settling the `n`th conflict with `resolve(n)`.
    pub fn resolve(&self, mut resolve: impl FnMut(usize) -> Resolution) -> String {
        let mut out = String::new();
        let mut conflict = 0;
        for chunk in &self.chunks {
            match chunk {
                MergeChunk::Settled(text) => out.push_str(text),
                MergeChunk::Conflict { theirs, mine, .. } => {
                    match resolve(conflict) {
                        Resolution::Theirs => out.push_str(theirs),
                        Resolution::Mine => out.push_str(mine),
                        Resolution::Both => {
                            out.push_str(theirs);
                            out.push_str(mine);
                        }
                    }
                    conflict += 1;
                }
            }
        }
        out
    }
}

/// Merges `theirs` and `mine`, both edited from `base`. Fails only when one of them is not
/// well-formed storage.
pub fn merge_storage(base: &str, theirs: &str, mine: &str) -> Result<Merge, FormatError> {
    let base_blocks = blocks(base)?;
    let their_blocks = blocks(theirs)?;
    let my_blocks = blocks(mine)?;
    let too_large =
        |side: &[&str]| base_blocks.len().saturating_mul(side.len()) > MAX_ALIGNMENT_CELLS;
    if too_large(&their_blocks) || too_large(&my_blocks) {
        return Ok(whole_page(base, theirs, mine));
    }
    let (base_ids, their_ids, my_ids) = intern(&base_blocks, &their_blocks, &my_blocks);
    let mut hunks = changes(&base_ids, &their_ids, Side::Theirs);
    hunks.extend(changes(&base_ids, &my_ids, Side::Mine));
    hunks.sort_by_key(|hunk| (hunk.base.start, hunk.base.end, hunk.side));

    let mut merge = Merge {
        chunks: Vec::new(),
        theirs_taken: 0,
        mine_taken: 0,
    };
    let mut copied_up_to = 0;
    let mut pending = hunks.into_iter().peekable();
    while let Some(first) = pending.next() {
        // A cluster: hunks whose base ranges overlap (or insert at the same place).
        let mut cluster = vec![first];
        let (start, mut end) = (cluster[0].base.start, cluster[0].base.end);
        while let Some(next) = pending.peek() {
            let overlaps = next.base.start < end
                || (next.base.start == end && next.base.is_empty() && start == end);
            if !overlaps {
                break;
            }
            end = end.max(next.base.end);
            cluster.extend(pending.next());
        }
        push_settled(&mut merge.chunks, base_blocks[copied_up_to..start].concat());
        copied_up_to = end;
        let side_text = |side: Side, blocks: &[&str]| {
            apply(
                &base_blocks,
                start..end,
                cluster.iter().filter(|hunk| hunk.side == side),
                blocks,
            )
        };
        let theirs = side_text(Side::Theirs, &their_blocks);
        let mine = side_text(Side::Mine, &my_blocks);
        let touched = |side: Side| cluster.iter().any(|hunk| hunk.side == side);
        match (touched(Side::Theirs), touched(Side::Mine)) {
            (true, false) => {
                merge.theirs_taken += 1;
                push_settled(&mut merge.chunks, theirs);
            }
            (false, _) => {
                merge.mine_taken += 1;
                push_settled(&mut merge.chunks, mine);
            }
            (true, true) if theirs == mine => push_settled(&mut merge.chunks, mine),
            (true, true) => merge.chunks.push(MergeChunk::Conflict {
                base: base_blocks[start..end].concat(),
                theirs,
                mine,
            }),
        }
    }
    push_settled(&mut merge.chunks, base_blocks[copied_up_to..].concat());
    Ok(merge)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Theirs,
    Mine,
}

/// One side's change: base blocks `base` replaced by that side's blocks `side_blocks`.
#[derive(Debug, Clone)]
struct Hunk {
    side: Side,
    base: Range<usize>,
    side_blocks: Range<usize>,
}

/// The text of base blocks `range` with `hunks` (all inside it, in order) applied.
fn apply<'a>(
    base: &[&str],
    range: Range<usize>,
    hunks: impl Iterator<Item = &'a Hunk>,
    side: &[&str],
) -> String {
    let mut out = String::new();
    let mut at = range.start;
    for hunk in hunks {
        out.push_str(&base[at..hunk.base.start].concat());
        out.push_str(&side[hunk.side_blocks.clone()].concat());
        at = hunk.base.end;
    }
    out.push_str(&base[at..range.end].concat());
    out
}

/// The changes that turn `base` into `side`, from a longest common subsequence alignment.
fn changes(base: &[u32], side: &[u32], name: Side) -> Vec<Hunk> {
    let aligned = alignment(base, side);
    let mut hunks = Vec::new();
    let (mut base_at, mut side_at) = (0, 0);
    let anchors = aligned
        .iter()
        .enumerate()
        .filter_map(|(index, matched)| Some((index, (*matched)?)))
        .chain(std::iter::once((base.len(), side.len())));
    for (base_to, side_to) in anchors {
        if base_to - base_at == side_to - side_at {
            // Blocks changed one for one are separate changes: a neighbour's edit of one of them
            // conflicts with that block only.
            for offset in 0..base_to - base_at {
                hunks.push(Hunk {
                    side: name,
                    base: base_at + offset..base_at + offset + 1,
                    side_blocks: side_at + offset..side_at + offset + 1,
                });
            }
        } else {
            hunks.push(Hunk {
                side: name,
                base: base_at..base_to,
                side_blocks: side_at..side_to,
            });
        }
        (base_at, side_at) = (base_to + 1, side_to + 1);
    }
    hunks
}

fn whole_page(base: &str, theirs: &str, mine: &str) -> Merge {
    Merge {
        chunks: vec![MergeChunk::Conflict {
            base: base.to_string(),
            theirs: theirs.to_string(),
            mine: mine.to_string(),
        }],
        theirs_taken: 0,
        mine_taken: 0,
    }
}

fn push_settled(chunks: &mut Vec<MergeChunk>, text: String) {
    if text.is_empty() {
        return;
    }
    if let Some(MergeChunk::Settled(previous)) = chunks.last_mut() {
        previous.push_str(&text);
    } else {
        chunks.push(MergeChunk::Settled(text));
    }
}

/// The fragment cut into top-level blocks whose concatenation is the fragment, byte for byte.
fn blocks(storage: &str) -> Result<Vec<&str>, FormatError> {
    let document = parse(storage)?;
    let starts: Vec<usize> = document
        .roots()
        .filter(|root| root.is_element() || !root.source().trim().is_empty())
        .map(|root| root.span().start)
        .collect();
    let mut cuts = starts;
    if cuts.first() != Some(&0) {
        // Leading whitespace (or nothing) belongs to the first block.
        if cuts.is_empty() {
            return Ok(if storage.is_empty() {
                Vec::new()
            } else {
                vec![storage]
            });
        }
        cuts[0] = 0;
    }
    cuts.push(storage.len());
    Ok(cuts
        .windows(2)
        .map(|pair| &storage[pair[0]..pair[1]])
        .collect())
}

/// Numbers equal blocks alike across the three sides, so alignment compares integers.
fn intern<'a>(
    base: &[&'a str],
    theirs: &[&'a str],
    mine: &[&'a str],
) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    fn number<'a>(ids: &mut HashMap<&'a str, u32>, blocks: &[&'a str]) -> Vec<u32> {
        blocks
            .iter()
            .map(|block| {
                let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
                *ids.entry(block).or_insert(next)
            })
            .collect()
    }
    let mut ids = HashMap::new();
    let base = number(&mut ids, base);
    let theirs = number(&mut ids, theirs);
    let mine = number(&mut ids, mine);
    (base, theirs, mine)
}

/// For each base block, the index of the block of `side` it is aligned with by a longest common
/// subsequence, if any.
fn alignment(base: &[u32], side: &[u32]) -> Vec<Option<usize>> {
    let (rows, columns) = (base.len(), side.len());
    // lengths[i][j]: the longest common subsequence of base[i..] and side[j..].
    let width = columns + 1;
    let mut lengths = vec![0u32; (rows + 1) * width];
    for i in (0..rows).rev() {
        for j in (0..columns).rev() {
            lengths[i * width + j] = if base[i] == side[j] {
                lengths[(i + 1) * width + j + 1] + 1
            } else {
                lengths[(i + 1) * width + j].max(lengths[i * width + j + 1])
            };
        }
    }
    let mut aligned = vec![None; rows];
    let (mut i, mut j) = (0, 0);
    while i < rows && j < columns {
        if base[i] == side[j] {
            aligned[i] = Some(j);
            i += 1;
            j += 1;
        } else if lengths[(i + 1) * width + j] >= lengths[i * width + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    aligned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(base: &str, theirs: &str, mine: &str) -> Merge {
        merge_storage(base, theirs, mine).unwrap()
    }

    const BASE: &str = "<h1>Plan</h1>\n<p>One</p>\n<p>Two</p>\n<p>Three</p>";

    #[test]
    fn blocks_cover_the_fragment_byte_for_byte() {
        for storage in [
            BASE,
            "",
            "  ",
            "text <b>bold</b> tail",
            "\n<p>a</p>  <p>b</p>\n",
        ] {
            assert_eq!(blocks(storage).unwrap().concat(), storage);
        }
        assert_eq!(blocks(BASE).unwrap().len(), 4);
    }

    #[test]
    fn changes_to_different_blocks_merge_without_asking() {
        let theirs = BASE.replace("<p>One</p>", "<p>One, edited by them</p>");
        let mine = BASE.replace("<p>Three</p>", "<p>Three, edited by me</p><p>Four</p>");
        let merge = merged(BASE, &theirs, &mine);
        assert_eq!(merge.conflicts(), 0);
        assert_eq!((merge.theirs_taken, merge.mine_taken), (1, 1));
        assert_eq!(
            merge.resolve(|_| unreachable!()),
            "<h1>Plan</h1>\n<p>One, edited by them</p>\n<p>Two</p>\n<p>Three, edited by me</p><p>Four</p>"
        );
    }

    #[test]
    fn the_same_change_on_both_sides_is_taken_once() {
        let both = BASE.replace("<p>Two</p>", "<p>2</p>");
        let merge = merged(BASE, &both, &both);
        assert_eq!(merge.conflicts(), 0);
        assert_eq!(merge.resolve(|_| unreachable!()), both);
    }

    #[test]
    fn changes_to_the_same_block_are_a_conflict_settled_by_a_person() {
        let theirs = BASE.replace("<p>Two</p>", "<p>Two (theirs)</p>");
        let mine = BASE.replace("<p>Two</p>", "<p>Two (mine)</p>");
        let merge = merged(BASE, &theirs, &mine);
        assert_eq!(merge.conflicts(), 1);
        let MergeChunk::Conflict {
            base,
            theirs: t,
            mine: m,
        } = &merge.chunks[1]
        else {
            panic!("{:?}", merge.chunks)
        };
        assert_eq!(base, "<p>Two</p>\n");
        assert_eq!(t, "<p>Two (theirs)</p>\n");
        assert_eq!(m, "<p>Two (mine)</p>\n");
        assert_eq!(merge.resolve(|_| Resolution::Theirs), theirs);
        assert_eq!(merge.resolve(|_| Resolution::Mine), mine);
        assert!(
            merge
                .resolve(|_| Resolution::Both)
                .contains("<p>Two (theirs)</p>\n<p>Two (mine)</p>")
        );
    }

    #[test]
    fn a_block_deleted_by_one_side_and_kept_by_the_other_is_deleted() {
        let theirs = BASE.replace("<p>One</p>\n", "");
        let mine = BASE.replace("<h1>Plan</h1>", "<h1>The plan</h1>");
        let merge = merged(BASE, &theirs, &mine);
        assert_eq!(merge.conflicts(), 0);
        assert_eq!(
            merge.resolve(|_| unreachable!()),
            "<h1>The plan</h1>\n<p>Two</p>\n<p>Three</p>"
        );
    }

    #[test]
    fn unknown_macros_pass_through_a_merge_unchanged() {
        let base = "<p>a</p><ac:structured-macro ac:name=\"jira\"><ac:parameter ac:name=\"key\">X-1</ac:parameter></ac:structured-macro><p>b</p>";
        let theirs = base.replace("<p>a</p>", "<p>A</p>");
        let mine = base.replace("<p>b</p>", "<p>B</p>");
        let result = merged(base, &theirs, &mine).resolve(|_| unreachable!());
        assert_eq!(
            result,
            base.replace("<p>a</p>", "<p>A</p>")
                .replace("<p>b</p>", "<p>B</p>")
        );
    }

    #[test]
    fn paragraphs_added_in_different_places_both_arrive() {
        let theirs = BASE.replace("<p>One</p>\n", "<p>One</p>\n<p>Their new one</p>\n");
        let mine = format!("{BASE}<p>My new last</p>");
        let merge = merged(BASE, &theirs, &mine);
        assert_eq!(merge.conflicts(), 0);
        let result = merge.resolve(|_| unreachable!());
        assert!(
            result.contains("<p>One</p>\n<p>Their new one</p>\n<p>Two</p>"),
            "{result}"
        );
        assert!(
            result.ends_with("<p>Three</p><p>My new last</p>"),
            "{result}"
        );
    }

    #[test]
    fn two_insertions_at_the_same_place_are_a_conflict() {
        let theirs = BASE.replace("<p>Two</p>", "<p>Theirs</p>\n<p>Two</p>");
        let mine = BASE.replace("<p>Two</p>", "<p>Mine</p>\n<p>Two</p>");
        let merge = merged(BASE, &theirs, &mine);
        assert_eq!(merge.conflicts(), 1);
        let both = merge.resolve(|_| Resolution::Both);
        assert!(
            both.contains("<p>Theirs</p>\n<p>Mine</p>\n<p>Two</p>"),
            "{both}"
        );
    }

    #[test]
    fn neighbouring_blocks_changed_one_for_one_conflict_only_where_both_changed() {
        let theirs = BASE.replace("<p>Two</p>", "<p>Two (theirs)</p>");
        let mine = BASE
            .replace("<p>Two</p>", "<p>Two (mine)</p>")
            .replace("<p>Three</p>", "<p>Three (mine)</p>");
        let merge = merged(BASE, &theirs, &mine);
        assert_eq!(merge.conflicts(), 1);
        assert_eq!(
            merge.resolve(|_| Resolution::Theirs),
            "<h1>Plan</h1>\n<p>One</p>\n<p>Two (theirs)</p>\n<p>Three (mine)</p>"
        );
    }

    #[test]
    fn broken_storage_is_an_error_not_a_merge() {
        assert!(merge_storage(BASE, "<p>open", BASE).is_err());
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        /// A fragment of paragraphs and macros from a small alphabet, so that sides share blocks.
        fn fragment() -> impl Strategy<Value = String> {
            prop::collection::vec(0u8..8, 0..12).prop_map(|blocks| {
                blocks
                    .iter()
                    .map(|block| match block {
                        0 => "<ac:structured-macro ac:name=\"jira\"><ac:parameter ac:name=\"key\">X-1</ac:parameter></ac:structured-macro>".to_string(),
                        1 => "<h2>Title</h2>\n".to_string(),
                        n => format!("<p>Block {n}</p>"),
                    })
                    .collect()
            })
        }

        proptest! {
            #[test]
            fn a_side_that_changed_nothing_yields_the_other(base in fragment(), edited in fragment()) {
                let merge = merge_storage(&base, &base, &edited).unwrap();
                prop_assert_eq!(merge.conflicts(), 0);
                prop_assert_eq!(merge.resolve(|_| Resolution::Mine), edited.clone());
                let merge = merge_storage(&base, &edited, &base).unwrap();
                prop_assert_eq!(merge.conflicts(), 0);
                prop_assert_eq!(merge.resolve(|_| Resolution::Mine), edited);
            }

            #[test]
            fn the_same_edit_on_both_sides_is_that_edit(base in fragment(), edited in fragment()) {
                let merge = merge_storage(&base, &edited, &edited).unwrap();
                prop_assert_eq!(merge.conflicts(), 0);
                prop_assert_eq!(merge.resolve(|_| Resolution::Theirs), edited);
            }

            #[test]
            fn every_merge_is_storage_and_each_choice_keeps_that_side(
                base in fragment(),
                theirs in fragment(),
                mine in fragment(),
            ) {
                let merge = merge_storage(&base, &theirs, &mine).unwrap();
                for choice in [Resolution::Theirs, Resolution::Mine, Resolution::Both] {
                    let merged = merge.resolve(|_| choice);
                    prop_assert!(crate::parse(&merged).is_ok(), "{merged}");
                }
                // Choosing a side everywhere gives a page containing every block that side added.
                let with_mine = merge.resolve(|_| Resolution::Mine);
                for chunk in &merge.chunks {
                    if let MergeChunk::Conflict { mine: block, .. } = chunk {
                        prop_assert!(with_mine.contains(block.as_str()));
                    }
                }
            }
        }
    }
}
