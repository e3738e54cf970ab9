-- Who watches what: a page, blog post or attachment (target_type 'content', target_key its id), a
-- space ('space', its key) or a label ('label', its name). Watches are kept now so that clients can
-- set and clear them as on Confluence; notifications read them later.
CREATE TABLE watch (
    user_id      BIGINT       NOT NULL,
    target_type  VARCHAR(16)  NOT NULL,          -- content | space | label
    target_key   VARCHAR(255) NOT NULL,
    created_ms   BIGINT       NOT NULL,
    PRIMARY KEY (user_id, target_type, target_key)
);
CREATE INDEX watch_target ON watch (target_type, target_key);
