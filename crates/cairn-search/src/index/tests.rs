use cairn_core::{
    Comparison, ContentId, ContentQuery, ContentType, OrderField, Predicate, SearchDocument,
    SearchKind, SpaceId,
};

use super::{HIGHLIGHT_END, HIGHLIGHT_START, SearchIndex, Visibility};

fn document(id: i64, title: &str, text: &str) -> SearchDocument {
    SearchDocument {
        id: ContentId(id),
        kind: SearchKind::Content(ContentType::Page),
        space_id: SpaceId(1),
        space_key: "DEV".into(),
        title: title.into(),
        text: text.into(),
        labels: Vec::new(),
        parent_id: None,
        ancestors: Vec::new(),
        container_id: None,
        lineage: Vec::new(),
        creator: "alice".into(),
        contributors: vec!["alice".into()],
        mentions: Vec::new(),
        created_ms: id * 1000,
        last_modified_ms: id * 1000,
    }
}

fn everyone() -> Visibility {
    Visibility {
        all_spaces: true,
        ..Visibility::default()
    }
}

fn query(predicate: Predicate) -> ContentQuery {
    ContentQuery {
        predicate,
        order: Vec::new(),
    }
}

fn text(words: &[&str]) -> Predicate {
    Predicate::TextContains(words.iter().map(|word| word.to_string()).collect())
}

struct Fixture {
    _directory: tempfile::TempDir,
    index: SearchIndex,
}

fn indexed(documents: &[SearchDocument]) -> Fixture {
    let directory = tempfile::tempdir().expect("temp dir");
    let index = SearchIndex::open(directory.path()).expect("open");
    index.write(documents, &[]).expect("write");
    index.commit(7).expect("commit");
    Fixture {
        _directory: directory,
        index,
    }
}

fn ids(fixture: &Fixture, predicate: Predicate, visibility: &Visibility) -> Vec<i64> {
    let page = fixture
        .index
        .search(&query(predicate), visibility, 0, 100)
        .expect("search");
    page.hits.iter().map(|hit| hit.id.0).collect()
}

fn sorted(mut found: Vec<i64>) -> Vec<i64> {
    found.sort_unstable();
    found
}

#[test]
fn words_match_their_stems_case_insensitively() {
    let fixture = indexed(&[
        document(1, "Deployment guide", "How we deploy the servers"),
        document(2, "Lunch", "Nothing about it"),
    ]);
    assert_eq!(ids(&fixture, text(&["DEPLOYING"]), &everyone()), vec![1]);
    assert_eq!(ids(&fixture, text(&["servers"]), &everyone()), vec![1]);
    assert_eq!(ids(&fixture, text(&["server"]), &everyone()), vec![1]);
    assert!(ids(&fixture, text(&["database"]), &everyone()).is_empty());
}

#[test]
fn every_term_must_match_and_phrases_keep_their_order() {
    let fixture = indexed(&[
        document(1, "One", "the quick brown fox"),
        document(2, "Two", "brown and quick fox"),
    ]);
    assert_eq!(
        sorted(ids(&fixture, text(&["quick", "fox"]), &everyone())),
        vec![1, 2]
    );
    assert_eq!(ids(&fixture, text(&["quick brown"]), &everyone()), vec![1]);
    assert!(ids(&fixture, text(&["quick", "zebra"]), &everyone()).is_empty());
}

#[test]
fn prefix_and_fuzzy_terms() {
    let fixture = indexed(&[
        document(1, "Kubernetes", "cluster orchestration"),
        document(2, "Release notes", "what changed"),
    ]);
    assert_eq!(ids(&fixture, text(&["kube*"]), &everyone()), vec![1]);
    assert_eq!(ids(&fixture, text(&["orchest*"]), &everyone()), vec![1]);
    assert_eq!(ids(&fixture, text(&["relase~"]), &everyone()), vec![2]);
    assert!(ids(&fixture, text(&["relase"]), &everyone()).is_empty());
}

#[test]
fn title_matches_rank_first() {
    let fixture = indexed(&[
        document(
            1,
            "Holiday calendar",
            "budget budget budget budget mentioned often in the body",
        ),
        document(2, "Budget", "the plan for next year"),
        document(3, "Other", "budget once"),
    ]);
    let found = ids(&fixture, text(&["budget"]), &everyone());
    assert_eq!(found.first(), Some(&2), "{found:?}");
    assert_eq!(found.len(), 3);
}

#[test]
fn excerpts_highlight_matched_words() {
    let fixture = indexed(&[document(
        1,
        "Guide",
        "Some introduction. Then the rollback procedure is described here.",
    )]);
    let page = fixture
        .index
        .search(&query(text(&["rollback"])), &everyone(), 0, 10)
        .expect("search");
    let excerpt = &page.hits[0].excerpt;
    assert!(
        excerpt.contains(&format!("{HIGHLIGHT_START}rollback{HIGHLIGHT_END}")),
        "{excerpt}"
    );
    let plain = fixture
        .index
        .search(&query(Predicate::All), &everyone(), 0, 10)
        .expect("search");
    assert!(plain.hits[0].excerpt.starts_with("Some introduction."));
}

#[test]
fn visibility_hides_spaces_restricted_pages_and_everything_below_them() {
    let mut secret = document(2, "Secret plan", "plan");
    secret.parent_id = Some(ContentId(1));
    secret.ancestors = vec![ContentId(1)];
    secret.lineage = vec![ContentId(1)];
    let mut below = document(3, "Below secret plan", "plan");
    below.parent_id = Some(ContentId(2));
    below.ancestors = vec![ContentId(2), ContentId(1)];
    below.lineage = vec![ContentId(2), ContentId(1)];
    let mut comment = document(4, "Re: Secret plan", "plan comment");
    comment.kind = SearchKind::Content(ContentType::Comment);
    comment.container_id = Some(ContentId(2));
    comment.lineage = vec![ContentId(2), ContentId(1)];
    let mut elsewhere = document(5, "Other space plan", "plan");
    elsewhere.space_id = SpaceId(9);
    let fixture = indexed(&[
        document(1, "Home", "plan"),
        secret,
        below,
        comment,
        elsewhere,
    ]);
    assert_eq!(
        sorted(ids(&fixture, text(&["plan"]), &everyone())),
        vec![1, 2, 3, 4, 5]
    );
    let outsider = Visibility {
        all_spaces: false,
        spaces: vec![SpaceId(1)],
        hidden_roots: vec![ContentId(2)],
    };
    assert_eq!(ids(&fixture, text(&["plan"]), &outsider), vec![1]);
    let page = fixture
        .index
        .search(&query(text(&["plan"])), &outsider, 0, 10)
        .expect("search");
    assert_eq!(page.total, 1, "totals count only what the viewer may see");
    let nobody = Visibility::default();
    assert!(ids(&fixture, Predicate::All, &nobody).is_empty());
}

#[test]
fn every_predicate_filters() {
    let mut first = document(1, "Alpha", "one");
    first.labels = vec!["howto".into()];
    first.space_key = "DEV".into();
    let mut second = document(2, "Beta", "two");
    second.parent_id = Some(ContentId(1));
    second.ancestors = vec![ContentId(1)];
    second.lineage = vec![ContentId(1)];
    second.creator = "bob".into();
    second.contributors = vec!["bob".into(), "carol".into()];
    second.space_key = "~bob".into();
    let mut third = document(3, "Gamma", "three");
    third.kind = SearchKind::Content(ContentType::BlogPost);
    let mut comment = document(4, "Re: Alpha", "a comment");
    comment.kind = SearchKind::Content(ContentType::Comment);
    comment.container_id = Some(ContentId(1));
    comment.lineage = vec![ContentId(1)];
    let fixture = indexed(&[first, second, third, comment]);
    let all = everyone();
    let check = |predicate: Predicate, expected: Vec<i64>| {
        assert_eq!(
            sorted(ids(&fixture, predicate.clone(), &all)),
            expected,
            "{predicate:?}"
        );
    };
    check(Predicate::All, vec![1, 2, 3, 4]);
    check(Predicate::Nothing, vec![]);
    check(
        Predicate::ContentTypeIn(vec![ContentType::BlogPost]),
        vec![3],
    );
    check(Predicate::SpaceKeyIn(vec!["dev".into()]), vec![1, 3, 4]);
    check(Predicate::SpaceKeyIn(vec!["~BOB".into()]), vec![2]);
    check(Predicate::TitleEquals(" alpha ".into()), vec![1]);
    check(Predicate::TitleContains(vec!["gamma".into()]), vec![3]);
    check(Predicate::LabelIn(vec!["HowTo".into()]), vec![1]);
    check(Predicate::ParentIs(ContentId(1)), vec![2]);
    check(Predicate::AncestorIs(ContentId(1)), vec![2]);
    check(
        Predicate::IdIn(vec![ContentId(3), ContentId(4)]),
        vec![3, 4],
    );
    check(Predicate::CreatorIn(vec!["bob".into()]), vec![2]);
    check(Predicate::ContributorIn(vec!["carol".into()]), vec![2]);
    check(Predicate::ContainerIs(ContentId(1)), vec![4]);
    check(Predicate::Created(Comparison::Greater, 2000), vec![3, 4]);
    check(
        Predicate::Created(Comparison::GreaterOrEqual, 2000),
        vec![2, 3, 4],
    );
    check(Predicate::Created(Comparison::Less, 2000), vec![1]);
    check(
        Predicate::LastModified(Comparison::LessOrEqual, 2000),
        vec![1, 2],
    );
    check(Predicate::LastModified(Comparison::Equal, 3000), vec![3]);
    check(
        Predicate::LastModified(Comparison::NotEqual, 3000),
        vec![1, 2, 4],
    );
    check(
        Predicate::Not(Box::new(Predicate::ContentTypeIn(vec![ContentType::Page]))),
        vec![3, 4],
    );
    check(
        Predicate::Or(vec![
            Predicate::IdIn(vec![ContentId(1)]),
            Predicate::LabelIn(vec!["none".into()]),
            Predicate::CreatorIn(vec!["bob".into()]),
        ]),
        vec![1, 2],
    );
    check(
        Predicate::And(vec![
            Predicate::SpaceKeyIn(vec!["DEV".into()]),
            Predicate::ContentTypeIn(vec![ContentType::Page]),
        ]),
        vec![1],
    );
}

#[test]
fn order_by_fields_with_paging() {
    let fixture = indexed(&[
        document(1, "Charlie", "x"),
        document(2, "alpha", "x"),
        document(3, "Bravo", "x"),
    ]);
    let search = |order: Vec<(OrderField, bool)>, start: usize, limit: usize| {
        let page = fixture
            .index
            .search(
                &ContentQuery {
                    predicate: Predicate::All,
                    order,
                },
                &everyone(),
                start,
                limit,
            )
            .expect("search");
        assert_eq!(page.total, 3);
        page.hits.iter().map(|hit| hit.id.0).collect::<Vec<_>>()
    };
    assert_eq!(
        search(vec![(OrderField::Title, false)], 0, 10),
        vec![2, 3, 1]
    );
    assert_eq!(search(vec![(OrderField::Title, true)], 1, 1), vec![3]);
    assert_eq!(search(vec![(OrderField::Created, true)], 0, 2), vec![3, 2]);
    assert_eq!(search(vec![(OrderField::Id, false)], 2, 5), vec![3]);
    assert_eq!(search(Vec::new(), 0, 10), vec![3, 2, 1], "newest first");
}

#[test]
fn rewriting_a_document_replaces_it_and_removal_removes_it() {
    let fixture = indexed(&[document(1, "Old title", "old words")]);
    fixture
        .index
        .write(&[document(1, "New title", "new words")], &[])
        .expect("write");
    fixture.index.commit(8).expect("commit");
    assert!(ids(&fixture, text(&["old"]), &everyone()).is_empty());
    assert_eq!(ids(&fixture, text(&["new"]), &everyone()), vec![1]);
    assert_eq!(fixture.index.document_count(), 1);
    assert_eq!(fixture.index.committed_position().expect("position"), 8);
    fixture.index.write(&[], &[ContentId(1)]).expect("remove");
    fixture.index.commit(9).expect("commit");
    assert_eq!(fixture.index.document_count(), 0);
}

#[test]
fn ids_below_and_space_removal() {
    let mut child = document(2, "Child", "x");
    child.lineage = vec![ContentId(1)];
    let mut other = document(3, "Other", "x");
    other.space_id = SpaceId(2);
    let fixture = indexed(&[document(1, "Parent", "x"), child, other]);
    assert_eq!(
        fixture.index.ids_below(ContentId(1)).expect("below"),
        vec![ContentId(2)]
    );
    fixture.index.remove_space(SpaceId(1)).expect("remove");
    fixture.index.commit(8).expect("commit");
    assert_eq!(ids(&fixture, Predicate::All, &everyone()), vec![3]);
}

#[test]
fn a_snapshot_restores_the_same_index_and_position() {
    let fixture = indexed(&[
        document(1, "Snapshot me", "hello"),
        document(2, "And me", "world"),
    ]);
    let mut packed = Vec::new();
    let position = fixture.index.write_snapshot(&mut packed).expect("snapshot");
    assert_eq!(position, 7);
    let target = tempfile::tempdir().expect("temp dir");
    let restored_position =
        SearchIndex::restore_snapshot(target.path(), &mut packed.as_slice()).expect("restore");
    assert_eq!(restored_position, 7);
    let restored = SearchIndex::open(target.path()).expect("open restored");
    assert_eq!(restored.committed_position().expect("position"), 7);
    assert_eq!(restored.document_count(), 2);
    let page = restored
        .search(&query(text(&["hello"])), &everyone(), 0, 10)
        .expect("search");
    assert_eq!(page.hits[0].id, ContentId(1));

    let truncated = &packed[..packed.len() - 10];
    let broken = tempfile::tempdir().expect("temp dir");
    assert!(SearchIndex::restore_snapshot(broken.path(), &mut &truncated[..]).is_err());
    let mut garbage: &[u8] = b"not a snapshot at all, clearly";
    assert!(SearchIndex::restore_snapshot(broken.path(), &mut garbage).is_err());
}

#[test]
fn reopening_keeps_documents_and_position() {
    let directory = tempfile::tempdir().expect("temp dir");
    {
        let index = SearchIndex::open(directory.path()).expect("open");
        index
            .write(&[document(1, "Kept", "kept words")], &[])
            .expect("write");
        index.commit(42).expect("commit");
    }
    let reopened = SearchIndex::open(directory.path()).expect("reopen");
    assert_eq!(reopened.committed_position().expect("position"), 42);
    assert_eq!(reopened.document_count(), 1);
}
