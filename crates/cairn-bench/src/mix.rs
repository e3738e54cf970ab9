//! The action mix: the Confluence actions of Atlassian's Data Center App Performance Toolkit, with its
//! weights, and a weighted choice among them.
//!
//! Cairn has no likes, so the toolkit's `like_page` (a small write that marks a page) is played as
//! adding a label to the page, the closest small write the UI has; it keeps its name and weight in
//! the reports as `like_page (label)`.

/// One user-level action, made of the HTTP requests the UI issues for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    ViewPage,
    ViewDashboard,
    ViewBlog,
    SearchCql,
    CreateBlog,
    CreateAndEditPage,
    CommentPage,
    ViewAttachment,
    UploadAttachment,
    LikePage,
}

impl Action {
    pub const ALL: [Action; 10] = [
        Action::ViewPage,
        Action::ViewDashboard,
        Action::ViewBlog,
        Action::SearchCql,
        Action::CreateBlog,
        Action::CreateAndEditPage,
        Action::CommentPage,
        Action::ViewAttachment,
        Action::UploadAttachment,
        Action::LikePage,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::ViewPage => "view_page",
            Action::ViewDashboard => "view_dashboard",
            Action::ViewBlog => "view_blog",
            Action::SearchCql => "search_cql",
            Action::CreateBlog => "create_blog",
            Action::CreateAndEditPage => "create_and_edit_page",
            Action::CommentPage => "comment_page",
            Action::ViewAttachment => "view_attachment",
            Action::UploadAttachment => "upload_attachment",
            Action::LikePage => "like_page (label)",
        }
    }

    /// The toolkit's weight (its percentages sum to 98).
    pub fn toolkit_weight(self) -> u32 {
        match self {
            Action::ViewPage => 33,
            Action::ViewDashboard => 10,
            Action::ViewBlog => 13,
            Action::SearchCql => 4,
            Action::CreateBlog => 5,
            Action::CreateAndEditPage => 9,
            Action::CommentPage => 8,
            Action::ViewAttachment => 6,
            Action::UploadAttachment => 7,
            Action::LikePage => 3,
        }
    }
}

/// A weighted set of actions; [`ActionMix::choose`] maps a uniform number to an action.
#[derive(Debug, Clone)]
pub struct ActionMix {
    /// Cumulative weights, in the order of `actions`.
    cumulative: Vec<u32>,
    actions: Vec<Action>,
}

impl ActionMix {
    /// The toolkit's mix.
    pub fn toolkit() -> ActionMix {
        ActionMix::new(
            Action::ALL
                .iter()
                .map(|&action| (action, action.toolkit_weight())),
        )
    }

    /// A mix of the given weights; actions of weight 0 never run. Panics on an all-zero mix is
    /// avoided: an empty mix falls back to page views.
    pub fn new(weights: impl IntoIterator<Item = (Action, u32)>) -> ActionMix {
        let mut cumulative = Vec::new();
        let mut actions = Vec::new();
        let mut sum = 0;
        for (action, weight) in weights {
            if weight == 0 {
                continue;
            }
            sum += weight;
            cumulative.push(sum);
            actions.push(action);
        }
        if actions.is_empty() {
            return ActionMix {
                cumulative: vec![1],
                actions: vec![Action::ViewPage],
            };
        }
        ActionMix {
            cumulative,
            actions,
        }
    }

    pub fn total_weight(&self) -> u32 {
        self.cumulative.last().copied().unwrap_or(0)
    }

    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The action for `ticket`, a value in `0..total_weight()` (larger values wrap).
    pub fn choose(&self, ticket: u64) -> Action {
        let ticket = (ticket % u64::from(self.total_weight())) as u32;
        let position = self.cumulative.partition_point(|&edge| edge <= ticket);
        self.actions[position]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    #[test]
    fn every_ticket_maps_to_its_weight_band() {
        let mix = ActionMix::new([(Action::ViewPage, 2), (Action::SearchCql, 1)]);
        assert_eq!(mix.total_weight(), 3);
        assert_eq!(mix.choose(0), Action::ViewPage);
        assert_eq!(mix.choose(1), Action::ViewPage);
        assert_eq!(mix.choose(2), Action::SearchCql);
        assert_eq!(mix.choose(3), Action::ViewPage);
    }

    #[test]
    fn zero_weights_never_run() {
        let mix = ActionMix::new([(Action::ViewPage, 0), (Action::LikePage, 5)]);
        assert!((0..50).all(|ticket| mix.choose(ticket) == Action::LikePage));
    }

    #[test]
    fn the_toolkit_mix_comes_out_in_its_proportions() {
        let mix = ActionMix::toolkit();
        assert_eq!(mix.total_weight(), 98);
        let mut rng = SeededRng::new(11);
        let mut counts = std::collections::HashMap::new();
        let draws = 98_000;
        for _ in 0..draws {
            *counts.entry(mix.choose(rng.next_u64())).or_insert(0u32) += 1;
        }
        for action in Action::ALL {
            let share = f64::from(counts[&action]) / f64::from(draws);
            let expected = f64::from(action.toolkit_weight()) / 98.0;
            assert!(
                (share - expected).abs() < 0.005,
                "{}: {share}",
                action.name()
            );
        }
    }
}
