-- Comments are content rows (type 'comment', versioned like pages; parent_id is the parent comment
-- for replies). What only comments have lives here.

CREATE TABLE comment_meta (
    content_id         BIGINT PRIMARY KEY,
    container_id       BIGINT      NOT NULL,          -- the page or blog post commented on
    location           VARCHAR(16) NOT NULL,          -- footer | inline
    inline_properties  TEXT                           -- inline comments: the client's JSON, as sent
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX comment_meta_container ON comment_meta (container_id, content_id);
