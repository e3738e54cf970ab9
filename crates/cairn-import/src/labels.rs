//! Labels of an export: on pages and blog posts, and on spaces. A `Labelling` names its label and
//! its target (`content`), or the target lists it (`labellings`); a label on an old version belongs
//! to the current object. A space's labels are labellings of its description object
//! (`SpaceDescription`): `team` labels are the space's categories, `my:favourite` a person's
//! favourite space.

use std::collections::{HashMap, HashSet};

use crate::model::{Builder, ContentKind, ExportLabelling, ExportSpaceLabel, Objects, id_number};
use crate::time::parse_export_time;
use crate::xml::RawObject;

/// The labellings of the content in `content_ids` and the labels of the spaces in `space_ids`.
pub(crate) fn labels(
    builder: &mut Builder<'_>,
    objects: &Objects,
    content_ids: &HashMap<i64, ContentKind>,
    space_ids: &HashSet<i64>,
) -> (Vec<ExportLabelling>, Vec<ExportSpaceLabel>) {
    let mut labellings = Vec::new();
    let mut space_labels = Vec::new();
    let labels: HashMap<&str, &RawObject> = objects
        .of("Label")
        .iter()
        .map(|label| (label.id.as_str(), label))
        .collect();
    let mut labelled: HashMap<String, String> = HashMap::new();
    for class in ["Page", "BlogPost", "SpaceDescription"] {
        for object in objects.of(class) {
            for labelling in object.references("labellings") {
                labelled.insert(labelling.id.clone(), object.id.clone());
            }
        }
    }
    let mut seen_labellings = HashSet::new();
    let mut seen_space_labels = HashSet::new();
    // A space's labels are on its description object.
    let mut description_spaces: HashMap<&str, i64> = HashMap::new();
    for space in objects.of("Space") {
        if let (Some(id), Some(description)) = (
            id_number(&space.id).filter(|id| space_ids.contains(id)),
            space.reference("description"),
        ) {
            description_spaces.insert(description.id.as_str(), id);
        }
    }
    for description in objects.of("SpaceDescription") {
        if let Some(id) = description
            .reference("space")
            .and_then(|space| id_number(&space.id))
            .filter(|id| space_ids.contains(id))
        {
            description_spaces
                .entry(description.id.as_str())
                .or_insert(id);
        }
    }
    for labelling in objects.of("Labelling") {
        let target = labelling
            .reference("content")
            .map(|content| content.id.clone())
            .or_else(|| labelled.get(&labelling.id).cloned());
        let Some(target) = target else {
            builder.skip("label", &labelling.id, "on no page or blog post");
            continue;
        };
        // A label on an old version belongs to the current object.
        let target = builder.originals.get(&target).cloned().unwrap_or(target);
        if let Some(space_id) = description_spaces.get(target.as_str()) {
            if let Some((prefix, name)) = labelling_label(builder, &labels, labelling)
                && seen_space_labels.insert((*space_id, prefix.clone(), name.clone()))
            {
                space_labels.push(ExportSpaceLabel {
                    space_id: *space_id,
                    prefix,
                    name,
                    created_ms: labelling
                        .text("creationDate")
                        .and_then(parse_export_time)
                        .unwrap_or(0),
                });
            }
            continue;
        }
        let Some(content_id) = id_number(&target).filter(|id| content_ids.contains_key(id)) else {
            let class = labelling
                .reference("content")
                .map(|content| content.class.as_str())
                .unwrap_or("content");
            builder.skip(
                "label",
                &labelling.id,
                format!("on {class} {target}, which is not imported"),
            );
            continue;
        };
        let Some((prefix, name)) = labelling_label(builder, &labels, labelling) else {
            continue;
        };
        if !seen_labellings.insert((content_id, prefix.clone(), name.clone())) {
            continue;
        }
        labellings.push(ExportLabelling {
            content_id,
            prefix,
            name,
            created_ms: labelling
                .text("creationDate")
                .and_then(parse_export_time)
                .unwrap_or(0),
        });
    }
    (labellings, space_labels)
}

/// The `(prefix, name)` of the label `labelling` names (the name lower-cased), or `None` (and the
/// reason in the skipped list) when it names none or one of a namespace Cairn does not have.
fn labelling_label(
    builder: &mut Builder<'_>,
    labels: &HashMap<&str, &RawObject>,
    labelling: &RawObject,
) -> Option<(String, String)> {
    let Some(label) = labelling
        .reference("label")
        .and_then(|label| labels.get(label.id.as_str()))
    else {
        builder.skip("label", &labelling.id, "names no label of the export");
        return None;
    };
    let name = label.text_trimmed("name")?;
    let prefix = label.text_trimmed("namespace").unwrap_or("global");
    if !matches!(prefix, "global" | "my" | "team") {
        builder.skip("label", &labelling.id, format!("namespace {prefix}"));
        return None;
    }
    Some((prefix.to_string(), name.to_lowercase()))
}
