//! Paged reads: one type for the part of a list a caller asks for ([`Window`]) and one for what it
//! gets ([`Listed`]).

/// Which part of a list to read: skip `start` items, then at most `limit`. Callers bound both
/// before they get here (the web layer caps `limit` per endpoint and `start` at a billion).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub limit: i64,
}

impl Window {
    pub fn new(start: i64, limit: i64) -> Window {
        Window { start, limit }
    }

    /// The first `limit` items.
    pub fn first(limit: i64) -> Window {
        Window { start: 0, limit }
    }

    /// How many rows to fetch to know whether more follow: one past the window.
    pub(crate) fn fetch_limit(self) -> i64 {
        self.limit.saturating_add(1)
    }
}

/// One window of a list: its items, in the list's order, and whether more follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<T> Listed<T> {
    /// From rows fetched with [`Window::fetch_limit`]: a row past the window means more follow.
    pub(crate) fn from_fetched(mut rows: Vec<T>, window: Window) -> Listed<T> {
        let limit = usize::try_from(window.limit).unwrap_or(0);
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        Listed {
            items: rows,
            has_more,
        }
    }

    pub fn map<U>(self, convert: impl FnMut(T) -> U) -> Listed<U> {
        Listed {
            items: self.items.into_iter().map(convert).collect(),
            has_more: self.has_more,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_past_the_window_means_more_follow() {
        let window = Window::new(0, 2);
        assert_eq!(window.fetch_limit(), 3);
        let more = Listed::from_fetched(vec![1, 2, 3], window);
        assert_eq!((more.items, more.has_more), (vec![1, 2], true));
        let last = Listed::from_fetched(vec![1, 2], window);
        assert_eq!((last.items, last.has_more), (vec![1, 2], false));
        let none = Listed::from_fetched(vec![1], Window::first(0));
        assert_eq!((none.items, none.has_more), (Vec::<i32>::new(), true));
    }
}
