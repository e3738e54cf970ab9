-- Who likes which page, blog post or comment (Confluence's "Like"), and the labels of spaces.

-- One like per person and content; liking again changes nothing.
CREATE TABLE content_like (
    content_id  BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (content_id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- What a person likes.
CREATE INDEX content_like_user ON content_like (user_id);

-- Labels on a space: Confluence keeps them on the space's description object, `team` labels
-- being the space's categories and `my:favourite` a person's favourite spaces. The label rows are
-- those of content labels (one `label` table for both, as Confluence has one).
CREATE TABLE space_label (
    space_id    BIGINT NOT NULL,
    label_id    BIGINT NOT NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (space_id, label_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX space_label_label ON space_label (label_id);
