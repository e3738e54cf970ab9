//! The page frame: head, top bar, optional sidebar.

use maud::{DOCTYPE, Markup, html};

use crate::auth::Principal;

/// A full page for a logged-in user, with an optional sidebar.
pub fn page(title: &str, user: &Principal, sidebar: Option<Markup>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            // Nothing can be written while the site is read-only or nobody is signed in: the
            // stylesheet hides every `.write-action` then.
            body class=[(crate::read_only::is_read_only() || user.is_anonymous()).then_some("reading-only")] {
                // The first stop of the Tab key: past the top bar and the sidebar to the content.
                a.skip-link href="#content" { "Skip to content" }
                header.top {
                    a.brand href="/" { (crate::read_only::site_title()) }
                    nav {
                        a href="/" { "Dashboard" }
                        a.write-action href="/spaces/createspace.action" { "Create space" }
                        @if user.administrator { a href=(ADMINISTRATION_HOME) { "Administration" } }
                    }
                    form.search method="get" action="/dosearchsite.action" role="search" {
                        input type="search" name="queryString" placeholder="Search" aria-label="Search";
                    }
                    div.who {
                        @if user.is_anonymous() {
                            a.button href="/login.action" { "Log in" }
                        } @else {
                            a href="/users/editmyprofile.action" title="Your profile and tokens" { (user.user.display_name) }
                            form method="post" action="/logout.action" {
                                button type="submit" { "Log out" }
                            }
                        }
                    }
                }
                @if crate::read_only::is_read_only() {
                    p.notice.banner role="status" id="read-only-banner" { (crate::read_only::MESSAGE) }
                }
                @if let Some(sidebar) = sidebar {
                    div.layout {
                        // Open, as on a wide screen; on a phone cairn.js folds it behind its summary.
                        aside.sidebar {
                            details.sidebar-menu open {
                                summary { "Menu" }
                                (sidebar)
                            }
                        }
                        (body)
                    }
                } @else {
                    div.layout.single { (body) }
                }
            }
        }
    }
}

/// Where the top bar's "Administration" leads.
pub const ADMINISTRATION_HOME: &str = "/admin/viewgeneralconfig.action";

/// The administration screens, in the sidebar of each, the one shown marked as current.
const ADMINISTRATION_SCREENS: [(&str, &str); 9] = [
    ("General configuration", "/admin/viewgeneralconfig.action"),
    ("Users", "/admin/users/browseusers.action"),
    ("Groups", "/admin/users/browsegroups.action"),
    (
        "Global permissions",
        "/admin/permissions/globalpermissions.action",
    ),
    ("Audit log", "/admin/auditlog.action"),
    ("Import space", "/admin/importspace.action"),
    ("Access mode", "/admin/accessmode.action"),
    ("Clustering", "/admin/cluster.action"),
    ("REST API (OpenAPI)", "/rest/cairn/1/openapi.json"),
];

/// The sidebar of the administration screens; `current` is the title of the one shown.
pub fn administration_sidebar(current: &str) -> Markup {
    html! {
        nav aria-label="Administration" {
            h2 { "Administration" }
            ul {
                @for (title, href) in ADMINISTRATION_SCREENS {
                    @if title == current {
                        li.current { a href=(href) aria-current="page" { (title) } }
                    } @else {
                        li { a href=(href) { (title) } }
                    }
                }
            }
        }
    }
}

/// A page without the top bar's user parts (login, errors).
pub fn bare_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip-link href="#content" { "Skip to content" }
                header.top { a.brand href="/" { (crate::read_only::site_title()) } }
                (body)
            }
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " - " (crate::read_only::site_title()) }
            link rel="stylesheet" href="/static/cairn.css";
            link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
            script src="/static/cairn.js" defer {}
        }
    }
}
