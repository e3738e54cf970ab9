-- Unpublished edits of a published page: one draft per person and page, saved by the editor every
-- few seconds and offered again when that person next opens the editor. `base_version` is the
-- version the edit started from, so that publishing the draft later merges with whatever was
-- published since instead of overwriting it. (Drafts of pages never published are content rows
-- with status 'draft', as in Confluence.)
CREATE TABLE page_draft (
    content_id    BIGINT       NOT NULL,
    user_id       BIGINT       NOT NULL,
    base_version  INTEGER      NOT NULL,
    title         VARCHAR(255) NOT NULL,
    body          TEXT         NOT NULL,
    saved_ms      BIGINT       NOT NULL,
    PRIMARY KEY (content_id, user_id)
);
CREATE INDEX page_draft_user ON page_draft (user_id, saved_ms);
